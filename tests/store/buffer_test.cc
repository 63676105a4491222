// tests/store/buffer_test.cc — reference-counted immutable value buffers: the bytes live as
// long as any reference does, and references can be handed to a ReleaseFn.
#include "store/buffer.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace cairn::store {
namespace {

TEST_CASE("a copied buffer holds the bytes with one reference") {
  BufRef ref = BufRef::Copy("hello");
  REQUIRE(ref);
  CHECK(ref.view() == "hello");
  CHECK(ref.size() == 5);
  CHECK(ref.get()->refs() == 1);
  CHECK(ref.get()->allocation_bytes() >= 5);
}

TEST_CASE("an empty buffer and a null reference both read as no bytes") {
  BufRef empty = BufRef::Copy("");
  CHECK(empty);
  CHECK(empty.view().empty());
  BufRef null;
  CHECK_FALSE(null);
  CHECK(null.view().empty());
  CHECK(null.size() == 0);
}

TEST_CASE("concatenation joins two byte strings into one buffer") {
  CHECK(BufRef::Concat("ab", "cd").view() == "abcd");
  CHECK(BufRef::Concat("", "x").view() == "x");
  CHECK(BufRef::Concat("x", "").view() == "x");
  CHECK(BufRef::Concat("", "").view().empty());
}

TEST_CASE("a buffer filled before it is shared keeps those bytes") {
  BufRef ref(Buffer::Allocate(4));
  std::memcpy(ref.get()->MutableData(), "abcd", 4);
  CHECK(ref.view() == "abcd");
}

TEST_CASE("copies share the bytes; the last one to go frees them") {
  BufRef original = BufRef::Copy(std::string(10000, 'z'));
  Buffer* b = original.get();
  {
    BufRef copy = original;
    CHECK(copy.get() == b);
    CHECK(b->refs() == 2);
    original = BufRef();
    CHECK(b->refs() == 1);
    CHECK(copy.view() == std::string(10000, 'z'));  // still readable through the copy
  }
  CHECK_FALSE(original);
}

TEST_CASE("moving a reference transfers it without counting") {
  BufRef a = BufRef::Copy("m");
  Buffer* b = a.get();
  BufRef moved = std::move(a);
  CHECK(moved.get() == b);
  CHECK(b->refs() == 1);
  BufRef assigned;
  assigned = std::move(moved);
  CHECK(assigned.get() == b);
  CHECK(b->refs() == 1);
}

TEST_CASE("assigning a reference to itself keeps the bytes") {
  BufRef a = BufRef::Copy("self");
  BufRef& alias = a;
  a = alias;
  CHECK(a.view() == "self");
  CHECK(a.get()->refs() == 1);
}

TEST_CASE("a released reference is dropped later through the opaque release function") {
  BufRef keep = BufRef::Copy("value");
  BufRef handed = keep;
  Buffer* raw = handed.Release();
  CHECK_FALSE(handed);
  CHECK(raw->refs() == 2);  // still held by the released reference
  Buffer::UnrefOpaque(raw);
  CHECK(keep.get()->refs() == 1);
  CHECK(keep.view() == "value");
}

TEST_CASE("adopting a raw reference does not add one") {
  Buffer* raw = Buffer::Allocate(3);
  std::memcpy(raw->MutableData(), "xyz", 3);
  BufRef adopted(raw);
  CHECK(raw->refs() == 1);
  CHECK(adopted.view() == "xyz");
}

TEST_CASE("references copied and dropped on many threads leave the count exact") {
  BufRef shared = BufRef::Copy(std::string(256, 'r'));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 50000; ++i) {
        BufRef copy = shared;
        BufRef again = copy;
        (void)again.view();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(shared.get()->refs() == 1);
}

TEST_CASE("the last reference may be dropped on another thread") {
  BufRef ref = BufRef::Copy(std::string(4096, 'q'));
  size_t size_seen = 0;
  std::thread other([&size_seen, moved = std::move(ref)]() mutable {
    size_seen = moved.view().find_first_not_of('q') == std::string_view::npos ? moved.size() : 0;
    moved = BufRef();
  });
  other.join();
  CHECK(size_seen == 4096);
}

}  // namespace
}  // namespace cairn::store

TEST_CASE("AppendTo extends the only reference in place and leaves a reader's bytes intact") {
  using cairn::store::BufRef;
  BufRef value = BufRef::Copy("abc");
  BufRef::AppendTo(&value, "def");  // first append: a new buffer with room to grow
  const char* grown_at = value.view().data();
  BufRef::AppendTo(&value, "g");
  CHECK(value.view() == "abcdefg");
  CHECK(value.view().data() == grown_at);  // the room was used: no copy

  BufRef reader = value;  // a GET holds the value while another APPEND arrives
  BufRef::AppendTo(&value, "h");
  CHECK(reader.view() == "abcdefg");
  CHECK(value.view() == "abcdefgh");
  CHECK(value.view().data() != reader.view().data());
}

TEST_CASE("Overwrite replaces the only reference's bytes in place, never a reader's") {
  using cairn::store::BufRef;
  BufRef value = BufRef::Copy("20000");
  const char* at = value.view().data();
  CHECK(BufRef::Overwrite(&value, "20001"));
  CHECK(value.view() == "20001");
  CHECK(value.view().data() == at);
  CHECK(BufRef::Overwrite(&value, "9"));  // shorter fits too
  CHECK(value.view() == "9");

  BufRef reader = value;  // a GET holds the value while an INCR arrives
  CHECK_FALSE(BufRef::Overwrite(&value, "10"));
  CHECK(value.view() == "9");
  CHECK(reader.view() == "9");

  BufRef small = BufRef::Copy("1");
  CHECK_FALSE(BufRef::Overwrite(&small, std::string(small.get()->capacity() + 1, '7')));
  CHECK(small.view() == "1");  // no room: unchanged, for the caller to replace
}

TEST_CASE("repeated appends copy amortized O(1) bytes per appended byte") {
  using cairn::store::BufRef;
  BufRef value;
  const char* last = nullptr;
  int moves = 0;
  for (int i = 0; i < 100000; ++i) {
    BufRef::AppendTo(&value, "0123456789");
    if (value.view().data() != last) ++moves;
    last = value.view().data();
  }
  CHECK(value.size() == 1000000);
  CHECK(moves < 40);  // doubling: a logarithmic number of reallocations
}
