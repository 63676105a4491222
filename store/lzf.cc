// store/lzf.cc — see lzf.h.
#include "store/lzf.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cairn::store {
namespace {

constexpr size_t kMaxLiteral = 32;
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxMatch = 264;    // 7 + 255 + 2
constexpr size_t kMaxOffset = 8192;  // 13 bits, + 1
constexpr int kHashBits = 14;

// One reference expands to at most 264 bytes from 3, a literal run never grows.
constexpr size_t kMaxExpansion = 88;

// Appends the compressed stream to a fixed buffer, failing once it would overflow.
class Sink {
 public:
  Sink(char* out, size_t capacity) : out_(out), capacity_(capacity) {}
  bool Put(unsigned char b) {
    if (size_ >= capacity_) return false;
    out_[size_++] = static_cast<char>(b);
    return true;
  }
  bool Literals(const unsigned char* p, size_t n) {
    if (n == 0) return true;
    if (size_ + 1 + n > capacity_) return false;
    out_[size_++] = static_cast<char>(n - 1);
    std::memcpy(out_ + size_, p, n);
    size_ += n;
    return true;
  }
  bool Reference(size_t len, size_t distance) {
    size_t l = len - 2, off = distance - 1;
    if (l < 7) return Put(static_cast<unsigned char>(l << 5 | off >> 8)) && Put(off & 0xFF);
    return Put(static_cast<unsigned char>(7 << 5 | off >> 8)) &&
           Put(static_cast<unsigned char>(l - 7)) && Put(off & 0xFF);
  }
  size_t size() const { return size_; }

 private:
  char* out_;
  size_t capacity_;
  size_t size_ = 0;
};

// Where each 3-byte sequence (by hash) was last seen, kept per thread and reused by every call:
// an RDB file compresses its strings one after another, and clearing 64 KB for each would
// cost more than compressing a short one. A call's entries are base + position + 1, so
// entries at or below its base (earlier calls') read as empty.
struct HashTable {
  std::vector<uint32_t> slots;
  uint32_t base = 0;

  // Makes the table ready for an input of n bytes (n < 2^31).
  void Begin(size_t n) {
    if (slots.empty() || base > UINT32_MAX - n - 1) {
      slots.assign(size_t{1} << kHashBits, 0);
      base = 0;
    }
  }
  void End(size_t n) { base += static_cast<uint32_t>(n + 1); }
};

thread_local HashTable table;

// One call's use of the table. Its pointer and base are copied out of the thread-local so the
// loop keeps them in registers: reached through the thread-local, both were loaded again (and
// its guard tested) for every input byte, since a store to a slot might have changed them.
class Positions {
 public:
  explicit Positions(HashTable* t) : slots_(t->slots.data()), base_(t->base) {}
  // The position last seen with the 3 bytes seq (p[i] << 16 | p[i+1] << 8 | p[i+2]), or
  // SIZE_MAX; then records position i there.
  size_t Swap(uint32_t seq, size_t i) {
    uint32_t h = (seq * 2654435761u) >> (32 - kHashBits);
    uint32_t old = slots_[h];
    slots_[h] = base_ + static_cast<uint32_t>(i) + 1;
    return old > base_ ? old - base_ - 1 : SIZE_MAX;
  }

 private:
  uint32_t* slots_;
  uint32_t base_;
};

uint32_t Seq3(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
}

// How many of the first limit bytes of a and b are equal, 8 at a time while 8 remain.
size_t MatchLength(const unsigned char* a, const unsigned char* b, size_t limit) {
  size_t len = 0;
  for (; len + 8 <= limit; len += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + len, 8);
    std::memcpy(&y, b + len, 8);
    if (uint64_t diff = x ^ y; diff != 0) {
      int bits = std::endian::native == std::endian::little ? std::countr_zero(diff)
                                                             : std::countl_zero(diff);
      return len + static_cast<size_t>(bits / 8);
    }
  }
  while (len < limit && a[len] == b[len]) ++len;
  return len;
}

size_t Compress(const unsigned char* p, size_t n, Sink* sink_ptr) {
  Sink& sink = *sink_ptr;
  Positions positions(&table);
  size_t i = 0, literal_start = 0;
  // The 3 bytes at i, rolled forward a byte at a time: one load per step instead of three.
  uint32_t seq = n >= kMinMatch ? Seq3(p) : 0;
  while (i + kMinMatch <= n) {
    size_t from = positions.Swap(seq, i);
    size_t match = 0;
    // Whether the candidate is in reach and its first byte matches, without a branch on the
    // reach: in incompressible input that branch goes either way at random (a mispredicted
    // branch per byte or two halved the speed), while a first byte rarely matches. Both tests
    // are bits (from SIZE_MAX: i - from wraps to i + 1), and the choice of the byte to compare
    // is a mask, since compilers turn `near ? from : i` back into a branch. Out of reach, the
    // byte compared is p[i] against its own complement, which never matches.
    size_t distance = i - from;
    size_t near = size_t{from != SIZE_MAX} & size_t{distance <= kMaxOffset};
    size_t candidate = i - (distance & (0 - near));
    unsigned char first = p[candidate] ^ static_cast<unsigned char>((near - 1) & 0xFF);
    if (first == p[i]) {
      match = MatchLength(p + candidate, p + i, std::min(kMaxMatch, n - i));
    }
    if (match < kMinMatch) {
      ++i;
      if (i + kMinMatch <= n) seq = (seq << 8 | p[i + 2]) & 0xFFFFFF;
      if (i - literal_start == kMaxLiteral) {
        if (!sink.Literals(p + literal_start, kMaxLiteral)) return 0;
        literal_start = i;
      }
      continue;
    }
    if (!sink.Literals(p + literal_start, i - literal_start)) return 0;
    if (!sink.Reference(match, i - from)) return 0;
    // Remember the last two sequences inside the match, so that a repeat of its tail finds
    // them. Recording every one made compressible text a fifth slower (repeated JSON
    // records: 455 against 567 MB/s) for 0.2% smaller output.
    for (size_t j = i + match - 2; j < i + match && j + kMinMatch <= n; ++j) {
      positions.Swap(Seq3(p + j), j);
    }
    i += match;
    literal_start = i;
    if (i + kMinMatch <= n) seq = Seq3(p + i);
  }
  // The tail (and any pending run), 32 bytes at a time.
  while (literal_start < n) {
    size_t run = std::min(kMaxLiteral, n - literal_start);
    if (!sink.Literals(p + literal_start, run)) return 0;
    literal_start += run;
  }
  return sink.size();
}

// Room kept past a decompressed string's end while it is written, so that short copies can
// move a whole 16 bytes (one load and one store) and spill into it.
constexpr size_t kCopySlack = 16;

// Copies len bytes to `to` from back bytes before it, with kCopySlack bytes of room past
// `to + len`. A reference may overlap what it writes (back < len repeats the last back
// bytes: a run when back is 1). Past a short one, everything from the reference's start up
// to where the copy has reached is that repeating pattern, so each piece copies from the
// start a span that ends before it lands, twice the last one's.
void CopyBack(char* to, size_t back, size_t len) {
  if (back >= len && len <= kCopySlack) {
    std::memmove(to, to - back, kCopySlack);  // bytes past len are overwritten later
    return;
  }
  if (back == 1) {
    std::memset(to, to[-1], len);
    return;
  }
  const char* from = to - back;
  for (size_t done = 0; done < len;) {
    size_t n = std::min(len - done, back + done);
    std::memcpy(to + done, from, n);
    done += n;
  }
}

}  // namespace

size_t LzfCompress(std::string_view in, char* out, size_t capacity) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size();
  if (n >= (size_t{1} << 31)) return 0;  // strings stop at 512 MB; stored as they are
  Sink sink(out, capacity);
  table.Begin(n);
  size_t written = Compress(p, n, &sink);
  table.End(n);
  return written;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  if (out_len / kMaxExpansion > in.size()) return false;
  out->assign(out_len + kCopySlack, '\0');
  size_t ip = 0, op = 0;
  while (ip < in.size()) {
    unsigned ctrl = static_cast<uint8_t>(in[ip++]);
    if (ctrl < 32) {  // a literal run of ctrl + 1 bytes
      size_t run = ctrl + 1;
      if (ip + run > in.size() || op + run > out_len) return false;
      std::memcpy(&(*out)[op], in.data() + ip, run);
      ip += run, op += run;
      continue;
    }
    size_t len = ctrl >> 5;  // a back reference
    if (len == 7) {
      if (ip >= in.size()) return false;
      len += static_cast<uint8_t>(in[ip++]);
    }
    len += 2;
    if (ip >= in.size()) return false;
    size_t back = ((ctrl & 0x1Fu) << 8) + static_cast<uint8_t>(in[ip++]) + 1;
    if (back > op || op + len > out_len) return false;
    CopyBack(out->data() + op, back, len);
    op += len;
  }
  out->resize(out_len);
  return op == out_len;
}

}  // namespace cairn::store
