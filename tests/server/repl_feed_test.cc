// tests/server/repl_feed_test.cc — the replication feed (src/exec/repl_feed.h): what a
// primary sends for each record, and that another server running those commands ends up
// with the same keyspace, for every type and for the effects that must not be recomputed
// (expiry, INCRBYFLOAT, SPOP, scripts).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "src/exec/repl_feed.h"
#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

// A journal that translates every record, as the replication tap does.
class FeedJournal : public cairn::store::Journal {
 public:
  explicit FeedJournal(cairn::store::Store& store) : feed_(store) {}
  uint64_t Append(std::string_view payload) override {
    CHECK(feed_.Translate(payload, &stream));
    return ++lsn_;
  }
  uint64_t last_lsn() const override { return lsn_; }
  std::string stream;

 private:
  cairn::server::ReplFeed feed_;
  uint64_t lsn_ = 0;
};

// A primary whose every record is translated into `journal.stream`.
struct FedPrimary {
  FedPrimary() { primary.store().set_journal(&journal); }
  InProcess primary;
  FeedJournal journal{primary.store()};
};

// The commands of a stream of RESP arrays of bulk strings.
std::vector<std::vector<std::string>> ParseCommands(std::string_view s) {
  std::vector<std::vector<std::string>> out;
  size_t pos = 0;
  auto number = [&](char sigil) {
    REQUIRE(s[pos] == sigil);
    size_t end = s.find("\r\n", pos);
    int64_t n = std::stoll(std::string(s.substr(pos + 1, end - pos - 1)));
    pos = end + 2;
    return n;
  };
  while (pos < s.size()) {
    int64_t argc = number('*');
    std::vector<std::string> args;
    for (int64_t i = 0; i < argc; ++i) {
      int64_t len = number('$');
      args.emplace_back(s.substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    out.push_back(std::move(args));
  }
  return out;
}

std::string Joined(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Every command of the stream, as text, one per line.
std::vector<std::string> Lines(const std::string& stream) {
  std::vector<std::string> lines;
  for (const auto& c : ParseCommands(stream)) lines.push_back(Joined(c));
  return lines;
}

// Whether both servers hold the same keys with the same values and expiries, in every db.
void CheckSameKeyspace(InProcess& a, InProcess& b) {
  for (int db = 0; db < 16; ++db) {
    a.Cmd("SELECT " + std::to_string(db));
    b.Cmd("SELECT " + std::to_string(db));
    CAPTURE(db);
    CHECK(a.Cmd("DBSIZE") == b.Cmd("DBSIZE"));
    std::vector<std::string> names;
    a.store().ForEach(db, [&](const cairn::store::Entry& e) { names.emplace_back(e.key()); });
    for (const std::string& key : names) {
      CAPTURE(key);
      CHECK(a.Run({"TYPE", key}) == b.Run({"TYPE", key}));
      CHECK(a.Run({"DUMP", key}) == b.Run({"DUMP", key}));
      CHECK(a.Run({"PEXPIRETIME", key}) == b.Run({"PEXPIRETIME", key}));
    }
  }
  a.Cmd("SELECT 0");
  b.Cmd("SELECT 0");
}

void Replay(InProcess& replica, const std::string& stream) {
  for (const auto& c : ParseCommands(stream)) {
    std::string reply = replica.Run(c);
    CAPTURE(Joined(c));
    CHECK(reply.find("ERR") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("effects are sent as commands that repeat them exactly") {
  FedPrimary fed;
  InProcess& primary = fed.primary;
  std::string& stream = fed.journal.stream;
  primary.Cmd("SET k v PX 100000");
  std::vector<std::string> lines = Lines(stream);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "SELECT 0");
  CHECK(lines[1].starts_with("SET k v PXAT "));  // absolute: the replica's clock never counts

  stream.clear();
  primary.Cmd("INCRBYFLOAT f 1.5");
  primary.Cmd("SADD s a b");
  std::string popped = primary.Cmd("SPOP s");  // the member taken is sent, not SPOP
  lines = Lines(stream);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "SET f 1.5 KEEPTTL");
  CHECK(lines[1] == "SADD s a b");
  CHECK((lines[2] == "SREM s a" || lines[2] == "SREM s b"));
  CHECK(popped.find(lines[2].substr(7)) != std::string::npos);

  stream.clear();
  primary.Cmd("SELECT 3");
  primary.Cmd("RPUSH l a b");
  primary.Cmd("ZADD z 1.25 m");
  CHECK(Lines(stream) ==
        std::vector<std::string>{"SELECT 3", "RPUSH l a b", "ZADD z 1.25 m"});
}

TEST_CASE("a record of several changes is sent inside MULTI/EXEC") {
  FedPrimary fed;
  InProcess& primary = fed.primary;
  std::string& stream = fed.journal.stream;
  primary.Cmd("MULTI");
  primary.Cmd("SET a 1");
  primary.Cmd("INCR a");
  primary.Cmd("EXEC");
  CHECK(Lines(stream) ==
        std::vector<std::string>{"MULTI", "SELECT 0", "SET a 1", "SET a 2 KEEPTTL", "EXEC"});
}

TEST_CASE("a record with an op no command repeats is sent as the state of each key it touched") {
  FedPrimary fed;
  InProcess& primary = fed.primary;
  std::string& stream = fed.journal.stream;
  primary.Cmd("RPUSH l x");
  primary.Cmd("SELECT 2");
  stream.clear();
  // The SET has an exact command; the LINSERT (by index in the record) has none, so the
  // commands already formatted for the record are dropped and each key is sent as it is.
  primary.Cmd("MULTI");
  primary.Cmd("SET a 1");
  primary.Cmd("SELECT 0");
  primary.Cmd("LINSERT l BEFORE x w");
  primary.Cmd("EXEC");
  std::vector<std::string> lines = Lines(stream);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "MULTI");
  CHECK(lines[1] == "SELECT 2");
  CHECK(lines[2] == "SET a 1");
  CHECK(lines[3] == "SELECT 0");
  CHECK(lines[4].starts_with("RESTORE l 0 "));
  CHECK(lines[5] == "EXEC");
}

TEST_CASE("a server running the feed holds what the primary holds, for every type") {
  InProcess primary, replica;
  FeedJournal journal(primary.store());
  primary.store().set_journal(&journal);
  const char* script = "local m = redis.call('SPOP', KEYS[1]); redis.call('SET', KEYS[2], m); "
                       "return redis.call('INCRBYFLOAT', KEYS[3], '0.1')";
  for (const char* line : {
           "SET s1 hello", "APPEND s1 world", "SETRANGE s1 2 XY", "SET t1 v EX 1000",
           "EXPIRE s1 5000", "PERSIST s1", "INCRBYFLOAT fl 3.5", "SETBIT bits 10 1",
           "RPUSH list a b c d e f", "LPOP list", "RPOP list 2", "LSET list 0 A",
           "LINSERT list BEFORE c inserted", "LREM list 1 c", "LTRIM list 0 1",
           "HSET h f1 v1 f2 v2", "HINCRBYFLOAT h f3 2.5", "HDEL h f1",
           "SADD set a b c d e 1 2 3", "SPOP set 2", "SREM set a", "SADD ints 1 2 3",
           "ZADD z 1 a 2 b 3 c", "ZINCRBY z 0.5 a", "ZREM z b", "ZPOPMIN z",
           "XADD st 1-1 f v", "XADD st 2-1 f w", "XADD st 3-1 g x", "XDEL st 2-1",
           "XGROUP CREATE st grp 0", "XREADGROUP GROUP grp alice COUNT 1 STREAMS st >",
           "XACK st grp 1-1", "XTRIM st MAXLEN 1", "SINTERSTORE inter set set",
           "ZUNIONSTORE zu 1 z", "RENAME s1 s2", "COPY s2 s3", "MOVE s3 5",
           "SELECT 2", "SET two 2", "SWAPDB 2 4", "SELECT 0", "DEL t1", "PFADD hll a b c",
       }) {
    CAPTURE(line);
    std::string reply = primary.Cmd(line);
    CHECK(reply.find("ERR") == std::string::npos);
  }
  primary.Run({"SADD", "src", "x", "y"});
  primary.Run({"EVAL", script, "3", "src", "dst", "cnt"});
  primary.Cmd("MULTI");
  primary.Cmd("SET m1 1");
  primary.Cmd("LPUSH m2 x");
  primary.Cmd("EXEC");
  Replay(replica, journal.stream);
  CheckSameKeyspace(primary, replica);

  journal.stream.clear();
  primary.Cmd("FLUSHALL");
  Replay(replica, journal.stream);
  CheckSameKeyspace(primary, replica);
}
