// tests/store/packed_buffer_test.cc — the byte buffer of packed small collections: splices at
// every position, an exact-size allocation, the owner's count kept, the 1 GB bound, deep copies
// and moves.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "store/memory.h"
#include "store/types/detail/packed_buffer.h"

namespace cairn::store::detail {
namespace {

TEST_CASE("splices insert, replace and erase at the start, middle and end") {
  PackedBuffer b;
  b.Append("world");
  b.Splice(0, 0, "hello ");
  CHECK(b.view() == "hello world");
  b.Splice(5, 6, ", ");
  CHECK(b.view() == "hello, world");
  b.Splice(b.size(), b.size(), "!");
  CHECK(b.view() == "hello, world!");
  b.Splice(0, 7, {});
  CHECK(b.view() == "world!");
  b.Splice(1, 5, "ORLD");
  CHECK(b.view() == "wORLD!");
}

TEST_CASE("the allocation is the bytes rounded to a size class, and nothing when empty") {
  PackedBuffer b;
  CHECK(b.allocated_bytes() == 0);
  b.Append(std::string(40, 'x'));
  CHECK(b.allocated_bytes() == AllocationSize(40));
  b.Splice(0, 40, {});
  CHECK(b.size() == 0);
  CHECK(b.data() == nullptr);
  CHECK(b.allocated_bytes() == 0);
}

TEST_CASE("the owner's count survives splices down to empty and resets on Clear") {
  PackedBuffer b;
  b.Append("ab");
  b.set_count(2);
  b.Splice(0, 2, {});
  CHECK(b.count() == 2);  // the owner decides what its elements are
  b.Append("c");
  b.Clear();
  CHECK(b.count() == 0);
  CHECK(b.size() == 0);
}

TEST_CASE("Fits bounds what an owner keeps packed at 1 GB, counting the bytes already there") {
  PackedBuffer b;
  CHECK(b.Fits(PackedBuffer::kMaxBytes));
  CHECK_FALSE(b.Fits(PackedBuffer::kMaxBytes + 1));
  b.Append("abc");
  CHECK(b.Fits(PackedBuffer::kMaxBytes - 3));
  CHECK_FALSE(b.Fits(PackedBuffer::kMaxBytes - 2));
}

TEST_CASE("a copy is independent and a move leaves the source empty") {
  PackedBuffer a;
  a.Append("abc");
  a.set_count(3);
  PackedBuffer copy = a;
  copy.Splice(0, 1, "X");
  CHECK(a.view() == "abc");
  CHECK(copy.view() == "Xbc");
  CHECK(copy.count() == 3);
  PackedBuffer moved = std::move(a);
  CHECK(moved.view() == "abc");
  CHECK(moved.count() == 3);
  CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move): the contract says empty
  CHECK(a.count() == 0);
  copy = moved;
  CHECK(copy.view() == "abc");
}

}  // namespace
}  // namespace cairn::store::detail
