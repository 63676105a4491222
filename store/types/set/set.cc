// store/types/set/set.cc — the set value's three representations and its snapshot encoding.
#include "store/types/set/set.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

#include "store/codec.h"
#include "store/encoding_limits.h"
#include "store/memory.h"
#include "store/object_families.h"
#include "store/packed_varint.h"

namespace cairn::store {
namespace {

// The bytes an intset needs per integer to hold v.
uint8_t IntWidth(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

// The i-th integer of an intset's bytes whose integers are width bytes wide.
int64_t ReadInt(const char* data, size_t i, uint8_t width) {
  const char* at = data + i * width;
  if (width == 2) {
    int16_t v;
    std::memcpy(&v, at, sizeof(v));
    return v;
  }
  if (width == 4) {
    int32_t v;
    std::memcpy(&v, at, sizeof(v));
    return v;
  }
  int64_t v;
  std::memcpy(&v, at, sizeof(v));
  return v;
}

// Appends v as a width-byte integer.
void PutInt(std::string* out, int64_t v, uint8_t width) {
  int16_t v16 = static_cast<int16_t>(v);
  int32_t v32 = static_cast<int32_t>(v);
  const void* from = width == 2 ? static_cast<const void*>(&v16)
                     : width == 4 ? static_cast<const void*>(&v32)
                                  : static_cast<const void*>(&v);
  out->append(static_cast<const char*>(from), width);
}

// Formats v into buf and returns the view.
std::string_view FormatInt(int64_t v, char (&buf)[24]) {
  char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  return {buf, static_cast<size_t>(end - buf)};
}

}  // namespace

bool ParseSetInteger(std::string_view m, int64_t* out) {
  if (m.empty() || m.size() > 20) return false;
  if (m[0] == '0' && m.size() > 1) return false;
  if (m[0] == '-' && (m.size() == 1 || m[1] == '0')) return false;
  auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), *out);
  return ec == std::errc() && end == m.data() + m.size();
}

static_assert(sizeof(SetObject) <= 32, "a small set's object fits jemalloc's 32-byte class");

SetObject::SetObject(Encoding start) : Object(ValueType::kSet) {
  if (start == Encoding::kHashtable) {
    BecomeTable(0);
  } else {
    kind_ = start;
  }
}

SetObject::~SetObject() {
  if (kind_ == Encoding::kHashtable) {
    delete rep_.table;
  } else {
    rep_.packed.~PackedBuffer();
  }
}

void SetObject::BecomeTable(size_t reserve) {
  auto* table = new detail::SetTable();
  if (reserve > 0) table->Reserve(reserve);
  rep_.packed.~PackedBuffer();
  rep_.table = table;
  kind_ = Encoding::kHashtable;
}

size_t SetObject::size() const {
  return kind_ == Encoding::kHashtable ? rep_.table->size() : rep_.packed.count();
}

ObjRef SetObject::Clone() const {
  auto* copy = new SetObject(kind_);
  if (kind_ == Encoding::kHashtable) {
    copy->rep_.table->CopyFrom(*rep_.table);
  } else {
    copy->rep_.packed = rep_.packed;
    copy->int_width_ = int_width_;
  }
  return ObjRef(copy);
}

std::string_view SetObject::encoding() const {
  switch (kind_) {
    case Encoding::kIntset: return "intset";
    case Encoding::kListpack: return "listpack";
    case Encoding::kHashtable: return "hashtable";
  }
  return "";
}

size_t SetObject::memory_bytes() const {
  size_t bytes = AllocationSize(sizeof(SetObject));
  if (kind_ != Encoding::kHashtable) return bytes + rep_.packed.allocated_bytes();
  return bytes + AllocationSize(sizeof(detail::SetTable)) + rep_.table->memory_bytes();
}

void SetObject::Encode(std::string* out) const {
  codec::PutU8(out, static_cast<uint8_t>(kind_));
  codec::PutVarint(out, size());
  if (kind_ == Encoding::kIntset) {
    for (size_t i = 0; i < size(); ++i) codec::PutVarint(out, detail::ZigZag(IntAt(i)));
    return;
  }
  ForEach([out](std::string_view m) {
    codec::PutVarint(out, m.size());
    out->append(m);
  });
}

ObjRef DecodeSetObject(std::string_view bytes) {
  codec::Decoder d(bytes);
  uint8_t kind = 0;
  uint64_t count = 0;
  // A set is never empty (its key goes with its last member), and each member takes a byte.
  if (!d.U8(&kind) || kind > 2 || !d.Varint(&count) || count == 0 || count > d.remaining()) {
    return ObjRef();
  }
  auto* set = new SetObject(static_cast<SetObject::Encoding>(kind));
  ObjRef ref(set);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t v = 0;
    std::string_view m;
    if (!d.Varint(&v)) return ObjRef();
    char buf[24];
    if (kind == 0) {
      m = FormatInt(detail::UnZigZag(v), buf);
    } else if (!d.Bytes(v, &m)) {
      return ObjRef();
    }
    set->Add(m);
  }
  // The representation may differ from the one written: the limits may have changed since.
  if (!d.empty() || set->size() != count) {
    return ObjRef();
  }
  return ref;
}

int64_t SetObject::IntAt(size_t i) const { return ReadInt(rep_.packed.data(), i, int_width_); }

namespace {

// The first index of the n ascending Int-sized integers at data whose value is not below v.
// Branch-free: every probe halves the range by a select rather than a jump, which a lookup
// of an unpredictable member (every SINTER / SISMEMBER probe) would mispredict half the time.
template <typename Int>
size_t LowerBound(const char* data, size_t n, int64_t v) {
  if (n == 0) return 0;
  auto at = [data](size_t i) {
    Int x;
    std::memcpy(&x, data + i * sizeof(Int), sizeof(Int));
    return static_cast<int64_t>(x);
  };
  size_t lo = 0;
  while (n > 1) {
    size_t half = n / 2;
    lo = at(lo + half - 1) < v ? lo + half : lo;
    n -= half;
  }
  return lo + (at(lo) < v ? 1 : 0);
}

}  // namespace

size_t SetObject::IntsetLowerBound(int64_t v) const {
  const char* data = rep_.packed.data();
  switch (int_width_) {
    case 2: return LowerBound<int16_t>(data, size(), v);
    case 4: return LowerBound<int32_t>(data, size(), v);
    default: return LowerBound<int64_t>(data, size(), v);
  }
}

void SetObject::IntsetInsert(size_t i, int64_t v) {
  uint8_t width = IntWidth(v);
  if (width > int_width_) {
    // A value that needs more bytes than any member sorts before or after all of them.
    std::string wider;
    wider.reserve((size() + 1) * width);
    if (v < 0) PutInt(&wider, v, width);
    for (size_t n = 0; n < size(); ++n) PutInt(&wider, IntAt(n), width);
    if (v >= 0) PutInt(&wider, v, width);
    rep_.packed.Splice(0, rep_.packed.size(), wider);
    int_width_ = width;
  } else {
    std::string one;
    PutInt(&one, v, int_width_);
    rep_.packed.Splice(i * int_width_, i * int_width_, one);
  }
  rep_.packed.set_count(size() + 1);
}

size_t SetObject::ListpackFind(std::string_view member) const {
  std::string_view packed = rep_.packed.view();
  for (size_t pos = 0; pos < packed.size();) {
    size_t len = static_cast<unsigned char>(packed[pos]);
    if (packed.substr(pos + 1, len) == member) return pos;
    pos += 1 + len;
  }
  return std::string::npos;
}

bool SetObject::Contains(std::string_view member) const {
  switch (kind_) {
    case Encoding::kIntset: {
      int64_t v = 0;
      if (!ParseSetInteger(member, &v)) return false;
      size_t i = IntsetLowerBound(v);
      return i < size() && IntAt(i) == v;
    }
    case Encoding::kListpack: return ListpackFind(member) != std::string::npos;
    case Encoding::kHashtable: return rep_.table->Contains(member);
  }
  return false;
}

void SetObject::ListpackToHashtable() {
  detail::PackedBuffer members = std::move(rep_.packed);
  BecomeTable(members.count() + 1);
  std::string_view packed = members.view();
  for (size_t pos = 0; pos < packed.size();) {
    size_t len = static_cast<unsigned char>(packed[pos]);
    rep_.table->Insert(packed.substr(pos + 1, len));
    pos += 1 + len;
  }
}

// Moves the integers to a listpack or a hashtable.
void SetObject::LeaveIntset(bool to_listpack) {
  char buf[24];
  detail::PackedBuffer old = std::move(rep_.packed);
  auto value = [&](size_t i) { return ReadInt(old.data(), i, int_width_); };
  if (!to_listpack) {
    BecomeTable(old.count() + 1);
    for (size_t i = 0; i < old.count(); ++i) rep_.table->Insert(FormatInt(value(i), buf));
    return;
  }
  std::string packed;
  for (size_t i = 0; i < old.count(); ++i) {
    std::string_view m = FormatInt(value(i), buf);
    packed.push_back(static_cast<char>(m.size()));
    packed.append(m);
  }
  rep_.packed.Append(packed);
  rep_.packed.set_count(old.count());
  kind_ = Encoding::kListpack;
}

bool SetObject::Add(std::string_view member) {
  if (kind_ == Encoding::kIntset) {
    int64_t v = 0;
    if (ParseSetInteger(member, &v)) {
      size_t i = IntsetLowerBound(v);
      if (i < size() && IntAt(i) == v) return false;
      // Widening may rewrite every integer at 8 bytes: the bound counts for that.
      if (size() < LimitOf(encoding_limits().set_max_intset_entries) &&
          (size() + 1) * sizeof(int64_t) <= detail::PackedBuffer::kMaxBytes) {
        IntsetInsert(i, v);
        return true;
      }
    }
    // A listpack spells each integer in up to 20 bytes plus its length byte.
    LeaveIntset(size() + 1 <= LimitOf(encoding_limits().set_max_listpack_entries) &&
                member.size() <= SetMaxListpackValue() &&
                (size() + 1) * 21 <= detail::PackedBuffer::kMaxBytes);
  }
  if (kind_ == Encoding::kListpack) {
    if (ListpackFind(member) != std::string::npos) return false;
    if (size() < LimitOf(encoding_limits().set_max_listpack_entries) &&
        member.size() <= SetMaxListpackValue() && rep_.packed.Fits(1 + member.size())) {
      std::string entry(1, static_cast<char>(member.size()));
      entry.append(member);
      rep_.packed.Append(entry);
      rep_.packed.set_count(size() + 1);
      return true;
    }
    ListpackToHashtable();
  }
  return rep_.table->Insert(member);
}

void SetObject::ExpectDistinctAdds(std::span<const std::string_view> members) {
  size_t total = size() + members.size();
  if (kind_ == Encoding::kHashtable) {
    rep_.table->Reserve(total);
    return;
  }
  // The conditions for ending small that Add checks member by member, for all of them at
  // once; the size limits of the packed bytes only ever make a set a hashtable sooner.
  auto fits_listpack = [](std::string_view m) { return m.size() <= SetMaxListpackValue(); };
  auto is_integer = [](std::string_view m) {
    int64_t v = 0;
    return ParseSetInteger(m, &v);
  };
  if (total <= LimitOf(encoding_limits().set_max_listpack_entries) &&
      std::all_of(members.begin(), members.end(), fits_listpack)) {
    return;
  }
  if (kind_ == Encoding::kIntset && total <= LimitOf(encoding_limits().set_max_intset_entries) &&
      std::all_of(members.begin(), members.end(), is_integer)) {
    return;
  }
  if (kind_ == Encoding::kIntset) {
    LeaveIntset(false);
  } else {
    ListpackToHashtable();
  }
  rep_.table->Reserve(total);
}

bool SetObject::Remove(std::string_view member) {
  switch (kind_) {
    case Encoding::kIntset: {
      int64_t v = 0;
      if (!ParseSetInteger(member, &v)) return false;
      size_t i = IntsetLowerBound(v);
      if (i == size() || IntAt(i) != v) return false;
      rep_.packed.Splice(i * int_width_, (i + 1) * int_width_, {});
      rep_.packed.set_count(size() - 1);
      return true;
    }
    case Encoding::kListpack: {
      size_t pos = ListpackFind(member);
      if (pos == std::string::npos) return false;
      rep_.packed.Splice(pos, pos + 1 + member.size(), {});
      rep_.packed.set_count(size() - 1);
      return true;
    }
    case Encoding::kHashtable: return rep_.table->Erase(member);
  }
  return false;
}

void SetObject::ForEach(const std::function<void(std::string_view)>& visit) const {
  char buf[24];
  switch (kind_) {
    case Encoding::kIntset:
      for (size_t i = 0; i < size(); ++i) visit(FormatInt(IntAt(i), buf));
      return;
    case Encoding::kListpack: {
      std::string_view packed = rep_.packed.view();
      for (size_t pos = 0; pos < packed.size();) {
        size_t len = static_cast<unsigned char>(packed[pos]);
        visit(packed.substr(pos + 1, len));
        pos += 1 + len;
      }
      return;
    }
    case Encoding::kHashtable: rep_.table->ForEach(visit); return;
  }
}

std::string SetObject::Random(uint64_t r) const {
  if (kind_ == Encoding::kHashtable) return std::string(rep_.table->Random(r));
  size_t target = r % size();
  if (kind_ == Encoding::kIntset) return std::to_string(IntAt(target));
  std::string_view packed = rep_.packed.view();
  size_t pos = 0;
  for (size_t i = 0; i < target; ++i) pos += 1 + static_cast<unsigned char>(packed[pos]);
  return std::string(packed.substr(pos + 1, static_cast<unsigned char>(packed[pos])));
}

uint64_t SetObject::Scan(uint64_t cursor, size_t count,
                         const std::function<void(std::string_view)>& visit) const {
  if (kind_ == Encoding::kHashtable) return rep_.table->Scan(cursor, count, visit);
  ForEach(visit);
  return 0;
}

}  // namespace cairn::store
