// tests/server/transaction_commands_test.cc — MULTI/EXEC/DISCARD/WATCH/UNWATCH, in-process:
// replies, queueing errors, WATCH broken by writes, expiry and flushes, atomicity against
// another thread, and one WAL record per transaction.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/harness.h"

using cairn::test::CountingJournal;
using cairn::test::InProcess;

namespace {

// Another client's write, made directly in the store (as another thread would).
void WriteFromElsewhere(InProcess& t, std::string_view key, std::string_view value) {
  using namespace cairn::store;
  t.store().Access(0, key, [&](KeyHandle& h) {
    h.Put(Value(BufRef::Copy(value)), 0);
  });
}

}  // namespace

TEST_CASE("EXEC runs the queued commands and replies with all their replies") {
  InProcess t;
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("SET a 1") == "+QUEUED");
  CHECK(t.Cmd("INCR a") == "+QUEUED");
  CHECK(t.Cmd("GET a") == "+QUEUED");
  CHECK(t.Cmd("GET a") == "+QUEUED");
  CHECK(t.Cmd("EXEC") == "[+OK, :2, 2, 2]");
  CHECK(t.Cmd("GET a") == "2");
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("EXEC") == "[]");
}

TEST_CASE("nothing runs while commands are queued, and DISCARD drops them") {
  InProcess t;
  t.Cmd("MULTI");
  t.Cmd("SET a 1");
  WriteFromElsewhere(t, "b", "x");
  CHECK(t.Cmd("DISCARD") == "+OK");
  CHECK(t.Cmd("GET a") == "(nil)");
  CHECK(t.Cmd("EXEC") == "-ERR EXEC without MULTI");
  CHECK(t.Cmd("DISCARD") == "-ERR DISCARD without MULTI");
}

TEST_CASE("an error while queueing aborts the whole transaction with EXECABORT") {
  InProcess t;
  t.Cmd("MULTI");
  CHECK(t.Cmd("SET a 1") == "+QUEUED");
  CHECK(t.Cmd("NOSUCHCOMMAND x") ==
        "-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ");
  CHECK(t.Cmd("GET") == "-ERR wrong number of arguments for 'get' command");
  CHECK(t.Cmd("EXEC") == "-EXECABORT Transaction discarded because of previous errors.");
  CHECK(t.Cmd("GET a") == "(nil)");
  t.Cmd("MULTI");
  CHECK(t.Cmd("SAVE") == "-ERR Command not allowed inside a transaction");
  CHECK(t.Cmd("EXEC") == "-EXECABORT Transaction discarded because of previous errors.");
}

TEST_CASE("a runtime error inside EXEC affects only that command") {
  InProcess t;
  t.Cmd("SET s notanumber");
  t.Cmd("MULTI");
  t.Cmd("SET a 1");
  t.Cmd("INCR s");
  t.Cmd("INCR a");
  CHECK(t.Cmd("EXEC") == "[+OK, -ERR value is not an integer or out of range, :2]");
  CHECK(t.Cmd("GET a") == "2");
}

TEST_CASE("MULTI cannot nest and WATCH is refused inside MULTI") {
  InProcess t;
  t.Cmd("MULTI");
  CHECK(t.Cmd("MULTI") == "-ERR MULTI calls can not be nested");
  CHECK(t.Cmd("WATCH a") == "-ERR WATCH inside MULTI is not allowed");
  CHECK(t.Cmd("SET a 1") == "+QUEUED");
  CHECK(t.Cmd("EXEC") == "[+OK]");  // neither error aborts the transaction
}

TEST_CASE("WATCH aborts EXEC when another client changes the key") {
  InProcess t;
  t.Cmd("SET a 1");
  CHECK(t.Cmd("WATCH a") == "+OK");
  WriteFromElsewhere(t, "a", "2");
  t.Cmd("MULTI");
  t.Cmd("SET a 3");
  CHECK(t.Cmd("EXEC") == "(nil)");
  CHECK(t.Cmd("GET a") == "2");
  // EXEC forgets the watches: the next transaction runs.
  t.Cmd("MULTI");
  t.Cmd("SET a 3");
  CHECK(t.Cmd("EXEC") == "[+OK]");
}

TEST_CASE("WATCH lets EXEC run when nothing changed, and UNWATCH forgets") {
  InProcess t;
  t.Cmd("WATCH a b");
  WriteFromElsewhere(t, "other", "x");
  t.Cmd("MULTI");
  t.Cmd("SET a 1");
  CHECK(t.Cmd("EXEC") == "[+OK]");
  t.Cmd("WATCH a");
  CHECK(t.Cmd("UNWATCH") == "+OK");
  WriteFromElsewhere(t, "a", "2");
  t.Cmd("MULTI");
  t.Cmd("GET a");
  CHECK(t.Cmd("EXEC") == "[2]");
}

TEST_CASE("a watched key that is deleted, expires or is flushed breaks the transaction") {
  InProcess t;
  SUBCASE("DEL") {
    t.Cmd("SET a 1");
    t.Cmd("WATCH a");
    t.store().Access(0, "a", [](cairn::store::KeyHandle& h) { h.Delete(); });
  }
  SUBCASE("expiry") {
    t.Cmd("SET a 1 PX 1000");
    t.Cmd("WATCH a");
    t.store().AdvanceClockForTesting(2000);
  }
  SUBCASE("FLUSHALL from another client") {
    t.Cmd("SET a 1");
    t.Cmd("WATCH a");
    t.store().FlushAll();
  }
  SUBCASE("EXPIRE") {
    t.Cmd("SET a 1");
    t.Cmd("WATCH a");
    t.store().Access(0, "a", [](cairn::store::KeyHandle& h) { h.SetExpire(h.Find(), 1); });
  }
  t.Cmd("MULTI");
  t.Cmd("SET b 1");
  CHECK(t.Cmd("EXEC") == "(nil)");
  CHECK(t.Cmd("EXISTS b") == ":0");
}

TEST_CASE("FLUSHALL does not break a WATCH on a key that did not exist") {
  InProcess t;
  t.Cmd("WATCH missing");
  t.store().FlushAll();
  t.Cmd("MULTI");
  t.Cmd("SET b 1");
  CHECK(t.Cmd("EXEC") == "[+OK]");
}

TEST_CASE("a transaction is logged as one WAL record") {
  InProcess t;
  CountingJournal journal;
  t.store().set_journal(&journal);
  t.Cmd("MULTI");
  t.Cmd("SET a 1");
  t.Cmd("INCR a");
  t.Cmd("SET b 2");
  t.Cmd("DEL c");
  t.Cmd("FLUSHDB");  // a whole-store command: EXEC then holds every shard
  t.Cmd("SET d 4");
  CHECK(t.Cmd("EXEC") == "[+OK, :2, +OK, :0, +OK, +OK]");
  CHECK(journal.last_lsn() == 1);
  t.store().set_journal(nullptr);
}

TEST_CASE("no other thread sees a transaction half done") {
  InProcess t;
  t.Cmd("SET a 0");
  t.Cmd("SET b 0");
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  // Another client reads both keys atomically (MGET) while this one increments both in EXEC.
  std::thread reader([&] {
    cairn::server::ClientState other;
    auto* stats = t.state().stats.Create();
    while (!stop.load()) {
      cairn::resp::OutputBuffer out;
      cairn::resp::Writer w(&out, 2);
      std::vector<std::string_view> args = {"MGET", "a", "b"};
      cairn::server::Execute(t.state(), other, *stats, w, args);
      std::string bytes = cairn::test::DrainOutput(out);
      size_t pos = 0;
      std::string text;
      REQUIRE(cairn::test::DecodeReply(bytes, &pos, &text));
      std::string a = text.substr(1, text.find(',') - 1);
      std::string b = text.substr(text.find(", ") + 2);
      b.pop_back();
      if (a != b) torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 3000; ++i) {
    t.Cmd("MULTI");
    t.Cmd("INCR a");
    t.Cmd("INCR b");
    t.Cmd("EXEC");
  }
  stop.store(true);
  reader.join();
  CHECK(torn.load() == 0);
  CHECK(t.Cmd("GET b") == "3000");
}

TEST_CASE("commands that find their keys in their arguments run inside EXEC") {
  // ZUNIONSTORE names only its destination at a fixed position; its sources come after numkeys.
  // EXEC must hold every shard for it, or the sources would be read outside the transaction's
  // locks. LMPOP and XREAD have no fixed key at all.
  InProcess t;
  for (int i = 0; i < 20; ++i)
    t.Run({"ZADD", "z" + std::to_string(i), "1", "m" + std::to_string(i)});
  t.Cmd("MULTI");
  t.Cmd("ZUNIONSTORE dst 20 z0 z1 z2 z3 z4 z5 z6 z7 z8 z9 z10 z11 z12 z13 z14 z15 z16 z17 z18 z19");
  CHECK(t.Cmd("EXEC") == "[:20]");
  t.Cmd("RPUSH l1 x");
  t.Cmd("XADD s 1-1 f v");
  t.Cmd("MULTI");
  t.Cmd("LMPOP 2 l0 l1 LEFT");
  t.Cmd("XREAD COUNT 1 STREAMS s 0");
  CHECK(t.Cmd("EXEC") == "[[l1, [x]], [[s, [[1-1, [f, v]]]]]]");
}

TEST_CASE("a write that changes nothing leaves a WATCH intact, as in Redis") {
  InProcess t;
  t.Cmd("SET s v");
  t.Cmd("HSET h f v");
  t.Cmd("RPUSH l a b");
  t.Cmd("XADD x 1-1 f v");
  t.Cmd("XGROUP CREATE x g 0");
  // Consumer-group bookkeeping is no change of the stream for Redis either.
  for (const char* noop : {"GETEX s PERSIST", "HDEL h nofield", "LREM l 0 zz", "XDEL x 5-5",
                           "XACK x g 5-5", "XGROUP CREATE x g 0", "XGROUP DESTROY x nog",
                           "XGROUP CREATECONSUMER x g c", "XGROUP DELCONSUMER x g nobody",
                           "XREADGROUP GROUP g c STREAMS x >", "XREADGROUP GROUP g c STREAMS x 0"}) {
    CAPTURE(std::string(noop));
    t.Cmd("WATCH s h l x");
    t.Cmd(noop);
    t.Cmd("MULTI");
    t.Cmd("PING");
    CHECK(t.Cmd("EXEC") == "[+PONG]");
  }
}

TEST_CASE("a write that changes the key breaks a WATCH, even LTRIM keeping every element") {
  InProcess t;
  t.Cmd("SET s v");
  t.Cmd("EXPIRE s 100");
  t.Cmd("HSET h f v g w");
  t.Cmd("RPUSH l a b");
  t.Cmd("RPUSH one x");
  t.Cmd("XADD x 1-1 f v");
  for (const char* change : {"GETEX s PERSIST", "HDEL h f", "LREM l 0 a", "XDEL x 1-1",
                             "LTRIM l 0 -1", "LMOVE one one LEFT LEFT"}) {
    CAPTURE(std::string(change));
    t.Cmd("WATCH s h l one x");
    t.Cmd(change);
    t.Cmd("MULTI");
    t.Cmd("PING");
    CHECK(t.Cmd("EXEC") == "(nil)");
  }
}
