// tests/store/entry_test.cc — a short string lives in its key's own allocation: readers still
// hold its bytes by reference, and whatever replaces or grows it leaves the value right.
#include "store/entry.h"

#include <doctest/doctest.h>

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "store/memory.h"
#include "store/store.h"
#include "store/types/string/string_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::Get;
using testing::Set;

constexpr int64_t kFarFutureMs = 4102444800000;  // 2100-01-01

BufRef Read(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) { return h.Find()->value.str; });
}

bool Embedded(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) { return h.Find()->value.str.get()->embedded(); });
}

size_t MemoryBytes(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) { return EntryMemoryBytes(*h.Find(), 0); });
}

TEST_CASE("a short string value shares one allocation with its key") {
  Store store;
  Set(store, "key:000000123456", "value:123456");
  CHECK(Embedded(store, "key:000000123456"));
  // 40-byte header + 16-byte key + 8-byte buffer header + 12 bytes: jemalloc's 80-byte class,
  // where a separate buffer made it a 64-byte entry plus a 32-byte buffer; plus the bucket.
  CHECK(MemoryBytes(store, "key:000000123456") == AllocationSize(76) + sizeof(Entry*));
  CHECK(*Get(store, "key:000000123456") == "value:123456");
}

TEST_CASE("a long value, or a value of a very long key, keeps its own buffer") {
  Store store;
  std::string big(Buffer::kMaxEmbeddedSize + 1, 'v');
  Set(store, "k", big);
  CHECK_FALSE(Embedded(store, "k"));
  std::string long_key(Entry::kMaxEmbeddingKeyLen + 1, 'k');
  Set(store, long_key, "short");
  CHECK_FALSE(Embedded(store, long_key));
  Set(store, "edge", std::string(Buffer::kMaxEmbeddedSize, 'e'));
  CHECK(Embedded(store, "edge"));
  CHECK(*Get(store, "k") == big);
  CHECK(*Get(store, long_key) == "short");
}

TEST_CASE("a reader's reference to an embedded value outlives the key's deletion") {
  Store store;
  Set(store, "k", "still here");
  BufRef held = Read(store, "k");
  REQUIRE(held.get()->embedded());
  store.Access(0, "k", [](KeyHandle& h) { CHECK(h.Delete()); });
  CHECK(held.view() == "still here");  // the entry's allocation lives until this goes
  CHECK(held.get()->refs() == 1);
}

TEST_CASE("overwriting a key gives it a new entry and leaves a reader's old bytes intact") {
  Store store;
  Set(store, "k", "first", kFarFutureMs);
  BufRef held = Read(store, "k");
  store.Access(0, "k", [](KeyHandle& h) {
    StringSetOptions keep;
    keep.expire_at_ms = kKeepTtl;
    CHECK(testing::SetBytes(h, "second", keep).ok());
  });
  CHECK(held.view() == "first");
  CHECK(*Get(store, "k") == "second");
  CHECK(testing::ExpireAt(store, "k") == kFarFutureMs);  // KEEPTTL carried to the new entry
  CHECK(Embedded(store, "k"));
  Set(store, "k", std::string(300, 'x'));  // embedded -> its own buffer: a new plain entry
  CHECK_FALSE(Embedded(store, "k"));
  CHECK(MemoryBytes(store, "k") < AllocationSize(300 + 64) + 128);
  Set(store, "k", "short again");
  CHECK(Embedded(store, "k"));
  CHECK(*Get(store, "k") == "short again");
}

TEST_CASE("APPEND, SETRANGE and SETBIT on an embedded value move it to a buffer of its own") {
  Store store;
  Set(store, "a", "abc");
  store.Access(0, "a", [](KeyHandle& h) { CHECK(*StringAppend(h, "def", 1 << 20) == 6); });
  CHECK(*Get(store, "a") == "abcdef");
  CHECK_FALSE(Embedded(store, "a"));
  Set(store, "r", "hello world");
  BufRef held = Read(store, "r");
  store.Access(0, "r", [](KeyHandle& h) { CHECK(*StringSetRange(h, 6, "there", 1 << 20) == 11); });
  CHECK(*Get(store, "r") == "hello there");
  CHECK(held.view() == "hello world");
  Set(store, "p", "xyz");
  store.Access(0, "p", [](KeyHandle& h) { h.PatchRange(h.Find(), 1, "Y"); });
  CHECK(*Get(store, "p") == "xYz");
}

bool OverwriteAt(Store& store, std::string_view key, std::string_view bytes) {
  return store.Access(0, key, [&](KeyHandle& h) { return h.Overwrite(h.Find(), bytes); });
}

size_t AllocationBytes(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) { return h.Find()->allocation_bytes(); });
}

TEST_CASE("INCR's overwrite changes an embedded value where it is, within the same room") {
  Store store;
  Set(store, "n", "9");
  size_t bytes = AllocationBytes(store, "n");
  CHECK(OverwriteAt(store, "n", "10"));  // both within the embedded body's minimum
  CHECK(*Get(store, "n") == "10");
  CHECK(Embedded(store, "n"));
  CHECK(AllocationBytes(store, "n") == bytes);
  CHECK(OverwriteAt(store, "n", "12345678"));
  CHECK_FALSE(OverwriteAt(store, "n", "123456789"));  // past it: the caller makes a new entry
  CHECK(*Get(store, "n") == "12345678");
  CHECK(AllocationBytes(store, "n") == bytes);

  Set(store, "w", "1234567890");
  CHECK(OverwriteAt(store, "w", "1234567891"));  // the same length
  CHECK_FALSE(OverwriteAt(store, "w", "123456789"));
  BufRef held = Read(store, "w");
  CHECK_FALSE(OverwriteAt(store, "w", "9999999999"));  // a reader holds the bytes
  CHECK(held.view() == "1234567891");

  std::string long_key(Entry::kMaxEmbeddingKeyLen + 1, 'k');  // its value has its own buffer
  Set(store, long_key, "41");
  CHECK(OverwriteAt(store, long_key, "42"));
  CHECK(*Get(store, long_key) == "42");
}

TEST_CASE("a key's embedded value moves and copies with RENAME and COPY") {
  Store store;
  Set(store, "src", "payload");
  store.AccessMany(std::array<KeyRef, 2>{KeyRef{0, "src"}, KeyRef{0, "dst"}},
                   [](std::span<KeyHandle> h) { h[0].CopyTo(h[1]); });
  store.AccessMany(std::array<KeyRef, 2>{KeyRef{0, "src"}, KeyRef{0, "moved"}},
                   [](std::span<KeyHandle> h) { h[0].MoveTo(h[1]); });
  CHECK_FALSE(Get(store, "src"));
  CHECK(*Get(store, "dst") == "payload");
  CHECK(*Get(store, "moved") == "payload");
  CHECK(Embedded(store, "moved"));
}

TEST_CASE("a key that cannot embed copies another key's embedded value instead of sharing it") {
  Store store;
  Set(store, "src", "payload");
  std::string long_key(Entry::kMaxEmbeddingKeyLen + 1, 'k');
  store.AccessMany(std::array<KeyRef, 2>{KeyRef{0, "src"}, KeyRef{0, long_key}},
                   [](std::span<KeyHandle> h) { h[0].CopyTo(h[1]); });
  // Sharing would keep src's whole entry allocation alive after src is overwritten.
  CHECK_FALSE(Embedded(store, long_key));
  Set(store, "src", "other");
  CHECK(*Get(store, long_key) == "payload");
}

}  // namespace
}  // namespace cairn::store
