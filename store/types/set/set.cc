// store/types/set/set.cc — the set value's three representations and its snapshot encoding.
#include "store/types/set/set.h"

#include <algorithm>
#include <charconv>

#include "store/codec.h"
#include "store/encoding_limits.h"
#include "store/memory.h"
#include "store/object_families.h"

namespace cairn::store {
namespace {

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

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

size_t SetObject::size() const {
  switch (kind_) {
    case Encoding::kIntset: return ints_.size();
    case Encoding::kListpack: return packed_count_;
    case Encoding::kHashtable: return table_.size();
  }
  return 0;
}

ObjRef SetObject::Clone() const {
  auto* copy = new SetObject();
  copy->kind_ = kind_;
  copy->ints_ = ints_;
  copy->packed_ = packed_;
  copy->packed_count_ = packed_count_;
  if (kind_ == Encoding::kHashtable) copy->table_.CopyFrom(table_);
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
  if (ints_.capacity() > 0) bytes += AllocationSize(ints_.capacity() * sizeof(int64_t));
  if (packed_.capacity() > 15) bytes += AllocationSize(packed_.capacity() + 1);
  return bytes + table_.memory_bytes();
}

void SetObject::Encode(std::string* out) const {
  codec::PutU8(out, static_cast<uint8_t>(kind_));
  codec::PutVarint(out, size());
  if (kind_ == Encoding::kIntset) {
    for (int64_t v : ints_) codec::PutVarint(out, ZigZag(v));
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
      m = FormatInt(UnZigZag(v), buf);
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

size_t SetObject::ListpackFind(std::string_view member) const {
  for (size_t pos = 0; pos < packed_.size();) {
    size_t len = static_cast<unsigned char>(packed_[pos]);
    if (std::string_view(packed_).substr(pos + 1, len) == member) return pos;
    pos += 1 + len;
  }
  return std::string::npos;
}

bool SetObject::Contains(std::string_view member) const {
  switch (kind_) {
    case Encoding::kIntset: {
      int64_t v = 0;
      return ParseSetInteger(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
    }
    case Encoding::kListpack: return ListpackFind(member) != std::string::npos;
    case Encoding::kHashtable: return table_.Contains(member);
  }
  return false;
}

void SetObject::ListpackToHashtable() {
  table_.Reserve(packed_count_ + 1);
  ForEach([this](std::string_view m) { table_.Insert(m); });
  std::string().swap(packed_);
  packed_count_ = 0;
  kind_ = Encoding::kHashtable;
}

// Moves the integers to a listpack or a hashtable.
void SetObject::LeaveIntset(bool to_listpack) {
  char buf[24];
  if (to_listpack) {
    for (int64_t v : ints_) {
      std::string_view m = FormatInt(v, buf);
      packed_.push_back(static_cast<char>(m.size()));
      packed_.append(m);
    }
    packed_count_ = ints_.size();
    kind_ = Encoding::kListpack;
  } else {
    table_.Reserve(ints_.size() + 1);
    for (int64_t v : ints_) table_.Insert(FormatInt(v, buf));
    kind_ = Encoding::kHashtable;
  }
  std::vector<int64_t>().swap(ints_);
}

bool SetObject::Add(std::string_view member) {
  if (kind_ == Encoding::kIntset) {
    int64_t v = 0;
    if (ParseSetInteger(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      if (ints_.size() < LimitOf(encoding_limits().set_max_intset_entries)) {
        ints_.insert(it, v);
        return true;
      }
    }
    LeaveIntset(ints_.size() + 1 <= LimitOf(encoding_limits().set_max_listpack_entries) &&
                member.size() <= SetMaxListpackValue());
  }
  if (kind_ == Encoding::kListpack) {
    if (ListpackFind(member) != std::string::npos) return false;
    if (packed_count_ < LimitOf(encoding_limits().set_max_listpack_entries) &&
        member.size() <= SetMaxListpackValue()) {
      packed_.push_back(static_cast<char>(member.size()));
      packed_.append(member);
      ++packed_count_;
      return true;
    }
    ListpackToHashtable();
  }
  return table_.Insert(member);
}

bool SetObject::Remove(std::string_view member) {
  switch (kind_) {
    case Encoding::kIntset: {
      int64_t v = 0;
      if (!ParseSetInteger(member, &v)) return false;
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it == ints_.end() || *it != v) return false;
      ints_.erase(it);
      return true;
    }
    case Encoding::kListpack: {
      size_t pos = ListpackFind(member);
      if (pos == std::string::npos) return false;
      packed_.erase(pos, 1 + member.size());
      --packed_count_;
      return true;
    }
    case Encoding::kHashtable: return table_.Erase(member);
  }
  return false;
}

void SetObject::ForEach(const std::function<void(std::string_view)>& visit) const {
  char buf[24];
  switch (kind_) {
    case Encoding::kIntset:
      for (int64_t v : ints_) visit(FormatInt(v, buf));
      return;
    case Encoding::kListpack:
      for (size_t pos = 0; pos < packed_.size();) {
        size_t len = static_cast<unsigned char>(packed_[pos]);
        visit(std::string_view(packed_).substr(pos + 1, len));
        pos += 1 + len;
      }
      return;
    case Encoding::kHashtable: table_.ForEach(visit); return;
  }
}

std::string SetObject::Random(uint64_t r) const {
  if (kind_ == Encoding::kHashtable) return std::string(table_.Random(r));
  size_t target = r % size();
  if (kind_ == Encoding::kIntset) return std::to_string(ints_[target]);
  size_t pos = 0;
  for (size_t i = 0; i < target; ++i) pos += 1 + static_cast<unsigned char>(packed_[pos]);
  return packed_.substr(pos + 1, static_cast<unsigned char>(packed_[pos]));
}

uint64_t SetObject::Scan(uint64_t cursor, size_t count,
                         const std::function<void(std::string_view)>& visit) const {
  if (kind_ == Encoding::kHashtable) return table_.Scan(cursor, count, visit);
  ForEach(visit);
  return 0;
}

}  // namespace cairn::store
