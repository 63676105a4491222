// tests/server/connection_commands_test.cc — PING, ECHO, QUIT, HELLO, AUTH, SELECT and CLIENT,
// in-process, in RESP2 and RESP3.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "tests/server/failing_wal.h"
#include "tests/server/harness.h"

using cairn::server::ClientRegistry;
using cairn::server::ClientState;
using cairn::server::Config;
using cairn::test::InProcess;

namespace {

constexpr const char* kHello2 =
    "[server, redis, version, 7.0.15, proto, :2, id, :ID, mode, standalone, role, master, "
    "modules, [], cairn_version, 0.1.0]";

std::string WithId(std::string text, uint64_t id) {
  size_t at = text.find("ID");
  return text.replace(at, 2, std::to_string(id));
}

// A second client registered with the server for as long as the test needs it.
struct OtherClient {
  explicit OtherClient(InProcess& t, std::string addr = "10.0.0.7:5000")
      : registry(t.state().clients) {
    state.addr = std::move(addr);
    state.laddr = "127.0.0.1:6379";
    state.fd = 42;
    state.wake = [this] { wakes.fetch_add(1); };
    registry.Add(&state);
  }
  ~OtherClient() { registry.Remove(&state); }
  ClientRegistry& registry;
  ClientState state;
  std::atomic<int> wakes{0};
};

Config WithPassword(const char* password) {
  Config config;
  config.requirepass = password;
  return config;
}

}  // namespace

TEST_CASE("PING replies PONG, or echoes its argument as a bulk string") {
  InProcess t;
  CHECK(t.Cmd("PING") == "+PONG");
  CHECK(t.Cmd("PING hello") == "hello");
  CHECK(t.Cmd("PING a b") == "-ERR wrong number of arguments for 'ping' command");
}

TEST_CASE("ECHO replies with its argument") {
  InProcess t;
  CHECK(t.Run({"ECHO", "hello world"}) == "hello world");
  CHECK(t.Cmd("ECHO") == "-ERR wrong number of arguments for 'echo' command");
}

TEST_CASE("QUIT replies OK and asks for the connection to close after the reply") {
  InProcess t;
  CHECK_FALSE(t.client().close_after_reply);
  CHECK(t.Cmd("QUIT") == "+OK");
  CHECK(t.client().close_after_reply);
}

TEST_CASE("SELECT switches the database the client's commands see") {
  InProcess t;
  CHECK(t.Cmd("SET k zero") == "+OK");
  CHECK(t.Cmd("SELECT 3") == "+OK");
  CHECK(t.client().db.load() == 3);
  CHECK(t.Cmd("GET k") == "(nil)");
  CHECK(t.Cmd("SET k three") == "+OK");
  CHECK(t.Cmd("SELECT 0") == "+OK");
  CHECK(t.Cmd("GET k") == "zero");
}

TEST_CASE("SELECT rejects indexes that are not integers or out of range") {
  InProcess t;
  CHECK(t.Cmd("SELECT 16") == "-ERR DB index is out of range");
  CHECK(t.Cmd("SELECT -1") == "-ERR DB index is out of range");
  CHECK(t.Cmd("SELECT x") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("SELECT 01") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("SELECT 99999999999") == "-ERR value is not an integer or out of range");
  CHECK(t.client().db.load() == 0);
}

TEST_CASE("HELLO without arguments describes the server in the current protocol") {
  InProcess t;
  CHECK(t.Cmd("HELLO") == WithId(kHello2, t.client().id));
  CHECK(t.client().protocol == 2);
}

TEST_CASE("HELLO 3 switches the connection to RESP3 and answers in RESP3") {
  InProcess t;
  CHECK(t.Cmd("HELLO 3") ==
        WithId("{server: redis, version: 7.0.15, proto: :3, id: :ID, mode: standalone, role: "
               "master, modules: [], cairn_version: 0.1.0}",
               t.client().id));
  CHECK(t.client().protocol == 3);
  CHECK(t.Cmd("CONFIG GET port") == "{port: 6379}");
  CHECK(t.Cmd("GET nosuch") == "(nil)");
  CHECK(t.Cmd("HELLO 2") == WithId(kHello2, t.client().id));
  CHECK(t.Cmd("CONFIG GET port") == "[port, 6379]");
}

TEST_CASE("HELLO with an unsupported or malformed protocol version changes nothing") {
  InProcess t;
  CHECK(t.Cmd("HELLO 4") == "-NOPROTO unsupported protocol version");
  CHECK(t.Cmd("HELLO 1") == "-NOPROTO unsupported protocol version");
  CHECK(t.Cmd("HELLO abc") == "-ERR Protocol version is not an integer or out of range");
  CHECK(t.client().protocol == 2);
}

TEST_CASE("HELLO names the option it cannot parse") {
  InProcess t;
  CHECK(t.Cmd("HELLO 3 FOO") == "-ERR Syntax error in HELLO option 'FOO'");
  CHECK(t.Cmd("HELLO 3 AUTH") == "-ERR Syntax error in HELLO option 'AUTH'");
  CHECK(t.Cmd("HELLO 3 AUTH default") == "-ERR Syntax error in HELLO option 'AUTH'");
  CHECK(t.Cmd("HELLO 3 SETNAME") == "-ERR Syntax error in HELLO option 'SETNAME'");
  CHECK(t.Cmd("HELLO 3 SETNAME a b") == "-ERR Syntax error in HELLO option 'b'");
  CHECK(t.client().protocol == 2);
}

TEST_CASE("HELLO SETNAME names the connection and validates the name") {
  InProcess t;
  CHECK(t.Cmd("HELLO 2 SETNAME worker-1").starts_with("[server, redis"));
  CHECK(t.Cmd("CLIENT GETNAME") == "worker-1");
  CHECK(t.Run({"HELLO", "3", "SETNAME", "bad name"}) ==
        "-ERR Client names cannot contain spaces, newlines or special characters.");
  CHECK(t.client().protocol == 2);
  CHECK(t.Cmd("CLIENT GETNAME") == "worker-1");
}

TEST_CASE("HELLO AUTH accepts any password for the default user when none is configured") {
  InProcess t;
  CHECK(t.Cmd("HELLO 3 AUTH default whatever").starts_with("{server: redis"));
  CHECK(t.Cmd("HELLO 3 AUTH alice whatever") ==
        "-WRONGPASS invalid username-password pair or user is disabled.");
}

TEST_CASE("with requirepass, HELLO needs AUTH until the client has authenticated") {
  InProcess t(WithPassword("secret"));
  t.client().authenticated = false;
  CHECK(t.Cmd("PING") == "-NOAUTH Authentication required.");
  CHECK(t.Cmd("HELLO 3") ==
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
  CHECK(t.Cmd("HELLO 3 AUTH default wrong") ==
        "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK_FALSE(t.client().authenticated);
  CHECK(t.client().protocol == 2);
  CHECK(t.Cmd("HELLO 3 AUTH default secret SETNAME app").starts_with("{server: redis"));
  CHECK(t.client().authenticated);
  CHECK(t.client().protocol == 3);
  CHECK(t.Cmd("CLIENT GETNAME") == "app");
  CHECK(t.Cmd("HELLO").starts_with("{server: redis"));
}

TEST_CASE("AUTH with a password but no requirepass is refused with Redis's hint") {
  InProcess t;
  CHECK(t.Cmd("AUTH secret") ==
        "-ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  CHECK(t.Cmd("AUTH default anything") == "+OK");
  CHECK(t.Cmd("AUTH alice anything") ==
        "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(t.Cmd("AUTH a b c") == "-ERR syntax error");
  CHECK(t.Cmd("AUTH") == "-ERR wrong number of arguments for 'auth' command");
}

TEST_CASE("AUTH with requirepass authenticates only the right password") {
  InProcess t(WithPassword("secret"));
  t.client().authenticated = false;
  CHECK(t.Cmd("AUTH wrong") == "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(t.Cmd("AUTH secretx") == "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(t.Cmd("AUTH default secre") ==
        "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK_FALSE(t.client().authenticated);
  CHECK(t.Cmd("ECHO x") == "-NOAUTH Authentication required.");
  CHECK(t.Cmd("AUTH secret") == "+OK");
  CHECK(t.client().authenticated);
  CHECK(t.Cmd("ECHO x") == "x");
  CHECK(t.Cmd("AUTH default secret") == "+OK");
}

TEST_CASE("QUIT works before authentication") {
  InProcess t(WithPassword("secret"));
  t.client().authenticated = false;
  CHECK(t.Cmd("QUIT") == "+OK");
  CHECK(t.client().close_after_reply);
}

TEST_CASE("an unauthenticated client gets NOAUTH before MISCONF or LOADING, as in Redis") {
  InProcess t(WithPassword("secret"));
  cairn::test::FailingWal wal(t);
  wal.Fail();
  t.client().authenticated = false;
  // The disk's error is not for a client that has not authenticated.
  CHECK(t.Cmd("SET a b") == "-NOAUTH Authentication required.");
  t.state().loading = true;
  CHECK(t.Cmd("GET a") == "-NOAUTH Authentication required.");
  CHECK(t.Cmd("SET a b") == "-NOAUTH Authentication required.");
  CHECK(t.Cmd("AUTH secret") == "+OK");
  // Then MISCONF comes before LOADING.
  CHECK(t.Cmd("SET a b") == "-MISCONF Errors writing to the AOF file: No space left on device");
  CHECK(t.Cmd("GET a") == "-LOADING Redis is loading the dataset in memory");
  t.state().loading = false;
}

TEST_CASE("CLIENT ID replies with the connection's id") {
  InProcess t;
  CHECK(t.Cmd("CLIENT ID") == ":" + std::to_string(t.client().id));
  CHECK(t.Cmd("CLIENT ID x") == "-ERR wrong number of arguments for 'client|id' command");
}

TEST_CASE("CLIENT SETNAME names the connection, GETNAME reads it, an empty name clears it") {
  InProcess t;
  CHECK(t.Cmd("CLIENT GETNAME") == "(nil)");
  CHECK(t.Cmd("CLIENT SETNAME myconn") == "+OK");
  CHECK(t.Cmd("CLIENT GETNAME") == "myconn");
  CHECK(t.Run({"CLIENT", "SETNAME", ""}) == "+OK");
  CHECK(t.Cmd("CLIENT GETNAME") == "(nil)");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(t.Cmd("CLIENT GETNAME") == "(nil)");
}

TEST_CASE("CLIENT SETNAME rejects spaces, newlines and special characters") {
  InProcess t;
  const char* kError = "-ERR Client names cannot contain spaces, newlines or special characters.";
  CHECK(t.Run({"CLIENT", "SETNAME", "a b"}) == kError);
  CHECK(t.Run({"CLIENT", "SETNAME", "a\nb"}) == kError);
  CHECK(t.Run({"CLIENT", "SETNAME", "caf\xc3\xa9"}) == kError);
  CHECK(t.Cmd("CLIENT GETNAME") == "(nil)");
  CHECK(t.Cmd("CLIENT SETNAME") == "-ERR wrong number of arguments for 'client|setname' command");
}

TEST_CASE("CLIENT INFO describes the calling connection in Redis's format") {
  InProcess t;
  std::string id = std::to_string(t.client().id);
  CHECK(t.Cmd("CLIENT INFO") ==
        "id=" + id +
            " addr=in-process:0 laddr=in-process:0 fd=-1 name= age=0 idle=0 flags=N db=0 "
            "sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 "
            "rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client|info user=default "
            "redir=-1 resp=2\n");
  CHECK(t.Cmd("SELECT 2") == "+OK");
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  std::string info = t.Cmd("CLIENT INFO");
  CHECK(info.starts_with("=txt:id=" + id + " "));
  CHECK(info.find(" db=2 ") != std::string::npos);
  CHECK(info.ends_with(" resp=3\n"));
}

TEST_CASE("CLIENT SETINFO sets the library name and version shown by CLIENT INFO") {
  InProcess t;
  CHECK(t.Cmd("CLIENT INFO").find("lib-name") == std::string::npos);
  CHECK(t.Cmd("CLIENT SETINFO LIB-NAME redis-py") == "+OK");
  CHECK(t.Cmd("CLIENT SETINFO lib-ver 5.0.1") == "+OK");
  CHECK(t.Cmd("CLIENT INFO").ends_with(" resp=2 lib-name=redis-py lib-ver=5.0.1\n"));
  CHECK(t.Cmd("CLIENT SETINFO color blue") == "-ERR Unrecognized option 'color'");
  CHECK(t.Run({"CLIENT", "SETINFO", "lib-ver", "1 2"}) ==
        "-ERR lib-ver cannot contain spaces, newlines or special characters.");
  CHECK(t.Cmd("CLIENT SETINFO lib-name") ==
        "-ERR wrong number of arguments for 'client|setinfo' command");
}

TEST_CASE("CLIENT LIST shows every connection, one line each") {
  InProcess t;
  OtherClient other(t);
  other.state.db = 5;
  other.state.last_command = t.state().commands.Find("get");
  CHECK(t.Cmd("CLIENT SETNAME me") == "+OK");
  std::string list = t.Cmd("CLIENT LIST");
  std::string mine = "id=" + std::to_string(t.client().id) + " addr=in-process:0 ";
  std::string theirs = "id=" + std::to_string(other.state.id) +
                       " addr=10.0.0.7:5000 laddr=127.0.0.1:6379 fd=42 name= ";
  CHECK(list.find(mine) == 0);
  CHECK(list.find(" name=me ") != std::string::npos);
  CHECK(list.find(" cmd=client|list ") != std::string::npos);
  size_t second = list.find('\n') + 1;
  CHECK(list.substr(second).starts_with(theirs));
  CHECK(list.find(" db=5 ") != std::string::npos);
  CHECK(list.find(" cmd=get ") != std::string::npos);
  CHECK(list.ends_with("\n"));
  CHECK(std::count(list.begin(), list.end(), '\n') == 2);
}

TEST_CASE("CLIENT LIST filters by type and by id") {
  InProcess t;
  OtherClient other(t);
  std::string other_id = std::to_string(other.state.id);
  std::string normal = t.Cmd("CLIENT LIST TYPE NORMAL");
  CHECK(std::count(normal.begin(), normal.end(), '\n') == 2);
  CHECK(t.Cmd("CLIENT LIST TYPE pubsub") == "");
  CHECK(t.Cmd("CLIENT LIST TYPE replica") == "");
  CHECK(t.Cmd("CLIENT LIST TYPE bad") == "-ERR Unknown client type 'bad'");
  std::string by_id = t.Cmd("CLIENT LIST ID " + other_id + " 999 " + other_id);
  CHECK(by_id.starts_with("id=" + other_id + " "));
  CHECK(std::count(by_id.begin(), by_id.end(), '\n') == 2);
  CHECK(t.Cmd("CLIENT LIST ID 999") == "");
  CHECK(t.Cmd("CLIENT LIST ID 1 x") == "-ERR Invalid client ID");
  CHECK(t.Cmd("CLIENT LIST ID") == "-ERR syntax error");
  CHECK(t.Cmd("CLIENT LIST TYPE") == "-ERR syntax error");
  CHECK(t.Cmd("CLIENT LIST FOO") == "-ERR syntax error");
}

TEST_CASE("CLIENT LIST is a verbatim string in RESP3") {
  InProcess t;
  CHECK(t.Cmd("HELLO 3").starts_with("{"));
  CHECK(t.Cmd("CLIENT LIST").starts_with("=txt:id="));
  CHECK(t.Cmd("CLIENT LIST TYPE pubsub") == "=txt:");
}

TEST_CASE("CLIENT KILL ID asks another connection to close and wakes its thread") {
  InProcess t;
  OtherClient other(t);
  CHECK(t.Cmd("CLIENT KILL ID " + std::to_string(other.state.id)) == ":1");
  CHECK(other.state.kill_requested.load());
  CHECK(other.wakes.load() == 1);
  CHECK_FALSE(t.client().close_after_reply);
  // A client already being closed is not killed twice.
  CHECK(t.Cmd("CLIENT KILL ID " + std::to_string(other.state.id)) == ":0");
  CHECK(other.wakes.load() == 1);
}

TEST_CASE("CLIENT KILL filters combine, and the caller is skipped unless SKIPME no") {
  InProcess t;
  OtherClient a(t, "10.0.0.1:1000");
  OtherClient b(t, "10.0.0.2:2000");
  CHECK(t.Cmd("CLIENT KILL ADDR 10.0.0.9:1") == ":0");
  CHECK(t.Cmd("CLIENT KILL ADDR 10.0.0.1:1000 ID " + std::to_string(b.state.id)) == ":0");
  CHECK(t.Cmd("CLIENT KILL LADDR 127.0.0.1:6379 USER default TYPE normal") == ":2");
  CHECK(a.state.kill_requested.load());
  CHECK(b.state.kill_requested.load());
  CHECK_FALSE(t.client().close_after_reply);
  CHECK(t.Cmd("CLIENT KILL ADDR in-process:0") == ":0");
  CHECK(t.Cmd("CLIENT KILL TYPE pubsub SKIPME no") == ":0");
  CHECK_FALSE(t.client().close_after_reply);
  CHECK(t.Cmd("CLIENT KILL ADDR in-process:0 SKIPME no") == ":1");
  CHECK(t.client().close_after_reply);
}

TEST_CASE("CLIENT KILL ip:port, the old form, replies OK or No such client") {
  InProcess t;
  OtherClient other(t, "10.0.0.3:3000");
  CHECK(t.Cmd("CLIENT KILL 10.0.0.3:3001") == "-ERR No such client");
  CHECK(t.Cmd("CLIENT KILL ID") == "-ERR No such client");
  CHECK(t.Cmd("CLIENT KILL 10.0.0.3:3000") == "+OK");
  CHECK(other.state.kill_requested.load());
  // The old form does not spare the caller.
  CHECK(t.Cmd("CLIENT KILL in-process:0") == "+OK");
  CHECK(t.client().close_after_reply);
}

TEST_CASE("CLIENT KILL reports bad filters with Redis's errors") {
  InProcess t;
  CHECK(t.Cmd("CLIENT KILL ID 0") == "-ERR client-id should be greater than 0");
  CHECK(t.Cmd("CLIENT KILL ID -1") == "-ERR client-id should be greater than 0");
  CHECK(t.Cmd("CLIENT KILL ID abc") == "-ERR client-id should be greater than 0");
  CHECK(t.Cmd("CLIENT KILL TYPE foo") == "-ERR Unknown client type 'foo'");
  CHECK(t.Cmd("CLIENT KILL USER nobody") == "-ERR No such user 'nobody'");
  CHECK(t.Cmd("CLIENT KILL SKIPME maybe") == "-ERR syntax error");
  CHECK(t.Cmd("CLIENT KILL FOO bar") == "-ERR syntax error");
  CHECK(t.Cmd("CLIENT KILL ID 1 SKIPME") == "-ERR syntax error");
  CHECK(t.Cmd("CLIENT KILL") == "-ERR wrong number of arguments for 'client|kill' command");
  CHECK_FALSE(t.client().close_after_reply);
}

TEST_CASE("CLIENT HELP lists the subcommands; unknown subcommands point to it") {
  InProcess t;
  std::string help = t.Cmd("CLIENT HELP");
  CHECK(
      help.starts_with("[+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, +ID, "));
  CHECK(help.find("+SETINFO <LIB-NAME|LIB-VER> <value>") != std::string::npos);
  CHECK(help.ends_with("+HELP, +    Prints this help.]"));
  CHECK(t.Cmd("CLIENT NOPE") == "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
  CHECK(t.Cmd("CLIENT") == "-ERR wrong number of arguments for 'client' command");
}
