// tests/server/blocking_test.cc — clients blocked on keys, in-process: who is served when,
// and what a failing WAL does to them.
#include "src/exec/blocking.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "src/exec/command.h"
#include "tests/server/failing_wal.h"
#include "tests/server/harness.h"

namespace cairn::test {
namespace {

// Runs a write's handler the way the dispatcher does, without its MISCONF check: a write
// that was accepted just before the log failed. Then serves the blocked clients, as after
// any command.
void RunRacingWrite(InProcess& s, const std::vector<std::string>& args) {
  const server::CommandSpec* spec = s.state().commands.Find(args[0]);
  REQUIRE(spec != nullptr);
  std::vector<std::string_view> views(args.begin(), args.end());
  resp::OutputBuffer out;
  resp::Writer writer(&out, 2);
  server::CommandContext ctx{views, writer, s.state(), s.client(), s.stats(), spec};
  spec->handler(ctx);
  s.state().blocking.NoteWrite(*spec, 0, views);
  s.state().blocking.ServeReady(s.state(), s.stats());
}

TEST_CASE("a blocked client is served by the next push to its key, oldest waiter first") {
  InProcess s;
  BlockingClient first(s, 7), second(s, 8);
  CHECK(first.Cmd("BLPOP q 0") == "<blocked>");
  CHECK(second.Cmd("BLPOP q 0") == "<blocked>");
  CHECK(s.Cmd("RPUSH q a") == ":1");
  CHECK(first.Served() == "[q, a]");
  CHECK(second.Served() == "");
  CHECK(s.Cmd("RPUSH q b") == ":1");
  CHECK(second.Served() == "[q, b]");
}

TEST_CASE("while the WAL fails, pushes are refused and blocked clients keep waiting") {
  InProcess s;
  FailingWal wal(s);
  BlockingClient popper(s, 7);
  CHECK(popper.Cmd("BLPOP q 0") == "<blocked>");
  wal.Fail();
  CHECK(s.Cmd("LPUSH q a").starts_with("-MISCONF Errors writing to the AOF file: "));
  CHECK(popper.Cmd("BLPOP other 0").starts_with("-MISCONF"));
  wal.Recover();
  CHECK(popper.Served() == "");
  CHECK(s.Cmd("LPUSH q b") == ":1");
  CHECK(popper.Served() == "[q, b]");
  CHECK(s.Cmd("LLEN q") == ":0");
}

TEST_CASE("a push that raced with a WAL failure is served only once the log recovers") {
  InProcess s;
  FailingWal wal(s);
  BlockingClient popper(s, 7), mover(s, 8), zpopper(s, 9), reader(s, 10);
  s.Cmd("XGROUP CREATE stream g $ MKSTREAM");
  CHECK(popper.Cmd("BLPOP list 0") == "<blocked>");
  CHECK(mover.Cmd("BLMOVE src dst LEFT RIGHT 0") == "<blocked>");
  CHECK(zpopper.Cmd("BZPOPMIN zset 0") == "<blocked>");
  CHECK(reader.Cmd("XREADGROUP GROUP g c BLOCK 0 STREAMS stream >") == "<blocked>");
  wal.Fail();
  RunRacingWrite(s, {"RPUSH", "list", "a"});
  RunRacingWrite(s, {"RPUSH", "src", "m"});
  RunRacingWrite(s, {"ZADD", "zset", "1", "z"});
  RunRacingWrite(s, {"XADD", "stream", "1", "f", "v"});
  // Nobody was served, so nothing was taken: reads still see every element.
  CHECK(popper.Served() == "");
  CHECK(mover.Served() == "");
  CHECK(zpopper.Served() == "");
  CHECK(reader.Served() == "");
  CHECK(s.Cmd("LRANGE list 0 -1") == "[a]");
  CHECK(s.Cmd("LRANGE src 0 -1") == "[m]");
  CHECK(s.Cmd("ZCARD zset") == ":1");
  CHECK(s.Cmd("XPENDING stream g") == "[:0, (nil), (nil), (nil)]");
  wal.Recover();
  s.state().blocking.ServeDeferred(s.state(), s.stats());
  CHECK(popper.Served() == "[list, a]");
  CHECK(mover.Served() == "m");
  CHECK(zpopper.Served() == "[zset, z, 1]");
  CHECK(reader.Served() == "[[stream, [[1-0, [f, v]]]]]");
  CHECK(s.Cmd("LRANGE dst 0 -1") == "[m]");
  CHECK(s.Cmd("XPENDING stream g") == "[:1, 1-0, 1-0, [[c, 1]]]");
}

TEST_CASE("a client that blocks while the WAL fails is served once it recovers") {
  InProcess s;
  FailingWal wal(s);
  BlockingClient reader(s, 7);
  s.Cmd("XADD stream 1 f v");
  wal.Fail();
  // XREAD only reads, so it may block while writes are refused; its retry is put off.
  CHECK(reader.Cmd("XREAD BLOCK 0 STREAMS stream 0") == "[[stream, [[1-0, [f, v]]]]]");
  CHECK(reader.Cmd("XREAD BLOCK 0 STREAMS stream $") == "<blocked>");
  RunRacingWrite(s, {"XADD", "stream", "2", "f", "w"});
  CHECK(reader.Served() == "");
  wal.Recover();
  s.state().blocking.ServeDeferred(s.state(), s.stats());
  CHECK(reader.Served() == "[[stream, [[2-0, [f, w]]]]]");
}

TEST_CASE("a blocked client waits on when its key is re-created as another type") {
  InProcess s;
  BlockingClient list(s, 7), zset(s, 8), stream(s, 9);
  CHECK(list.Cmd("BLPOP k 0") == "<blocked>");
  CHECK(zset.Cmd("BZPOPMIN k 0") == "<blocked>");
  CHECK(stream.Cmd("XREAD BLOCK 0 STREAMS k $") == "<blocked>");
  CHECK(s.Cmd("SET k v") == "+OK");
  CHECK(list.Served() == "");
  CHECK(zset.Served() == "");
  CHECK(stream.Served() == "");
  s.Cmd("DEL k");
  CHECK(s.Cmd("RPUSH k a") == ":1");
  CHECK(list.Served() == "[k, a]");
  s.Cmd("DEL k");
  s.Cmd("ZADD k 1 m");
  CHECK(zset.Served() == "[k, m, 1]");
  s.Cmd("XADD k 1-1 f v");
  CHECK(stream.Served() == "[[k, [[1-1, [f, v]]]]]");
}

TEST_CASE("a blocked XREADGROUP fails once its stream or group no longer exists") {
  InProcess s;
  const char* gone = "-UNBLOCKED the stream key no longer exists";
  for (const char* change : {"DEL k", "SET k v", "FLUSHALL", "FLUSHDB", "XGROUP DESTROY k g"}) {
    CAPTURE(std::string(change));
    s.Cmd("DEL k");
    s.Cmd("XADD k 1-1 f v");
    s.Cmd("XGROUP CREATE k g $");
    BlockingClient reader(s, 7);
    CHECK(reader.Cmd("XREADGROUP GROUP g c BLOCK 0 STREAMS k >") == "<blocked>");
    s.Cmd(change);
    std::string want = std::string(change).starts_with("XGROUP")
                           ? "-NOGROUP the consumer group this client was blocked on no longer exists"
                           : gone;
    CHECK(reader.Served() == want);
  }
  // Each counts as a failed call and an error reply, as in Redis; a call that blocked and was
  // served later is one call, counted when it was made.
  CHECK(s.Cmd("INFO stats").find("total_error_replies:5\r\n") != std::string::npos);
  CHECK(s.Cmd("INFO commandstats").find("cmdstat_xreadgroup:calls=5,") != std::string::npos);
  CHECK(s.Cmd("INFO commandstats").find(",failed_calls=5\r\n") != std::string::npos);
}

TEST_CASE("a blocked BLPOP served later counts as one call") {
  InProcess s;
  BlockingClient popper(s, 7);
  CHECK(popper.Cmd("BLPOP k 0") == "<blocked>");
  s.Cmd("RPUSH k a");
  CHECK(popper.Served() == "[k, a]");
  CHECK(s.Cmd("INFO commandstats").find("cmdstat_blpop:calls=1,") != std::string::npos);
}

}  // namespace
}  // namespace cairn::test
