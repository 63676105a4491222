// tests/server/repl_backlog_test.cc — the replication backlog (src/exec/repl_backlog.h): Redis's
// offsets, what a reconnecting replica can be sent, wrap-around and resizing.
#include <doctest/doctest.h>

#include <string>

#include "src/exec/repl_backlog.h"

using cairn::server::ReplBacklog;

namespace {

std::string From(const ReplBacklog& b, uint64_t have) {
  std::string out;
  b.CopyFrom(have, &out);
  return out;
}

}  // namespace

TEST_CASE("the backlog numbers bytes as Redis does and serves what a replica misses") {
  ReplBacklog b(8, 0);
  CHECK(b.offset() == 0);
  CHECK(b.first_byte_offset() == 1);
  CHECK(b.Covers(0));  // nothing missed
  b.Append("abc");
  CHECK(b.offset() == 3);
  CHECK(b.histlen() == 3);
  CHECK(From(b, 0) == "abc");
  CHECK(From(b, 2) == "c");
  CHECK(From(b, 3).empty());
  CHECK_FALSE(b.Covers(4));  // ahead of the stream
}

TEST_CASE("old bytes fall out of a full backlog, and replicas that need them cannot continue") {
  ReplBacklog b(8, 100);
  b.Append("0123456");
  b.Append("789AB");  // wraps: holds 456789AB
  CHECK(b.offset() == 112);
  CHECK(b.histlen() == 8);
  CHECK(b.first_byte_offset() == 105);
  CHECK(From(b, 104) == "456789AB");
  CHECK(From(b, 110) == "AB");
  CHECK_FALSE(b.Covers(103));
  b.Append("a much longer write than the backlog");  // only its tail stays
  CHECK(From(b, b.offset() - 8) == " backlog");
  CHECK(b.Covers(b.offset() - 8));
  CHECK_FALSE(b.Covers(b.offset() - 9));
}

TEST_CASE("resizing the backlog keeps the newest bytes that fit") {
  ReplBacklog b(8, 0);
  b.Append("abcdefghij");  // holds cdefghij
  b.Resize(4);
  CHECK(b.histlen() == 4);
  CHECK(From(b, 6) == "ghij");
  b.Append("kl");
  CHECK(From(b, 8) == "ijkl");
  b.Resize(16);
  CHECK(From(b, 8) == "ijkl");
  b.Append("mnop");
  CHECK(From(b, 8) == "ijklmnop");
}
