// store/types/list/detail/list_node.cc — see list_node.h.
#include "store/types/list/detail/list_node.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "store/lzf.h"
#include "store/memory.h"
#include "store/packed_varint.h"

namespace cairn::store::detail {
namespace {

constexpr int64_t kIntLimit = int64_t{1} << 62;

// Redis's quicklist thresholds: smaller nodes are not worth compressing, and a node stays
// plain unless LZF saves more than this many bytes.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressSaving = 8;

// The back-to-front varint of list_node.h: most significant group first in memory.
void PutBacklen(char* p, uint64_t v, size_t len) {
  for (size_t i = len; i-- > 0;) {
    uint8_t group = v & 0x7f;
    v >>= 7;
    p[i] = static_cast<char>(i == 0 ? group : (group | 0x80));
  }
}

void Finish(PackedElem* e, size_t payload) {
  size_t body = VarintSize(e->header) + payload;
  e->size = body + VarintSize(body);
}

// Block sizes double from 64 bytes up to the node limit, so a growing node reallocates
// O(log) times and a full one fills one allocator class (8 KB by default).
size_t BlockFor(size_t need) {
  size_t block = 64;
  while (block < need + sizeof(ListNode)) block <<= 1;
  size_t max_block = std::max(kListNodeBlockBytes, CurrentListNodeLimit().block_bytes);
  if (block > max_block) return need + sizeof(ListNode);  // an oversized element
  return block;
}

}  // namespace

bool ParseListInt(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  size_t digits = text[0] == '-' ? 1 : 0;
  if (digits == text.size() || text[digits] < '0' || text[digits] > '9') return false;
  if (text[digits] == '0' && (text.size() > digits + 1 || digits == 1)) return false;  // 01, -0
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

PackedElem PackedElem::Of(std::string_view text) {
  int64_t v = 0;
  if (ParseListInt(text, &v) && v < kIntLimit && v > -kIntLimit) return OfInt(v);
  PackedElem e;
  e.text = text;
  e.header = static_cast<uint64_t>(text.size()) << 1;
  Finish(&e, text.size());
  return e;
}

PackedElem PackedElem::OfInt(int64_t num) {
  PackedElem e;
  e.is_int = true;
  e.num = num;
  e.header = (ZigZag(num) << 1) | 1;
  Finish(&e, 0);
  return e;
}

std::string_view PackedElem::View(std::string* scratch) const {
  if (!is_int) return text;
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), num);
  scratch->assign(buf, ptr);
  return *scratch;
}

PackedElem ReadEntry(const char* p) {
  const char* start = p;
  PackedElem e;
  p = GetVarint(p, &e.header);
  if (e.header & 1) {
    e.is_int = true;
    e.num = UnZigZag(e.header >> 1);
  } else {
    e.text = std::string_view(p, e.header >> 1);
    p += e.text.size();
  }
  size_t body = static_cast<size_t>(p - start);
  e.size = body + VarintSize(body);
  return e;
}

const char* EntryBefore(const char* end) {
  uint64_t body = 0;
  const char* p = end;
  int shift = 0;
  for (;;) {
    auto b = static_cast<uint8_t>(*--p);
    body |= uint64_t{b & 0x7fu} << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  return p - body;
}

void WriteEntry(char* p, const PackedElem& e) {
  char* start = p;
  p = PutVarint(p, e.header);
  if (!e.is_int && !e.text.empty()) {  // an empty view may have no data pointer
    std::memcpy(p, e.text.data(), e.text.size());
    p += e.text.size();
  }
  size_t body = static_cast<size_t>(p - start);
  PutBacklen(p, body, e.size - body);
}

ListNode* NewListNode(size_t need, bool slack_at_head) {
  size_t block = BlockFor(need);
  auto* n = static_cast<ListNode*>(std::malloc(block));
  if (n == nullptr) std::abort();
  n->cap = static_cast<uint32_t>(block - sizeof(ListNode));
  n->begin = n->end = slack_at_head ? n->cap : 0;
  n->count = 0;
  return n;
}

ListNode* CopyListNode(const ListNode* n) {
  size_t block = sizeof(ListNode) + n->cap;
  auto* c = static_cast<ListNode*>(std::malloc(block));
  if (c == nullptr) std::abort();
  std::memcpy(c, n, block);
  return c;
}

void FreeListNode(ListNode* n) { std::free(n); }

bool CompressListNode(ListNode** np) {
  ListNode* n = *np;
  if (n->compressed()) return true;
  size_t used = n->used();
  if (used < kMinCompressBytes) return false;
  size_t room = used - kMinCompressSaving - 1;
  auto stream = std::make_unique_for_overwrite<char[]>(room);
  size_t packed = LzfCompress(std::string_view(n->first(), used), stream.get(), room);
  if (packed == 0) return false;
  auto* c = static_cast<ListNode*>(std::malloc(sizeof(ListNode) + packed));
  if (c == nullptr) std::abort();
  c->begin = 0;
  c->end = static_cast<uint32_t>(used);
  c->cap = static_cast<uint32_t>(packed);
  c->count = n->count;
  std::memcpy(c->data, stream.get(), packed);
  FreeListNode(n);
  *np = c;
  return true;
}

void DecompressListNode(ListNode** np) {
  ListNode* c = *np;
  if (!c->compressed()) return;
  std::string entries;
  const char* src = ListNodeEntries(c, &entries);
  ListNode* n = NewListNode(c->used(), false);
  std::memcpy(n->data, src, c->used());
  n->end = static_cast<uint32_t>(c->used());
  n->count = c->count;
  FreeListNode(c);
  *np = n;
}

const char* ListNodeEntries(const ListNode* n, std::string* buf) {
  if (!n->compressed()) return n->first();
  // The stream was written by CompressListNode from these very bytes: failing to read it
  // back means memory was corrupted.
  if (!LzfDecompress(std::string_view(n->data, n->cap), n->used(), buf)) std::abort();
  return buf->data();
}

size_t ListNodeBytes(const ListNode* n) { return AllocationSize(sizeof(ListNode) + n->cap); }

void ListNodePush(ListNode** np, const PackedElem& e, bool at_head) {
  ListNode* n = *np;
  bool room = at_head ? n->begin >= e.size : n->cap - n->end >= e.size;
  if (!room) {
    size_t used = n->used();
    ListNode* grown = n;
    if (n->cap < used + e.size) {
      grown = NewListNode(used + e.size, at_head);
    }
    // Re-lay the live bytes so that all the slack sits where the push goes.
    size_t begin = at_head ? grown->cap - used : 0;
    std::memmove(grown->data + begin, n->data + n->begin, used);
    grown->begin = static_cast<uint32_t>(begin);
    grown->end = static_cast<uint32_t>(begin + used);
    grown->count = n->count;
    if (grown != n) FreeListNode(n);
    *np = n = grown;
  }
  if (at_head) {
    n->begin -= static_cast<uint32_t>(e.size);
    WriteEntry(n->data + n->begin, e);
  } else {
    WriteEntry(n->data + n->end, e);
    n->end += static_cast<uint32_t>(e.size);
  }
  ++n->count;
}

}  // namespace cairn::store::detail
