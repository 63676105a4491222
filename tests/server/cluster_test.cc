// tests/server/cluster_test.cc — cluster mode in-process: Redis's hash slots, nodes.conf as
// Redis writes it (another node's lines, migrating slots, damage), and the routing rules.
// (tests/integration/test_cluster.py checks the same against redis-server.)
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "src/base/key_slot.h"
#include "tests/server/harness.h"

using cairn::Crc16;
using cairn::KeySlot;
using cairn::test::InProcess;

namespace {

std::string TempPath(const char* name) {
  return std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") +
         "/cairn-cluster-test-" + std::to_string(::getpid()) + "-" + name;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("hash slots are Redis's") {
  CHECK(Crc16("123456789") == 0x31C3);  // CRC-16/XMODEM's check value
  CHECK(KeySlot("foo") == 12182);
  CHECK(KeySlot("") == 0);
  CHECK(KeySlot("{user1000}.following") == KeySlot("{user1000}.followers"));
  CHECK(KeySlot("{user1000}.following") == KeySlot("user1000"));
  CHECK(KeySlot("{}x") == 10595);  // an empty tag: the whole key
  CHECK(KeySlot("{x") == (Crc16("{x") & 16383));  // no closing brace: the whole key
  CHECK(KeySlot("a{b}c{d}") == KeySlot("b"));  // the first tag only
}

TEST_CASE("nodes.conf: a new node is written, a Redis file is read back as this node") {
  std::string path = TempPath("nodes.conf");
  std::remove(path.c_str());
  {
    cairn::server::ClusterState c;
    REQUIRE(c.Open(path, 7000, 17000).ok());
    CHECK(c.id().size() == 40);
    CHECK(c.assigned() == 0);
    int slots[] = {0, 1, 2, 100};
    REQUIRE(c.SetSlots(slots, true).ok());
    CHECK(ReadFile(path) == c.id() + " :7000@17000 myself,master - 0 0 0 connected 0-2 100\n" +
                                "vars currentEpoch 0 lastVoteEpoch 0\n");
    CHECK(c.SetSlots(slots, true).message() == "Slot 0 is already busy");
    int twice[] = {5, 5};
    CHECK(c.SetSlots(twice, true).message() == "Slot 5 specified multiple times");
    CHECK(c.assigned() == 4);  // nothing of a refused request is applied
  }
  std::string mine(40, 'a'), other(40, 'b');
  WriteFile(path, other + " 10.0.0.2:7001@17001 master - 0 1700000000000 2 connected 5461-10922\n" +
                      mine + " 10.0.0.1:7000@17000 myself,master - 0 0 3 connected 0-5460 " +
                      "[5461->-" + other + "]\nvars currentEpoch 7 lastVoteEpoch 0\n");
  cairn::server::ClusterState c;
  REQUIRE(c.Open(path, 7000, 17000).ok());
  CHECK(c.id() == mine);
  CHECK(c.assigned() == 5461);
  CHECK(c.Owns(5460));
  CHECK_FALSE(c.Owns(5461));
  CHECK(c.config_epoch() == 3);
  CHECK(c.current_epoch() == 7);
  WriteFile(path, mine + " :7000@17000 myself,master - 0 0 0 connected 0-16384\n");
  cairn::server::ClusterState damaged;
  CHECK(damaged.Open(path, 7000, 17000).message() ==
        path + ": line 1: a bad slot range '0-16384'");
  WriteFile(path, "vars currentEpoch 1\n");
  cairn::server::ClusterState nobody;
  CHECK(nobody.Open(path, 7000, 17000).message() == path + ": no node flagged myself");
  std::remove(path.c_str());
}

TEST_CASE("a slot change whose file cannot be written is not applied") {
  std::string dir = TempPath("unwritable");
  std::string path = dir + "/nodes.conf";
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  cairn::server::ClusterState c;
  REQUIRE(c.Open(path, 7000, 17000).ok());
  REQUIRE(::chmod(dir.c_str(), 0555) == 0);  // the next rewrite cannot create its temporary
  int slots[] = {1, 2, 3};
  bool writable = ::access(dir.c_str(), W_OK) == 0;  // root ignores the mode
  if (!writable) {
    CHECK(c.SetSlots(slots, true).code() == cairn::Code::kIoError);
    CHECK(c.assigned() == 0);
    bool bumped = false;
    uint64_t epoch = 0;
    CHECK_FALSE(c.BumpEpoch(&bumped, &epoch).ok());
    CHECK(c.config_epoch() == 0);
    CHECK(c.current_epoch() == 0);
  }
  ::chmod(dir.c_str(), 0755);
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("a request naming every slot many times costs the slots, not the mentions") {
  std::string path = TempPath("many.conf");
  std::remove(path.c_str());
  InProcess t;
  REQUIRE(t.state().cluster.Open(path, 7000, 17000).ok());
  std::vector<std::string> args = {"CLUSTER", "ADDSLOTSRANGE"};
  for (int i = 0; i < 20000; ++i) {
    args.push_back("0");
    args.push_back("16383");
  }
  CHECK(t.Run(args) == "-ERR Slot 0 specified multiple times");
  CHECK(t.state().cluster.assigned() == 0);
  CHECK(t.Cmd("CLUSTER ADDSLOTS 5 6 5") == "-ERR Slot 5 specified multiple times");
  CHECK(t.Cmd("CLUSTER ADDSLOTS 5") == "+OK");
  CHECK(t.Cmd("CLUSTER ADDSLOTS 4 5 4") == "-ERR Slot 5 is already busy");
  std::remove(path.c_str());
}

TEST_CASE("cluster routing: one slot per command, served slots only, database 0") {
  std::string path = TempPath("routing.conf");
  std::remove(path.c_str());
  InProcess t;
  REQUIRE(t.state().cluster.Open(path, 7000, 17000).ok());
  CHECK(t.Cmd("SET foo 1") == "-CLUSTERDOWN Hash slot not served");
  CHECK(t.Cmd("PING") == "+PONG");
  CHECK(t.Cmd("CLUSTER ADDSLOTSRANGE 0 16383") == "+OK");
  CHECK(t.Cmd("SET foo 1") == "+OK");
  CHECK(t.Cmd("MSET a 1 b 2") == "-CROSSSLOT Keys in request don't hash to the same slot");
  CHECK(t.Cmd("MSET {a}1 1 {a}2 2") == "+OK");
  CHECK(t.Cmd("SELECT 1") == "-ERR SELECT is not allowed in cluster mode");
  CHECK(t.Cmd("SORT {a}l BY w_*") == "-ERR BY option of SORT denied in Cluster mode.");
  CHECK(t.Cmd("SORT {a}l GET #") == "-ERR GET option of SORT denied in Cluster mode.");
  CHECK(t.Cmd("SORT {a}l BY nosort") == "[]");
  std::string script = "#!lua\nredis.call('set', KEYS[1], 1) return redis.call('get', 'b')";
  CHECK(t.Run({"EVAL", script, "1", "{e}k"}).find(
            "Script attempted to access keys that do not hash to the same slot") !=
        std::string::npos);
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("SET a 1") == "+QUEUED");
  CHECK(t.Cmd("SET b 1") == "+QUEUED");
  CHECK(t.Cmd("EXEC") == "-CROSSSLOT Keys in request don't hash to the same slot");
  CHECK(t.Cmd("EXISTS a") == ":0");
  CHECK(t.Cmd("CLUSTER DELSLOTS 12182") == "+OK");
  CHECK(t.Cmd("GET foo") == "-CLUSTERDOWN Hash slot not served");
  CHECK(t.Cmd("GET a") == "-CLUSTERDOWN The cluster is down");  // not every slot is served
  t.state().cluster.allow_reads_when_down = true;
  CHECK(t.Cmd("GET a") == "(nil)");
  CHECK(t.Cmd("SET a 1") == "-CLUSTERDOWN The cluster is down and only accepts read commands");
  std::remove(path.c_str());
}
