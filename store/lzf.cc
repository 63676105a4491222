// store/lzf.cc — see lzf.h.
#include "store/lzf.h"

#include <algorithm>
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

uint32_t Hash3(const unsigned char* p) {
  uint32_t v = static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
  return (v * 2654435761u) >> (32 - kHashBits);
}

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
  // The position last seen with hash h, or SIZE_MAX; then records position i there.
  size_t Swap(uint32_t h, size_t i) {
    uint32_t old = slots[h];
    slots[h] = base + static_cast<uint32_t>(i) + 1;
    return old > base ? old - base - 1 : SIZE_MAX;
  }
};

thread_local HashTable table;

size_t Compress(const unsigned char* p, size_t n, Sink* sink_ptr) {
  Sink& sink = *sink_ptr;
  size_t i = 0, literal_start = 0;
  while (i + kMinMatch <= n) {
    size_t from = table.Swap(Hash3(p + i), i);
    size_t match = 0;
    // Whether the candidate is in reach and its first byte matches, without a branch on the
    // reach: in incompressible input that branch goes either way at random, while a first
    // byte rarely matches. (Both tests, as bits: from SIZE_MAX, i - from wraps to i + 1.)
    bool near = (from != SIZE_MAX) & (i - from <= kMaxOffset);
    unsigned char first = p[near ? from : i] ^ static_cast<unsigned char>(near ? 0 : 0xFF);
    if (first == p[i]) {
      size_t limit = std::min(kMaxMatch, n - i);
      while (match < limit && p[from + match] == p[i + match]) ++match;
    }
    if (match < kMinMatch) {
      ++i;
      if (i - literal_start == kMaxLiteral) {
        if (!sink.Literals(p + literal_start, kMaxLiteral)) return 0;
        literal_start = i;
      }
      continue;
    }
    if (!sink.Literals(p + literal_start, i - literal_start)) return 0;
    if (!sink.Reference(match, i - from)) return 0;
    // Remember the sequences inside the match too, so that later repeats find them.
    for (size_t j = i + 1; j < i + match && j + kMinMatch <= n; ++j) {
      table.Swap(Hash3(p + j), j);
    }
    i += match;
    literal_start = i;
  }
  // The tail (and any pending run), 32 bytes at a time.
  while (literal_start < n) {
    size_t run = std::min(kMaxLiteral, n - literal_start);
    if (!sink.Literals(p + literal_start, run)) return 0;
    literal_start += run;
  }
  return sink.size();
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
  out->assign(out_len, '\0');
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
    for (size_t k = 0; k < len; ++k, ++op) (*out)[op] = (*out)[op - back];
  }
  return op == out_len;
}

}  // namespace cairn::store
