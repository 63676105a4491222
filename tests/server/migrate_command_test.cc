// tests/server/migrate_command_test.cc — MIGRATE in-process, against a scripted target: what
// it sends, how it reads the replies, when it retries, and which keys it deletes.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/exec/migrate_link.h"
#include "tests/server/harness.h"

using cairn::server::LinkIo;
using cairn::server::MigrateLink;
using cairn::server::MigrateLinkPool;
using cairn::test::InProcess;

namespace {

// One connection's script: what each ReadLine returns, in order; past its end, a timeout.
using Script = std::deque<std::pair<LinkIo, std::string>>;

class FakeLink : public MigrateLink {
 public:
  explicit FakeLink(Script script) : script_(std::move(script)) {}
  LinkIo Send(std::string_view bytes, int64_t) override {
    if (fail_send) return LinkIo::kFailed;
    sent.append(bytes);
    return LinkIo::kOk;
  }
  LinkIo ReadLine(std::string* line, int64_t) override {
    if (before_first_read) std::exchange(before_first_read, nullptr)();
    if (script_.empty()) return LinkIo::kTimedOut;
    auto [io, text] = script_.front();
    script_.pop_front();
    *line = text;
    return io;
  }

  std::string sent;
  bool fail_send = false;
  std::function<void()> before_first_read;

 private:
  Script script_;
};

// A pool that caches one connection, as the real one does per host:port; each new connection
// takes the next script.
class FakePool : public MigrateLinkPool {
 public:
  MigrateLink* Acquire(std::string_view host, std::string_view port, int64_t) override {
    target = std::string(host) + ":" + std::string(port);
    if (cached_ != nullptr) return cached_.get();
    if (scripts.empty()) return nullptr;  // nothing listens
    cached_ = std::make_unique<FakeLink>(std::move(scripts.front()));
    scripts.pop_front();
    cached_->fail_send = fail_sends;
    cached_->before_first_read = std::move(before_first_read);
    ++connections;
    return cached_.get();
  }
  void Release(MigrateLink* link, bool healthy) override {
    REQUIRE(link == cached_.get());
    if (healthy) return;
    closed_sent += cached_->sent;
    cached_.reset();
  }
  size_t cached() const override { return cached_ != nullptr ? 1 : 0; }

  // Everything sent, over every connection.
  std::string Sent() const { return closed_sent + (cached_ ? cached_->sent : ""); }

  std::deque<Script> scripts;
  int connections = 0;
  bool fail_sends = false;
  std::function<void()> before_first_read;  // given to the next connection
  std::string target;

 private:
  std::unique_ptr<FakeLink> cached_;
  std::string closed_sent;
};

Script Replies(std::initializer_list<std::string> lines) {
  Script s;
  for (const std::string& l : lines) s.emplace_back(LinkIo::kOk, l);
  return s;
}

// An InProcess server whose MIGRATE talks to pool.
struct Fixture {
  Fixture() { t.state().migrate_links = &pool; }
  ~Fixture() { t.state().migrate_links = nullptr; }
  InProcess t;
  FakePool pool;
};

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

constexpr const char* kSelect3 = "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n";
constexpr const char* kReadError = "-IOERR error or timeout reading to target instance";

}  // namespace

TEST_CASE("MIGRATE sends SELECT and RESTORE with the TTL, then deletes the key") {
  Fixture f;
  f.pool.scripts = {Replies({"+OK", "+OK"})};
  f.t.Cmd("SET k v");
  f.t.Cmd("PEXPIRE k 50000");
  CHECK(f.t.Cmd("MIGRATE 10.0.0.1 6380 k 3 1000") == "+OK");
  CHECK(f.pool.target == "10.0.0.1:6380");
  std::string sent = f.pool.Sent();
  CHECK(sent.starts_with(kSelect3));
  size_t ttl_at = sent.find("$1\r\nk\r\n$5\r\n");
  REQUIRE(ttl_at != std::string::npos);
  int64_t ttl = std::stoll(sent.substr(ttl_at + 11, 5));
  CHECK(ttl > 49000);
  CHECK(ttl <= 50000);
  CHECK(sent.find("*4\r\n$7\r\nRESTORE\r\n") != std::string::npos);
  CHECK(f.t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("MIGRATE remembers the connection's database and sends SELECT only on change") {
  Fixture f;
  f.pool.scripts = {Replies({"+OK", "+OK", "+OK", "+OK", "+OK"})};
  f.t.Cmd("MSET a 1 b 2 c 3");
  CHECK(f.t.Cmd("MIGRATE h 1 a 3 1000") == "+OK");
  CHECK(f.t.Cmd("MIGRATE h 1 b 3 1000") == "+OK");
  CHECK(Count(f.pool.Sent(), "SELECT") == 1);
  CHECK(f.t.Cmd("MIGRATE h 1 c 4 1000") == "+OK");
  CHECK(Count(f.pool.Sent(), "SELECT") == 2);
  CHECK(f.pool.connections == 1);
}

TEST_CASE("MIGRATE COPY keeps the key and REPLACE reaches the target") {
  Fixture f;
  f.pool.scripts = {Replies({"+OK", "+OK"})};
  f.t.Cmd("SET k v");
  CHECK(f.t.Cmd("MIGRATE h 1 k 0 1000 COPY REPLACE") == "+OK");
  CHECK(f.t.Cmd("GET k") == "v");
  CHECK(f.pool.Sent().find("*5\r\n$7\r\nRESTORE\r\n") != std::string::npos);
  CHECK(f.pool.Sent().ends_with("$7\r\nREPLACE\r\n"));
}

TEST_CASE("MIGRATE relays the target's first error and deletes only the keys it accepted") {
  Fixture f;
  f.pool.scripts = {Replies(
      {"+OK", "-BUSYKEY Target key name already exists.", "+OK", "-ERR other", "+OK", "+OK"})};
  f.t.Cmd("MSET a 1 b 2 c 3");
  CHECK(f.t.Run({"MIGRATE", "h", "1", "", "3", "1000", "KEYS", "a", "b", "c"}) ==
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.");
  CHECK(f.t.Cmd("EXISTS a") == ":1");
  CHECK(f.t.Cmd("EXISTS b") == ":0");
  CHECK(f.t.Cmd("EXISTS c") == ":1");
  // After an error reply the database is unknown: SELECT again.
  CHECK(f.t.Cmd("MIGRATE h 1 a 3 1000") == "+OK");
  CHECK(Count(f.pool.Sent(), "SELECT") == 2);
}

TEST_CASE("MIGRATE with a failed AUTH or SELECT deletes nothing") {
  Fixture f;
  f.pool.scripts = {
      Replies({"-WRONGPASS invalid username-password pair or user is disabled.", "+OK", "+OK"})};
  f.t.Cmd("SET k v");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000 AUTH2 alice secret") ==
        "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or "
        "user is disabled.");
  CHECK(f.pool.Sent().starts_with("*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\nsecret\r\n" +
                                  std::string(kSelect3)));
  CHECK(f.t.Cmd("EXISTS k") == ":1");
}

TEST_CASE("MIGRATE retries once on a new connection when the first fails before any reply") {
  Fixture f;
  f.pool.scripts = {Script{{LinkIo::kFailed, ""}}, Replies({"+OK", "+OK"})};
  f.t.Cmd("SET k v");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000") == "+OK");
  CHECK(f.pool.connections == 2);
  CHECK(f.t.Cmd("EXISTS k") == ":0");

  f.pool.scripts = {Script{{LinkIo::kFailed, ""}}, Script{{LinkIo::kFailed, ""}}};
  f.t.Cmd("SET k v");
  f.pool.Release(f.pool.Acquire("h", "1", 0), false);  // the cached connection is gone
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000") == kReadError);
  CHECK(f.t.Cmd("EXISTS k") == ":1");
}

TEST_CASE("MIGRATE does not retry after a timeout or after a reply came") {
  Fixture f;
  f.pool.scripts = {Script{}, Replies({"+OK", "+OK"})};
  f.t.Cmd("MSET a 1 b 2");
  CHECK(f.t.Cmd("MIGRATE h 1 a 3 1000") == kReadError);  // the script is empty: a timeout
  CHECK(f.pool.connections == 1);
  CHECK(f.t.Cmd("EXISTS a") == ":1");

  f.pool.scripts = {Script{{LinkIo::kOk, "+OK"}, {LinkIo::kOk, "+OK"}, {LinkIo::kFailed, ""}}};
  CHECK(f.t.Run({"MIGRATE", "h", "1", "", "3", "1000", "KEYS", "a", "b"}) == kReadError);
  CHECK(f.t.Cmd("EXISTS a") == ":0");
  CHECK(f.t.Cmd("EXISTS b") == ":1");
}

TEST_CASE("MIGRATE reports write and connect failures and keeps the key") {
  Fixture f;
  f.pool.fail_sends = true;
  f.pool.scripts = {Replies({}), Replies({})};
  f.t.Cmd("SET k v");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000") == "-IOERR error or timeout writing to target instance");
  CHECK(f.pool.connections == 2);
  CHECK(f.t.Cmd("MIGRATE nowhere 1 k 3 1000") ==
        "-IOERR error or timeout connecting to the client");
  CHECK(f.t.Cmd("EXISTS k") == ":1");
  f.t.state().migrate_links = nullptr;
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000") == "-IOERR error or timeout connecting to the client");
}

TEST_CASE("MIGRATE keeps a key written or deleted while the target answered") {
  Fixture f;
  f.pool.scripts = {Replies({"+OK", "+OK", "+OK", "+OK"})};
  f.t.Cmd("MSET a 1 b 2 c 3");
  // Another client, on another thread, as a real one would be.
  cairn::server::ClientState other;
  f.pool.before_first_read = [&] {
    std::thread([&] {
      for (std::vector<std::string> args :
           {std::vector<std::string>{"SET", "a", "new"}, std::vector<std::string>{"DEL", "b"}}) {
        cairn::resp::OutputBuffer out;
        f.t.Execute(other, args, &out, nullptr);
      }
    }).join();
  };
  CHECK(f.t.Run({"MIGRATE", "h", "1", "", "3", "1000", "KEYS", "a", "b", "c"}) == "+OK");
  CHECK(f.t.Cmd("GET a") == "new");
  CHECK(f.t.Cmd("EXISTS b c") == ":0");
}

TEST_CASE("MIGRATE replies NOKEY when no key exists, and checks its arguments as Redis") {
  Fixture f;
  CHECK(f.t.Cmd("MIGRATE h 1 nokey 3 1000") == "+NOKEY");
  CHECK(f.t.Run({"MIGRATE", "h", "1", "", "3", "1000", "KEYS"}) == "+NOKEY");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000 BOGUS") == "-ERR syntax error");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000 AUTH") == "-ERR syntax error");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000 AUTH2 u") == "-ERR syntax error");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 1000 KEYS a") ==
        "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
  CHECK(f.t.Cmd("MIGRATE h 1 k x 1000") == "-ERR value is not an integer or out of range");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3 x") == "-ERR value is not an integer or out of range");
  CHECK(f.t.Cmd("MIGRATE h 1 k 3") == "-ERR wrong number of arguments for 'migrate' command");
  CHECK(f.pool.connections == 0);
}

TEST_CASE("MIGRATE's keys for GETKEYS and ACL checks are Redis's") {
  InProcess t;
  CHECK(t.Run({"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH2", "KEYS", "KEYS",
               "KEYS", "a", "b"}) == "[a, b]");
  CHECK(t.Run({"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5"}) == "[k]");
  CHECK(t.Run({"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5", "KEYS", "a"}) ==
        "-ERR Invalid arguments specified for command");
  t.Cmd("ACL SETUSER u on nopass +@all %R~read* %W~write* %RW~rw*");
  CHECK(t.Run({"ACL", "DRYRUN", "u", "MIGRATE", "h", "1", "rw", "0", "5"}) == "+OK");
  CHECK(t.Run({"ACL", "DRYRUN", "u", "MIGRATE", "h", "1", "read", "0", "5"}) ==
        "This user has no permissions to access the 'read' key");
  CHECK(t.Run({"ACL", "DRYRUN", "u", "MIGRATE", "h", "1", "", "0", "5", "AUTH", "KEYS", "KEYS",
               "rw"}) == "+OK");
  CHECK(t.Run({"ACL", "DRYRUN", "u", "MIGRATE", "h", "1", "", "0", "5", "KEYS", "write"}) ==
        "This user has no permissions to access the 'write' key");
}
