// tests/server/server_commands_test.cc — DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE,
// SHUTDOWN, DEBUG, CONFIG, INFO and COMMAND (with the COMMAND DOCS grammar), in-process.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "resp/output_buffer.h"
#include "resp/writer.h"
#include "src/commands/command_docs.h"
#include "tests/server/harness.h"

using cairn::test::InProcess;
namespace server = cairn::server;

namespace {


// Runs a command and returns the raw reply bytes (empty when the command replies nothing).
std::string RawRun(InProcess& t, std::vector<std::string_view> args) {
  server::ThreadStats* stats = t.state().stats.Create();  // lives as long as the server
  cairn::resp::OutputBuffer out;
  cairn::resp::Writer writer(&out, t.client().protocol);
  server::Execute(t.state(), t.client(), *stats, writer, args);
  return cairn::test::DrainOutput(out);
}

// The COMMAND DOCS "arguments" reply for a grammar, as reply text.
std::string ArgDocs(std::string_view syntax, bool has_keys = true, int protocol = 2) {
  cairn::resp::OutputBuffer out;
  cairn::resp::Writer writer(&out, protocol);
  server::WriteArgDocs(writer, server::ParseSyntax(syntax, has_keys));
  std::string bytes = cairn::test::DrainOutput(out);
  size_t pos = 0;
  std::string text;
  if (!cairn::test::DecodeReply(bytes, &pos, &text) || pos != bytes.size()) return "<bad>";
  return text;
}

int64_t NowS() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// ---- keyspace administration ----

TEST_CASE("DBSIZE counts the keys of the selected database") {
  InProcess t;
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("SET b 2") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":2");
  CHECK(t.Cmd("SELECT 1") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("DBSIZE x") == "-ERR wrong number of arguments for 'dbsize' command");
}

TEST_CASE("FLUSHDB empties only the selected database, with or without ASYNC or SYNC") {
  InProcess t;
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("SELECT 1") == "+OK");
  CHECK(t.Cmd("SET b 1") == "+OK");
  CHECK(t.Cmd("FLUSHDB") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("SELECT 0") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":1");
  CHECK(t.Cmd("FLUSHDB async") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("FLUSHDB SYNC") == "+OK");
  CHECK(t.Cmd("FLUSHDB x") == "-ERR syntax error");
  CHECK(t.Cmd("FLUSHDB ASYNC SYNC") == "-ERR syntax error");
}

TEST_CASE("FLUSHALL empties every database") {
  InProcess t;
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("SELECT 7") == "+OK");
  CHECK(t.Cmd("SET b 1") == "+OK");
  CHECK(t.Cmd("FLUSHALL SYNC") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("SELECT 0") == "+OK");
  CHECK(t.Cmd("DBSIZE") == ":0");
  CHECK(t.Cmd("FLUSHALL ASYNC") == "+OK");
  CHECK(t.Cmd("FLUSHALL a b") == "-ERR syntax error");
}

TEST_CASE("SWAPDB exchanges the contents of two databases") {
  InProcess t;
  CHECK(t.Cmd("SET k zero") == "+OK");
  CHECK(t.Cmd("SWAPDB 0 5") == "+OK");
  CHECK(t.Cmd("GET k") == "(nil)");
  CHECK(t.Cmd("SELECT 5") == "+OK");
  CHECK(t.Cmd("GET k") == "zero");
  CHECK(t.Cmd("SWAPDB 5 5") == "+OK");
  CHECK(t.Cmd("GET k") == "zero");
}

TEST_CASE("SWAPDB names which index is bad, and checks the range after parsing both") {
  InProcess t;
  CHECK(t.Cmd("SWAPDB x 1") == "-ERR invalid first DB index");
  CHECK(t.Cmd("SWAPDB 0 x") == "-ERR invalid second DB index");
  CHECK(t.Cmd("SWAPDB 100 x") == "-ERR invalid second DB index");
  CHECK(t.Cmd("SWAPDB 0 16") == "-ERR DB index is out of range");
  CHECK(t.Cmd("SWAPDB -1 0") == "-ERR DB index is out of range");
  CHECK(t.Cmd("SWAPDB 0") == "-ERR wrong number of arguments for 'swapdb' command");
}

TEST_CASE("TIME replies with unix seconds and microseconds as bulk strings") {
  InProcess t;
  std::string reply = t.Cmd("TIME");
  long long seconds = 0, micros = -1;
  REQUIRE(std::sscanf(reply.c_str(), "[%lld, %lld]", &seconds, &micros) == 2);
  CHECK(std::abs(seconds - NowS()) <= 2);
  CHECK(micros >= 0);
  CHECK(micros < 1000000);
  CHECK(RawRun(t, {"TIME"}).starts_with("*2\r\n$10\r\n"));
}

TEST_CASE("LASTSAVE replies with the time of the last save") {
  InProcess t;
  CHECK(t.Cmd("LASTSAVE") == ":" + std::to_string(t.state().last_save_s.load()));
  t.state().last_save_s = 1234;
  CHECK(t.Cmd("LASTSAVE") == ":1234");
}

// ---- SHUTDOWN and DEBUG ----

TEST_CASE("SHUTDOWN asks the server to stop and sends no reply") {
  InProcess t;
  int calls = 0;
  t.state().request_shutdown = [&calls] { ++calls; };
  CHECK(RawRun(t, {"SHUTDOWN", "NOSAVE"}) == "");
  CHECK(calls == 1);
  CHECK(t.client().close_after_reply);
  CHECK(RawRun(t, {"shutdown", "save", "now", "force"}) == "");
  CHECK(calls == 2);
}

TEST_CASE("SHUTDOWN rejects unknown and contradictory options, and has nothing to ABORT") {
  InProcess t;
  int calls = 0;
  t.state().request_shutdown = [&calls] { ++calls; };
  CHECK(t.Cmd("SHUTDOWN FOO") == "-ERR syntax error");
  CHECK(t.Cmd("SHUTDOWN NOSAVE SAVE") == "-ERR syntax error");
  CHECK(t.Cmd("SHUTDOWN ABORT NOW") == "-ERR syntax error");
  CHECK(t.Cmd("SHUTDOWN ABORT") == "-ERR No shutdown in progress.");
  CHECK(calls == 0);
}

TEST_CASE("SHUTDOWN without a server to stop reports the failure") {
  InProcess t;
  CHECK(t.Cmd("SHUTDOWN") == "-ERR Errors trying to SHUTDOWN. Check logs.");
  CHECK_FALSE(t.client().close_after_reply);
}

TEST_CASE("DEBUG OBJECT describes a key's value in Redis's one line") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("SET k 12345") == "+OK");
  std::string line = t.Cmd("DEBUG OBJECT k");
  CHECK(line.starts_with("+Value at:0x"));
  CHECK(line.find(" refcount:1 encoding:int serializedlength:") != std::string::npos);
  CHECK(line.find(" lru_seconds_idle:") != std::string::npos);
  CHECK(t.Cmd("DEBUG OBJECT nosuch") == "-ERR no such key");
}

TEST_CASE("DEBUG SLEEP blocks the caller for fractional seconds, reading the time leniently") {
  InProcess t(cairn::test::WithDebug());
  auto start = std::chrono::steady_clock::now();
  CHECK(t.Cmd("DEBUG SLEEP 0.02") == "+OK");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(20));
  CHECK(t.Cmd("DEBUG sleep 0") == "+OK");
  CHECK(t.Cmd("DEBUG SLEEP x") == "+OK");
  CHECK(t.Cmd("DEBUG SLEEP -1") == "+OK");
}

TEST_CASE("DEBUG names an unknown subcommand or a wrong argument count as Redis does") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("DEBUG HELP").starts_with(
      "[+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, +ASSERT, "));
  CHECK(t.Cmd("DEBUG FOO") ==
        "-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.");
  CHECK(t.Cmd("DEBUG SLEEP") ==
        "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.");
  CHECK(t.Cmd("DEBUG sleep 1 2") ==
        "-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.");
  CHECK(t.Cmd("DEBUG") == "-ERR wrong number of arguments for 'debug' command");
}

TEST_CASE("DEBUG is refused by default, before AUTH and when queued in MULTI, as in Redis") {
  const char* kRefused =
      "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
      "you can run it from a local connection, otherwise you need to set this option in the "
      "configuration file, and then restart the server.";
  InProcess t;
  CHECK(t.Cmd("DEBUG SLEEP 0") == kRefused);
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("DEBUG SLEEP 0") == kRefused);
  CHECK(t.Cmd("EXEC") == "-EXECABORT Transaction discarded because of previous errors.");
  server::Config config;
  config.requirepass = "pw";
  InProcess locked(config);
  locked.client().authenticated = false;
  CHECK(locked.Cmd("DEBUG SLEEP 0") == kRefused);
}

TEST_CASE("DEBUG obeys enable-debug-command: local allows loopback and in-process clients") {
  const char* kRefused =
      "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
      "you can run it from a local connection, otherwise you need to set this option in the "
      "configuration file, and then restart the server.";
  server::Config config;
  config.enable_debug_command = "no";
  InProcess off(config);
  CHECK(off.Cmd("DEBUG SLEEP 0") == kRefused);
  CHECK(off.Cmd("DEBUG HELP") == kRefused);
  CHECK(off.Cmd("DEBUG") == "-ERR wrong number of arguments for 'debug' command");
  config.enable_debug_command = "local";
  InProcess local(config);
  CHECK(local.Cmd("DEBUG SLEEP 0") == "+OK");
  local.client().fd = 9;
  local.client().addr = "127.0.0.1:40000";
  CHECK(local.Cmd("DEBUG SLEEP 0") == "+OK");
  local.client().addr = "10.1.2.3:40000";
  CHECK(local.Cmd("DEBUG SLEEP 0") == kRefused);
  config.enable_debug_command = "yes";
  InProcess on(config);
  on.client().fd = 9;
  on.client().addr = "10.1.2.3:40000";
  CHECK(on.Cmd("DEBUG SLEEP 0") == "+OK");
}

// ---- CONFIG ----

TEST_CASE("CONFIG GET takes several glob patterns and lists each option once") {
  InProcess t;
  CHECK(t.Cmd("CONFIG GET port") == "[port, 6379]");
  CHECK(t.Cmd("CONFIG GET PORT maxclients port") == "[port, 6379, maxclients, 10000]");
  CHECK(t.Cmd("CONFIG GET maxmemory*") ==
        "[maxmemory, 0, maxmemory-policy, noeviction, maxmemory-samples, 5, "
        "maxmemory-eviction-tenacity, 10, maxmemory-clients, 0]");
  CHECK(t.Cmd("CONFIG GET nosuch") == "[]");
  CHECK(t.Cmd("CONFIG GET") == "-ERR wrong number of arguments for 'config|get' command");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(t.Cmd("CONFIG GET hz port") == "{hz: 10, port: 6379}");
  CHECK(t.Cmd("CONFIG GET nosuch") == "{}");
}

TEST_CASE("CONFIG SET changes options and refreshes the limits the server caches") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET maxclients 5 hz 20") == "+OK");
  CHECK(t.Cmd("CONFIG GET maxclients hz") == "[maxclients, 5, hz, 20]");
  CHECK(t.state().limits.maxclients.load() == 5);
  CHECK(t.Cmd("CONFIG SET maxmemory 1kb") == "+OK");
  CHECK(t.Cmd("CONFIG GET maxmemory") == "[maxmemory, 1024]");
  CHECK_FALSE(t.state().acl.AuthRequired());
  CHECK(t.Cmd("CONFIG SET requirepass s3cret") == "+OK");
  CHECK(t.state().acl.AuthRequired());
}

TEST_CASE("CONFIG SET reports unknown, immutable, duplicate and invalid options") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET foo bar") ==
        "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(t.Cmd("CONFIG SET Databases 7") ==
        "-ERR CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable "
        "config");
  CHECK(t.Cmd("CONFIG SET hz 10 HZ 11") ==
        "-ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
  CHECK(t.Cmd("CONFIG SET maxclients abc") ==
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
        "couldn't be parsed into an integer");
  CHECK(t.Cmd("CONFIG SET protected-mode maybe") ==
        "-ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must "
        "be 'yes' or 'no'");
  CHECK(t.Cmd("CONFIG SET hz 10 foo") == "-ERR syntax error");
  CHECK(t.Cmd("CONFIG SET hz") == "-ERR wrong number of arguments for 'config|set' command");
  // An unknown name anywhere wins over the other errors, as in Redis.
  CHECK(t.Cmd("CONFIG SET databases 1 nosuch 2") ==
        "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  CHECK(t.Cmd("CONFIG SET hz abc databases 1") ==
        "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
        "config");
}

TEST_CASE("CONFIG SET of a startup-only cairn option accepts only the value it has") {
  InProcess t;
  // threads is cairn's own. Writing back
  // what CONFIG GET says is a no-op (tools and Redis's "CONFIG sanity" do it); another value
  // is refused, and a Redis-immutable option stays immutable even at its own value.
  std::string threads = t.Cmd("CONFIG GET threads");
  std::string n = threads.substr(threads.find(", ") + 2);
  n.pop_back();
  CHECK(t.Cmd("CONFIG SET threads " + n) == "+OK");
  CHECK(t.Cmd("CONFIG GET threads") == threads);
  CHECK(t.Cmd("CONFIG SET threads 99") ==
        "-ERR CONFIG SET failed (possibly related to argument 'threads') - can't set immutable "
        "config");
  std::string wal = t.Cmd("CONFIG GET wal-segment-size");
  std::string bytes = wal.substr(wal.find(", ") + 2);
  bytes.pop_back();
  CHECK(t.Cmd("CONFIG SET wal-segment-size " + bytes + " hz 12") == "+OK");
  CHECK(t.Cmd("CONFIG GET hz") == "[hz, 12]");
  CHECK(t.Cmd("CONFIG SET wal-segment-size 1mb hz 13") ==
        "-ERR CONFIG SET failed (possibly related to argument 'wal-segment-size') - can't set "
        "immutable config");
  CHECK(t.Cmd("CONFIG GET hz") == "[hz, 12]");  // all or nothing
  std::string databases = t.Cmd("CONFIG GET databases");
  std::string d = databases.substr(databases.find(", ") + 2);
  d.pop_back();
  CHECK(t.Cmd("CONFIG SET databases " + d) ==
        "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
        "config");
}

TEST_CASE("CONFIG SET of several options changes all of them or none") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET hz 20 timeout 30 maxclients x") ==
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
        "couldn't be parsed into an integer");
  CHECK(t.Cmd("CONFIG GET hz timeout maxclients") == "[hz, 10, timeout, 0, maxclients, 10000]");
  CHECK(t.state().limits.timeout_s.load() == 0);
}

TEST_CASE("CONFIG RESETSTAT clears the statistics INFO reports") {
  InProcess t;
  CHECK(t.Cmd("GET x") == "(nil)");
  CHECK(Contains(t.Cmd("INFO commandstats"), "cmdstat_get:calls=1,"));
  CHECK(t.Cmd("CONFIG RESETSTAT") == "+OK");
  std::string stats = t.Cmd("INFO commandstats");
  CHECK_FALSE(Contains(stats, "cmdstat_get:"));
  // INFO commandstats and this INFO stats are all that ran since.
  CHECK(Contains(t.Cmd("INFO stats"), "total_commands_processed:2\r\n"));
  CHECK(t.Cmd("CONFIG RESETSTAT x") ==
        "-ERR wrong number of arguments for 'config|resetstat' command");
}

TEST_CASE("CONFIG REWRITE needs a config file, and writes the current values into it") {
  InProcess t;
  CHECK(t.Cmd("CONFIG REWRITE") == "-ERR The server is running without a config file");
  std::string path = "/tmp/cairn_config_rewrite_test_" + std::to_string(::getpid()) + ".conf";
  {
    std::ofstream f(path);
    f << "hz 15\n";
  }
  const char* argv[] = {"cairn-server", path.c_str()};
  REQUIRE(t.state().config.LoadArgs(2, argv).ok());
  CHECK(t.Cmd("CONFIG SET hz 42") == "+OK");
  CHECK(t.Cmd("CONFIG REWRITE") == "+OK");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(Contains(text.str(), "\nhz 42\n"));
  std::remove(path.c_str());
}

TEST_CASE("CONFIG HELP lists the subcommands; unknown subcommands point to it") {
  InProcess t;
  std::string help = t.Cmd("CONFIG HELP");
  CHECK(
      help.starts_with("[+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, "
                       "+GET <pattern>, "));
  CHECK(help.ends_with(", +HELP, +    Prints this help.]"));
  CHECK(t.Cmd("CONFIG FOO") == "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
  CHECK(t.Cmd("CONFIG") == "-ERR wrong number of arguments for 'config' command");
}

// ---- INFO ----

TEST_CASE("INFO without arguments gives Redis's default sections in order, CRLF-separated") {
  InProcess t;
  std::string info = t.Cmd("INFO");
  std::string headers;
  std::istringstream lines(info);
  for (std::string line; std::getline(lines, line);) {
    CHECK(line.ends_with("\r"));
    if (line.starts_with("#")) headers += line.substr(0, line.size() - 1) + ";";
  }
  CHECK(headers ==
        "# Server;# Clients;# Memory;# Persistence;# Stats;# Replication;# CPU;# Modules;"
        "# Errorstats;# Cluster;# Keyspace;");
  CHECK(info.starts_with("# Server\r\nredis_version:7.0.15\r\ncairn_version:0.1.0\r\n"));
  CHECK(Contains(info, "\r\n\r\n# Clients\r\n"));
  CHECK(info.ends_with("# Keyspace\r\n"));
}

TEST_CASE("INFO all and everything add commandstats and latencystats; default can be combined") {
  InProcess t;
  for (const char* arg : {"all", "EVERYTHING"}) {
    std::string info = t.Cmd(std::string("INFO ") + arg);
    CHECK(Contains(info, "# Commandstats\r\n"));
    CHECK(Contains(info, "# Latencystats\r\n"));
    CHECK(Contains(info, "# Server\r\n"));
  }
  std::string both = t.Cmd("INFO default commandstats");
  CHECK(Contains(both, "# Commandstats\r\n"));
  CHECK_FALSE(Contains(both, "# Latencystats"));
  CHECK(Contains(both, "# Keyspace"));
}

TEST_CASE("INFO sections come out in Redis's order whatever order they are asked in") {
  InProcess t;
  std::string info = t.Cmd("INFO keyspace CPU clients nosuch");
  CHECK(info.starts_with("# Clients\r\nconnected_clients:1\r\n"));
  CHECK(info.find("# CPU\r\n") < info.find("# Keyspace\r\n"));
  CHECK(info.ends_with("\r\n\r\n# Keyspace\r\n"));
  CHECK(t.Cmd("INFO nosuch") == "");
}

TEST_CASE("INFO is a verbatim string in RESP3 and a bulk string in RESP2") {
  InProcess t;
  CHECK(RawRun(t, {"INFO", "cluster"}) == "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(RawRun(t, {"INFO", "cluster"}) == "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

TEST_CASE("INFO server describes this process") {
  InProcess t;
  t.state().tcp_port = 7001;
  std::string info = t.Cmd("INFO server");
  CHECK(Contains(info, "\r\nredis_mode:standalone\r\n"));
  CHECK(Contains(info, "\r\nprocess_id:" + std::to_string(::getpid()) + "\r\n"));
  CHECK(Contains(info, "\r\nrun_id:" + t.state().run_id + "\r\n"));
  CHECK(Contains(info, "\r\ntcp_port:7001\r\n"));
  CHECK(Contains(info, "\r\narch_bits:64\r\n"));
  CHECK(Contains(info, "\r\nuptime_in_days:0\r\n"));
  CHECK(Contains(info, "\r\nhz:10\r\n"));
  CHECK(Contains(info, "\r\nexecutable:/"));
  CHECK(Contains(info, "\r\nconfig_file:\r\n"));
  CHECK(Contains(info, "\r\nio_threads_active:0\r\n"));
  CHECK(t.state().run_id.size() == 40);
}

TEST_CASE("INFO clients, memory and persistence report live figures and configuration") {
  server::Config config;
  config.maxclients = 123;
  config.appendonly = true;
  InProcess t(config);
  t.state().last_save_s = 1700000000;
  std::string clients = t.Cmd("INFO clients");
  CHECK(Contains(clients, "connected_clients:1\r\n"));
  CHECK(Contains(clients, "maxclients:123\r\n"));
  CHECK(Contains(clients, "blocked_clients:0\r\n"));
  std::string memory = t.Cmd("INFO memory");
  CHECK(Contains(memory, "\r\nused_memory:"));
  CHECK_FALSE(Contains(memory, "\r\nused_memory:0\r\n"));
  CHECK(Contains(memory, "\r\nused_memory_human:"));
  CHECK(Contains(memory, "\r\nused_memory_rss:"));
  CHECK(Contains(memory, "\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\n"));
  CHECK(Contains(memory, "\r\nmaxmemory_policy:noeviction\r\n"));
  CHECK(Contains(memory, "\r\nmem_allocator:"));
  std::string persistence = t.Cmd("INFO persistence");
  CHECK(Contains(persistence, "loading:0\r\n"));
  CHECK(Contains(persistence, "rdb_last_save_time:1700000000\r\n"));
  // aof_enabled reports the log running, and in-process none runs (appendonly yes or not).
  CHECK(Contains(persistence, "aof_enabled:0\r\n"));
  // Nor can one start here: without the networking layer appendonly stays what it is.
  CHECK(t.Cmd("CONFIG SET appendonly no") ==
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - can't set immutable "
        "config");
  CHECK(t.Cmd("CONFIG GET appendonly") == "[appendonly, yes]");
  CHECK(t.Cmd("CONFIG SET appendonly yes") == "+OK");
  CHECK(t.Cmd("CONFIG SET maxmemory 1536kb") == "+OK");
  CHECK(Contains(t.Cmd("INFO memory"), "\r\nmaxmemory:1572864\r\nmaxmemory_human:1.50M\r\n"));
}

TEST_CASE("INFO stats counts commands, errors, hits and misses") {
  InProcess t;
  CHECK(t.Cmd("SET k v") == "+OK");
  CHECK(t.Cmd("GET k") == "v");
  CHECK(t.Cmd("GET nosuch") == "(nil)");
  CHECK(t.Cmd("NOSUCHCOMMAND").starts_with("-ERR unknown command"));
  std::string stats = t.Cmd("INFO stats");
  CHECK(Contains(stats, "total_commands_processed:5\r\n"));
  CHECK(Contains(stats, "instantaneous_ops_per_sec:0\r\n"));
  CHECK(Contains(stats, "keyspace_hits:1\r\n"));
  CHECK(Contains(stats, "keyspace_misses:1\r\n"));
  CHECK(Contains(stats, "total_error_replies:1\r\n"));
  CHECK(Contains(stats, "expired_keys:0\r\n"));
  CHECK(Contains(t.Cmd("INFO replication"), "role:master\r\nconnected_slaves:0\r\n"));
}

TEST_CASE("INFO cpu reports user and system time") {
  InProcess t;
  std::string cpu = t.Cmd("INFO cpu");
  double sys = -1, user = -1;
  REQUIRE(std::sscanf(cpu.c_str(), "# CPU\r\nused_cpu_sys:%lf\r\nused_cpu_user:%lf", &sys, &user) ==
          2);
  CHECK(sys >= 0);
  CHECK(user > 0);
}

TEST_CASE("INFO commandstats has one line per command called, subcommands by full name") {
  InProcess t;
  CHECK(t.Cmd("GET a") == "(nil)");
  CHECK(t.Cmd("GET b") == "(nil)");
  CHECK(t.Cmd("CONFIG GET port") == "[port, 6379]");
  CHECK(t.Cmd("SELECT x") == "-ERR value is not an integer or out of range");
  std::string stats = t.Cmd("INFO commandstats");
  CHECK(stats.starts_with("# Commandstats\r\n"));
  CHECK(Contains(stats, "\r\ncmdstat_get:calls=2,usec="));
  CHECK(Contains(stats, ",rejected_calls=0,failed_calls=0\r\n"));
  CHECK(Contains(stats, "\r\ncmdstat_config|get:calls=1,usec="));
  CHECK(Contains(stats, "\r\ncmdstat_select:calls=1,"));
  CHECK(Contains(stats, ",rejected_calls=0,failed_calls=1\r\n"));
  CHECK_FALSE(Contains(stats, "cmdstat_set:"));
  CHECK_FALSE(Contains(stats, "cmdstat_config:"));
  size_t at = stats.find("cmdstat_get:");
  CHECK(stats.substr(at, stats.find("\r\n", at) - at).find("usec_per_call=") != std::string::npos);
}

TEST_CASE("INFO keyspace lists the databases that hold keys") {
  InProcess t;
  CHECK(t.Cmd("INFO keyspace") == "# Keyspace\r\n");
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("SET b 1 EX 100") == "+OK");
  CHECK(t.Cmd("SELECT 3") == "+OK");
  CHECK(t.Cmd("SET c 1") == "+OK");
  CHECK(t.Cmd("INFO keyspace") ==
        "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n");
}

// ---- COMMAND ----

TEST_CASE("COMMAND COUNT counts top-level commands and COMMAND describes each of them") {
  InProcess t;
  size_t count = t.state().commands.all().size();
  CHECK(t.Cmd("COMMAND COUNT") == ":" + std::to_string(count));
  std::string all = RawRun(t, {"COMMAND"});
  CHECK(all.starts_with("*" + std::to_string(count) + "\r\n*10\r\n"));
  CHECK(t.Cmd("COMMAND COUNT x") == "-ERR wrong number of arguments for 'command|count' command");
}

TEST_CASE("COMMAND INFO replies in Redis 7.0's shape, sets in RESP3") {
  InProcess t;
  // Key specs and tips as redis-server 7.0.15 gives them (its COMMAND reply made the tables).
  CHECK(t.Cmd("COMMAND INFO get") ==
        "[[get, :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], [[flags, "
        "[+RO, +access], begin_search, [type, index, spec, [index, :1]], find_keys, [type, "
        "range, spec, [lastkey, :0, keystep, :1, limit, :0]]]], []]]");
  CHECK(t.Cmd("COMMAND INFO nosuch SELECT") ==
        "[(nil), [select, :2, [+loading, +stale, +fast], :0, :0, :0, [+@fast, +@connection], "
        "[], [], []]]");
  CHECK(t.Cmd("COMMAND INFO config|get") ==
        "[[config|get, :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, "
        "+@slow, +@dangerous], [], [], []]]");
  CHECK(t.Cmd("COMMAND INFO FLUSHDB") ==
        "[[flushdb, :-1, [+write], :0, :0, :0, [+@keyspace, +@write, +@slow, +@dangerous], "
        "[+request_policy:all_shards, +response_policy:all_succeeded], [], []]]");
  CHECK(t.Cmd("COMMAND INFO auth") ==
        "[[auth, :-2, [+noscript, +loading, +stale, +fast, +no_auth, +allow_busy], :0, :0, :0, "
        "[+@fast, +@connection], [], [], []]]");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(t.Cmd("COMMAND INFO get nosuch") ==
        "[[get, :2, ~[+readonly, +fast], :1, :1, :1, ~[+@read, +@string, +@fast], ~[], ~[{flags: "
        "~[+RO, +access], begin_search: {type: index, spec: {index: :1}}, find_keys: {type: "
        "range, spec: {lastkey: :0, keystep: :1, limit: :0}}}], ~[]], (nil)]");
  // A keynum spec and Redis's notes.
  CHECK(t.Cmd("COMMAND INFO eval_ro") ==
        "[[eval_ro, :-3, ~[+readonly, +noscript, +stale, +skip_monitor, +no_mandatory_keys, "
        "+movablekeys], :0, :0, :0, ~[+@slow, +@scripting], ~[], ~[{notes: We cannot tell how "
        "the keys will be used so we assume the worst, RO and ACCESS, flags: ~[+RO, +access], "
        "begin_search: {type: index, spec: {index: :2}}, find_keys: {type: keynum, spec: "
        "{keynumidx: :0, firstkey: :1, keystep: :1}}}], ~[]]]");
}

TEST_CASE("COMMAND INFO of a container lists its subcommands") {
  InProcess t;
  std::string info = t.Cmd("COMMAND INFO config");
  CHECK(info.starts_with("[[config, :-2, [], :0, :0, :0, [+@slow], [], [], [[config|get, :-3, "));
  CHECK(Contains(info, "[config|set, :-4, "));
  CHECK(Contains(info, "[config|help, :2, [+loading, +stale], :0, :0, :0, [+@slow], [], [], []]"));
}

TEST_CASE("COMMAND DOCS maps names to Redis's summary, since, group, history and arguments") {
  InProcess t;
  CHECK(t.Cmd("COMMAND DOCS select") ==
        "[select, [summary, Change the selected database for the current connection, since, "
        "1.0.0, group, connection, complexity, O(1), arguments, [[name, index, type, "
        "integer]]]]");
  CHECK(t.Cmd("COMMAND DOCS dbsize nosuch") ==
        "[dbsize, [summary, Return the number of keys in the selected database, since, 1.0.0, "
        "group, server, complexity, O(1)]]");
  CHECK(t.Cmd("COMMAND DOCS nosuch") == "[]");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(t.Cmd("COMMAND DOCS flushall") ==
        "{flushall: {summary: Remove all keys from all databases, since: 1.0.0, group: server, "
        "complexity: O(N) where N is the total number of keys in all databases, history: "
        "~[[4.0.0, Added the `ASYNC` flushing mode modifier.], [6.2.0, Added the `SYNC` "
        "flushing mode modifier.]], arguments: [{name: async, type: oneof, flags: ~[+optional], "
        "arguments: [{name: async, type: pure-token, token: ASYNC, since: 4.0.0}, {name: sync, "
        "type: pure-token, token: SYNC, since: 6.2.0}]}]}}");
  CHECK(t.Cmd("COMMAND DOCS nosuch") == "{}");
}

TEST_CASE("COMMAND DOCS of a container nests its subcommands by full name") {
  InProcess t;
  std::string docs = t.Cmd("COMMAND DOCS config");
  CHECK(
      docs.starts_with("[config, [summary, A container for server configuration commands, "
                       "since, 2.0.0, group, server, complexity, Depends on subcommand., "
                       "subcommands, [config|get, [summary, "));
  CHECK(Contains(docs, "config|set, [summary, Set configuration parameters"));
  CHECK(Contains(t.Cmd("COMMAND DOCS config|get"),
                 "arguments, [[name, parameter, type, block, flags, [+multiple], arguments, "
                 "[[name, parameter, type, string]]]]"));
  CHECK(t.Cmd("COMMAND DOCS").starts_with("["));
  // CLIENT SETINFO is Redis 7.2's: its documentation comes from its syntax grammar.
  CHECK(Contains(t.Cmd("COMMAND DOCS client|setinfo"), "arguments, [[name, libname-libver, type, oneof"));
}

TEST_CASE("COMMAND LIST names commands and subcommands, optionally filtered") {
  InProcess t;
  std::string all = t.Cmd("COMMAND LIST");
  CHECK(Contains(all, ", config, config|get, config|help, "));
  CHECK(t.Cmd("COMMAND LIST FILTERBY pattern CONFIG|S*") == "[config|set]");
  CHECK(t.Cmd("COMMAND LIST FILTERBY pattern conf*") ==
        "[config, config|get, config|help, config|resetstat, config|rewrite, config|set]");
  std::string admin = t.Cmd("COMMAND LIST FILTERBY aclcat ADMIN");
  CHECK(Contains(admin, "config|get"));
  CHECK(Contains(admin, "client|kill"));
  CHECK_FALSE(Contains(admin, "client|id"));
  CHECK(t.Cmd("COMMAND LIST FILTERBY aclcat nosuch") == "[]");
  CHECK(t.Cmd("COMMAND LIST FILTERBY module x") == "[]");
  CHECK(t.Cmd("COMMAND LIST FILTERBY foo x") == "-ERR syntax error");
  CHECK(t.Cmd("COMMAND LIST FILTERBY pattern") == "-ERR syntax error");
  CHECK(t.Cmd("COMMAND LIST x") == "-ERR syntax error");
}

TEST_CASE("COMMAND GETKEYS finds keys from first, last and step") {
  InProcess t;
  CHECK(t.Cmd("COMMAND GETKEYS GET A") == "[A]");
  CHECK(t.Cmd("COMMAND GETKEYS mset a 1 b 2") == "[a, b]");
  CHECK(t.Cmd("COMMAND GETKEYS mset a 1 b") == "[a, b]");
  CHECK(t.Cmd("COMMAND GETKEYS nosuch a") == "-ERR Invalid command specified");
  CHECK(t.Cmd("COMMAND GETKEYS config nosuch") == "-ERR Invalid command specified");
  CHECK(t.Cmd("COMMAND GETKEYS ping x") == "-ERR The command has no key arguments");
  CHECK(t.Cmd("COMMAND GETKEYS config get") == "-ERR The command has no key arguments");
  CHECK(t.Cmd("COMMAND GETKEYS get a b") ==
        "-ERR Invalid number of arguments specified for command");
  CHECK(t.Cmd("COMMAND GETKEYS get") ==
        "-ERR wrong number of arguments for 'command|getkeys' command");
}

TEST_CASE("COMMAND HELP lists the subcommands") {
  InProcess t;
  std::string help = t.Cmd("COMMAND HELP");
  CHECK(
      help.starts_with("[+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, "
                       "+(no subcommand), "));
  CHECK(Contains(help, "+GETKEYS <full-command>"));
  CHECK(t.Cmd("COMMAND FOO") == "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.");
}

// ---- the COMMAND DOCS grammar ----

TEST_CASE("the GET grammar documents a key argument exactly as Redis does") {
  CHECK(ArgDocs("key") == "[[name, key, type, key, key_spec_index, :0]]");
}

TEST_CASE("the SET grammar documents choices, tokens and tokens with arguments as Redis does") {
  CHECK(ArgDocs("key value [NX | XX] [GET] [EX seconds | PX milliseconds | "
                "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
                true, 3) ==
        "[{name: key, type: key, key_spec_index: :0}, {name: value, type: string}, "
        "{name: condition, type: oneof, flags: ~[+optional], arguments: ["
        "{name: nx, type: pure-token, token: NX}, {name: xx, type: pure-token, token: XX}]}, "
        "{name: get, type: pure-token, token: GET, flags: ~[+optional]}, "
        "{name: expiration, type: oneof, flags: ~[+optional], arguments: ["
        "{name: seconds, type: integer, token: EX}, "
        "{name: milliseconds, type: integer, token: PX}, "
        "{name: unix-time-seconds, type: unix-time, token: EXAT}, "
        "{name: unix-time-milliseconds, type: unix-time, token: PXAT}, "
        "{name: keepttl, type: pure-token, token: KEEPTTL}]}]");
}

TEST_CASE("the grammar reads repetition as multiple, and repeated groups as a block") {
  CHECK(ArgDocs("key [key ...]") ==
        "[[name, key, type, key, key_spec_index, :0, flags, [+multiple]]]");
  CHECK(ArgDocs("[section [section ...]]", false) ==
        "[[name, section, type, string, flags, [+optional, +multiple]]]");
  CHECK(ArgDocs("key value [key value ...]") ==
        "[[name, key_value, type, block, flags, [+multiple], arguments, [[name, key, type, key, "
        "key_spec_index, :0], [name, value, type, string]]]]");
  CHECK(ArgDocs("numkeys key ...") ==
        "[[name, numkeys, type, integer], [name, key, type, key, key_spec_index, :0, flags, "
        "[+multiple]]]");
  CHECK(ArgDocs("[arg ...]", false) ==
        "[[name, arg, type, string, flags, [+optional, +multiple]]]");
}

TEST_CASE("the grammar attaches tokens to what follows them inside a group") {
  CHECK(ArgDocs("[WEIGHTS weight [weight ...]]", false) ==
        "[[name, weight, type, string, token, WEIGHTS, flags, [+optional, +multiple]]]");
  CHECK(ArgDocs("[LIMIT offset count]", false) ==
        "[[name, limit, type, block, token, LIMIT, flags, [+optional], arguments, [[name, offset, "
        "type, integer], [name, count, type, integer]]]]");
  CHECK(ArgDocs("[FILTERBY <MODULE module-name | PATTERN pattern>]", false) ==
        "[[name, filterby, type, oneof, token, FILTERBY, flags, [+optional], arguments, [[name, "
        "module-name, type, string, token, MODULE], [name, pattern, type, pattern, token, "
        "PATTERN]]]]");
  CHECK(ArgDocs("[ID client-id [client-id ...]]", false) ==
        "[[name, client-id, type, integer, token, ID, flags, [+optional, +multiple]]]");
}

TEST_CASE("the grammar types key names as keys only for commands that take keys") {
  CHECK(ArgDocs("key1 key2 newkey destination", true) ==
        "[[name, key1, type, key, key_spec_index, :0], [name, key2, type, key, key_spec_index, "
        ":1], [name, newkey, type, key, key_spec_index, :2], [name, destination, type, key, "
        "key_spec_index, :3]]");
  CHECK(ArgDocs("key pattern score", false) ==
        "[[name, key, type, string], [name, pattern, type, pattern], [name, score, type, "
        "double]]");
}

TEST_CASE("the grammar tolerates an unclosed bracket and an empty syntax") {
  CHECK(ArgDocs("key [NX", true) ==
        "[[name, key, type, key, key_spec_index, :0], [name, nx, type, pure-token, token, NX, "
        "flags, [+optional]]]");
  CHECK(ArgDocs("") == "[]");
  CHECK(ArgDocs("[]") == "[]");
}

TEST_CASE("every registered command's documentation parses into named, typed arguments") {
  InProcess t;
  std::string docs = t.Cmd("COMMAND DOCS");
  CHECK(docs.starts_with("["));
  CHECK_FALSE(Contains(docs, "name, , "));
  CHECK_FALSE(Contains(docs, "type, , "));
}

TEST_CASE("unknown commands and wrong arity are reported before NOAUTH, and count as rejected") {
  cairn::server::Config config;
  config.requirepass = "s3cret";
  InProcess t(config);
  t.client().authenticated = false;
  CHECK(t.Cmd("NOSUCH a") == "-ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  CHECK(t.Cmd("GET") == "-ERR wrong number of arguments for 'get' command");
  CHECK(t.Cmd("GET a") == "-NOAUTH Authentication required.");
  CHECK(t.Cmd("AUTH s3cret") == "+OK");
  std::string info = t.Cmd("INFO commandstats");
  CHECK(info.find("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0") !=
        std::string::npos);
}

TEST_CASE("unixsocketperm is read and shown in octal, as in redis.conf") {
  cairn::server::ConfigStore config;
  CHECK(config.LoadText("unixsocketperm 770\n", "test.conf").ok());
  CHECK(config.Snapshot().unixsocketperm == 0770);
  CHECK(config.Get("unixsocketperm")[0].second == "770");
  CHECK_FALSE(config.LoadText("unixsocketperm 999\n", "test.conf").ok());
}
