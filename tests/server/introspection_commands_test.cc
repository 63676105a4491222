// Tests for MEMORY, SLOWLOG and LATENCY: what a user sees in their replies, run in-process.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "src/exec/latency_histogram.h"
#include "tests/server/harness.h"

namespace cairn {
namespace {

using test::InProcess;

int64_t IntReply(const std::string& reply) {
  REQUIRE(!reply.empty());
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

TEST_CASE("MEMORY USAGE grows with the value and answers nil for a missing key") {
  InProcess t;
  CHECK(t.Cmd("SET small x") == "+OK");
  CHECK(t.Run({"SET", "big", std::string(10000, 'x')}) == "+OK");
  int64_t small = IntReply(t.Cmd("MEMORY USAGE small"));
  int64_t big = IntReply(t.Cmd("MEMORY USAGE big"));
  CHECK(small > 0);
  CHECK(big > small);
  CHECK(big >= 10000);  // the value's bytes are counted
  CHECK(t.Cmd("MEMORY USAGE nokey") == t.Cmd("GET nokey"));
}

TEST_CASE("MEMORY USAGE SAMPLES is checked as Redis checks it") {
  InProcess t;
  CHECK(t.Cmd("SET k v") == "+OK");
  CHECK(t.Cmd("MEMORY USAGE k SAMPLES -1") == "-ERR syntax error");
  CHECK(t.Cmd("MEMORY USAGE k SAMPLES x") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("MEMORY USAGE k FOO") == "-ERR syntax error");
  CHECK(t.Cmd("MEMORY USAGE k SAMPLES") == "-ERR syntax error");
  CHECK(IntReply(t.Cmd("MEMORY USAGE k SAMPLES 0")) > 0);
}

TEST_CASE("MEMORY USAGE of a big list counts every element with SAMPLES 0 and estimates otherwise") {
  InProcess t;
  std::vector<std::string> push = {"RPUSH", "l"};
  for (int i = 0; i < 5000; ++i) push.push_back(std::string(50, 'a'));
  t.Run(push);
  int64_t exact = IntReply(t.Cmd("MEMORY USAGE l SAMPLES 0"));
  int64_t sampled = IntReply(t.Cmd("MEMORY USAGE l"));
  CHECK(exact > 5000 * 50);
  // Equal-sized elements: the sampled estimate lands close to the exact count.
  CHECK(sampled > exact * 9 / 10);
  CHECK(sampled < exact * 11 / 10);
}

TEST_CASE("MEMORY USAGE of a big sorted set is in the range of its members' bytes") {
  InProcess t;
  std::vector<std::string> add = {"ZADD", "z"};
  for (int i = 0; i < 1000; ++i) {
    add.push_back(std::to_string(i));
    add.push_back("member-" + std::to_string(100000 + i));
  }
  t.Run(add);
  CHECK(t.Cmd("OBJECT ENCODING z") == "skiplist");
  int64_t exact = IntReply(t.Cmd("MEMORY USAGE z SAMPLES 0"));
  CHECK(exact > 1000 * 14);
  CHECK(IntReply(t.Cmd("MEMORY USAGE z SAMPLES 10")) > exact / 2);
}

TEST_CASE("MEMORY STATS, DOCTOR, PURGE and HELP answer in Redis's shapes") {
  InProcess t;
  CHECK(t.Cmd("SET a 1") == "+OK");
  std::string stats = t.Cmd("MEMORY STATS");
  CHECK(stats.find("peak.allocated") != std::string::npos);
  CHECK(stats.find("keys.count, :1") != std::string::npos);
  CHECK(stats.find("db.0") != std::string::npos);
  CHECK(stats.find("fragmentation.bytes") != std::string::npos);
  CHECK(t.Cmd("MEMORY DOCTOR").find("Sam") != std::string::npos);
  CHECK(t.Cmd("MEMORY PURGE") == "+OK");
  CHECK(t.Cmd("MEMORY HELP").find("USAGE <key> [SAMPLES <count>]") != std::string::npos);
  CHECK(t.Cmd("MEMORY NOPE") == "-ERR unknown subcommand 'NOPE'. Try MEMORY HELP.");
  CHECK(t.Cmd("MEMORY STATS x") ==
        "-ERR wrong number of arguments for 'memory|stats' command");
}

TEST_CASE("SLOWLOG logs every command at threshold 0, newest first, up to slowlog-max-len") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET slowlog-log-slower-than 0") == "+OK");
  CHECK(t.Cmd("CONFIG SET slowlog-max-len 3") == "+OK");
  CHECK(t.Cmd("SLOWLOG RESET") == "+OK");
  t.Cmd("SET a 1");
  t.Cmd("CLIENT SETNAME me");
  t.Cmd("GET a");
  std::string newest = t.Cmd("SLOWLOG GET 1");
  CHECK(newest.find("[GET, a], in-process:0, me]]") != std::string::npos);
  CHECK(t.Cmd("SLOWLOG LEN") == ":3");
  CHECK(t.Cmd("SLOWLOG GET -2") == "-ERR count should be greater than or equal to -1");
  CHECK(t.Cmd("CONFIG GET slowlog-max-len") == "[slowlog-max-len, 3]");
}

TEST_CASE("SLOWLOG logs nothing at -1 and trims long commands as Redis does") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET slowlog-log-slower-than -1") == "+OK");
  t.Cmd("SLOWLOG RESET");
  t.Cmd("PING");
  CHECK(t.Cmd("SLOWLOG LEN") == ":0");
  CHECK(t.Cmd("CONFIG SET slowlog-log-slower-than 0") == "+OK");
  t.Cmd("SLOWLOG RESET");
  std::vector<std::string> sadd = {"SADD", "s"};
  for (int i = 0; i < 40; ++i) sadd.push_back(std::to_string(i));
  t.Run(sadd);
  t.Run({"SET", "k", std::string(130, 'A')});
  t.Cmd("AUTH secret");
  std::string log = t.Cmd("SLOWLOG GET");
  CHECK(log.find("28, ... (11 more arguments)]") != std::string::npos);
  CHECK(log.find(std::string(128, 'A') + "... (2 more bytes)") != std::string::npos);
  CHECK(log.find("[AUTH, (redacted)]") != std::string::npos);
}

TEST_CASE("EXEC is not in the slow log; the commands it ran are") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET slowlog-log-slower-than 0") == "+OK");
  t.Cmd("SLOWLOG RESET");
  t.Cmd("MULTI");
  t.Cmd("SET a 1");
  t.Cmd("EXEC");
  std::string log = t.Cmd("SLOWLOG GET");
  CHECK(log.find("EXEC") == std::string::npos);
  CHECK(log.find("[SET, a, 1]") != std::string::npos);
}

TEST_CASE("LATENCY records slow commands as events once a threshold is set") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("LATENCY LATEST") == "[]");
  CHECK(t.Cmd("LATENCY DOCTOR").find("Latency monitoring is disabled") != std::string::npos);
  CHECK(t.Cmd("CONFIG SET latency-monitor-threshold 1") == "+OK");
  CHECK(t.Cmd("DEBUG SLEEP 0.01") == "+OK");
  std::string latest = t.Cmd("LATENCY LATEST");
  CHECK(latest.find("[[command, ") == 0);
  CHECK(t.Cmd("LATENCY HISTORY command").find("[[") == 0);
  CHECK(t.Cmd("LATENCY HISTORY nope") == "[]");
  CHECK(t.Cmd("LATENCY GRAPH command").find("command - high ") != std::string::npos);
  CHECK(t.Cmd("LATENCY GRAPH nope") == "-ERR No samples available for event 'nope'");
  CHECK(t.Cmd("LATENCY DOCTOR").find("1. command: 1 latency spikes") != std::string::npos);
  CHECK(t.Cmd("LATENCY RESET nope") == ":0");
  CHECK(t.Cmd("LATENCY RESET") == ":1");
  CHECK(t.Cmd("LATENCY LATEST") == "[]");
  CHECK(t.Cmd("LATENCY HELP x") == "-ERR wrong number of arguments for 'latency|help' command");
}

TEST_CASE("LATENCY HISTOGRAM counts calls per command and subcommand since CONFIG RESETSTAT") {
  InProcess t;
  CHECK(t.Cmd("CONFIG RESETSTAT") == "+OK");
  t.Cmd("SET a b");
  t.Cmd("SET c d");
  t.Cmd("CLIENT ID");
  std::string set = t.Cmd("LATENCY HISTOGRAM set blabla");
  CHECK(set.find("[set, [calls, :2, histogram_usec, [") == 0);
  std::string client = t.Cmd("LATENCY HISTOGRAM client");
  CHECK(client.find("client|id, [calls, :1") != std::string::npos);
  CHECK(t.Cmd("LATENCY HISTOGRAM blabla") == "[]");
}

TEST_CASE("LATENCY HISTOGRAM's buckets are powers of two from 1024 ns, labelled as Redis's") {
  CHECK(server::CoarseBucket(1) == 0);
  CHECK(server::CoarseBucket(1024) == 0);
  CHECK(server::CoarseBucket(2000) == 1);
  CHECK(server::CoarseBucketUsec(0) == 1);
  CHECK(server::CoarseBucketUsec(5) == 33);
  CHECK(server::CoarseBucketUsec(11) == 2113);
  CHECK(server::CoarseBucket(int64_t{5'000'000'000}) == server::kCoarseBuckets - 1);
}

TEST_CASE("a latency histogram is exact below 256 ns and within 1/128 above, up to 1 s") {
  using H = server::LatencyHistogram;
  CHECK(H::Bucket(0) == 1);  // clamped to 1 ns, as Redis clamps
  CHECK(H::Bucket(255) == 255);
  CHECK(H::LowestNs(H::Bucket(256)) == 256);
  CHECK(H::HighestNs(H::Bucket(256)) == 257);
  CHECK(H::HighestNs(H::Bucket(1000)) == 1003);  // Redis's "1.003" for a 1 µs call
  CHECK(H::Bucket(int64_t{5'000'000'000}) == H::Bucket(H::kMaxNs));
  CHECK(H::Bucket(H::kMaxNs) < H::kBuckets);
  // Buckets tile the range: each starts one past the previous one's end, and its width is
  // at most 1/128 of its lowest value.
  for (size_t b = 1; b <= H::Bucket(H::kMaxNs); ++b) {
    REQUIRE(H::LowestNs(b) == H::HighestNs(b - 1) + 1);
    REQUIRE(H::Bucket(H::LowestNs(b)) == b);
    REQUIRE(H::Bucket(H::HighestNs(b)) == b);
    REQUIRE((H::HighestNs(b) - H::LowestNs(b)) * 128 <= H::LowestNs(b));
    // Each lies within one of LATENCY HISTOGRAM's buckets.
    REQUIRE(server::CoarseBucket(H::LowestNs(b)) == server::CoarseBucket(H::HighestNs(b)));
  }
}

TEST_CASE("percentiles are read off the histogram as Redis's HDR histogram reads them") {
  using H = server::LatencyHistogram;
  auto counts = std::make_unique<H::Counts>();
  CHECK(server::ValueAtPercentileNs(*counts, 50) == 0);
  (*counts)[H::Bucket(100)] = 90;     // 90 calls of 100 ns
  (*counts)[H::Bucket(5000)] = 9;     // 9 of 5 µs
  (*counts)[H::Bucket(700000)] = 1;   // 1 of 700 µs
  CHECK(server::ValueAtPercentileNs(*counts, 0) == 100);
  (*counts)[H::Bucket(100)] = 0;
  (*counts)[H::Bucket(3000)] = 90;  // then the lowest is 3 µs's bucket's start
  CHECK(server::ValueAtPercentileNs(*counts, 0) == H::LowestNs(H::Bucket(3000)));
  CHECK(server::ValueAtPercentileNs(*counts, 50) == H::HighestNs(H::Bucket(3000)));
  (*counts)[H::Bucket(3000)] = 0;
  (*counts)[H::Bucket(100)] = 90;
  CHECK(server::ValueAtPercentileNs(*counts, 50) == 100);
  CHECK(server::ValueAtPercentileNs(*counts, 90) == 100);
  CHECK(server::ValueAtPercentileNs(*counts, 95) == H::HighestNs(H::Bucket(5000)));
  CHECK(server::ValueAtPercentileNs(*counts, 99) == H::HighestNs(H::Bucket(5000)));
  CHECK(server::ValueAtPercentileNs(*counts, 99.9) == H::HighestNs(H::Bucket(700000)));
  CHECK(server::ValueAtPercentileNs(*counts, 100) == H::HighestNs(H::Bucket(700000)));
}

TEST_CASE("INFO latencystats gives each command's percentiles until CONFIG RESETSTAT") {
  InProcess t;
  CHECK(t.Cmd("CONFIG RESETSTAT") == "+OK");
  t.Cmd("SET a b");
  t.Cmd("CLIENT ID");
  std::string info = t.Cmd("INFO latencystats");
  CHECK(info.find("# Latencystats\r\n") != std::string::npos);
  CHECK(info.find("latency_percentiles_usec_set:p50=") != std::string::npos);
  CHECK(info.find("latency_percentiles_usec_client|id:p50=") != std::string::npos);
  CHECK(info.find("latency_percentiles_usec_get:") == std::string::npos);
  // The default INFO leaves the section out, as Redis does.
  CHECK(t.Cmd("INFO").find("Latencystats") == std::string::npos);
  CHECK(t.Run({"CONFIG", "SET", "latency-tracking-info-percentiles", "0 99.99"}) == "+OK");
  info = t.Cmd("INFO latencystats");
  size_t at = info.find("latency_percentiles_usec_set:p0=");
  REQUIRE(at != std::string::npos);
  CHECK(info.find(",p99.99=", at) != std::string::npos);
  CHECK(t.Cmd("CONFIG RESETSTAT") == "+OK");
  CHECK(t.Cmd("INFO latencystats").find("latency_percentiles_usec_set") == std::string::npos);
}

TEST_CASE("latency-tracking no stops the histograms growing; what they hold stays") {
  InProcess t;
  CHECK(t.Cmd("CONFIG RESETSTAT") == "+OK");
  t.Cmd("SET a b");
  CHECK(t.Cmd("CONFIG SET latency-tracking no") == "+OK");
  t.Cmd("SET a b");
  t.Cmd("GET a");
  CHECK(t.Cmd("LATENCY HISTOGRAM set").find("[set, [calls, :1,") == 0);
  CHECK(t.Cmd("LATENCY HISTOGRAM get") == "[]");
  CHECK(t.Cmd("CONFIG SET latency-tracking yes") == "+OK");
  t.Cmd("GET a");
  CHECK(t.Cmd("LATENCY HISTOGRAM get").find("[get, [calls, :1,") == 0);
}

TEST_CASE("COMMAND GETKEYSANDFLAGS pairs each key with its access flags") {
  InProcess t;
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS GET k") == "[[k, [+RO, +access]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS MSET a 1 b 2") ==
        "[[a, [+OW, +update]], [b, [+OW, +update]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS PING x") ==
        "-ERR The command has no key arguments");
}

TEST_CASE("COMMAND GETKEYSANDFLAGS tells each key's role, as Redis's key specs and code do") {
  InProcess t;
  // Two specs: the source is read and deleted from, the destination inserted into.
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS LMOVE k1 k2 left right") ==
        "[[k1, [+RW, +access, +delete]], [k2, [+RW, +insert]]]");
  // Variable flags: SET only overwrites unless GET reads the old value.
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS SET k1 v1") == "[[k1, [+OW, +update]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS SET k1 v1 GET") == "[[k1, [+RW, +access, +update]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0") == "[[k, [+RO, +access]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS BITFIELD k SET u8 0 1") ==
        "[[k, [+RW, +access, +update]]]");
  // Keys found by code: SORT's STORE target, MIGRATE's keys.
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS SORT k1 STORE k2") ==
        "[[k1, [+RO, +access]], [k2, [+OW, +update]]]");
  CHECK(t.Cmd("COMMAND GETKEYSANDFLAGS MIGRATE h 1 k 0 5") == "[[k, [+RW, +access, +delete]]]");
}

}  // namespace
}  // namespace cairn
