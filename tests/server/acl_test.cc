// ACL rules and checks: parsing (good and malformed rules), what a user may run, the texts
// ACL commands reply with, and AUTH against ACL users, all in-process.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "src/base/sha256.h"
#include "src/exec/acl_user.h"
#include "tests/server/harness.h"

using cairn::test::InProcess;
using cairn::test::SplitCommand;
using namespace cairn::server;

namespace {

// Checks rules against a fresh user and returns the verdict for command line.
AclDenial Verdict(InProcess& t, std::initializer_list<std::string_view> rules,
                  std::string_view line) {
  AclUser user("u", t.state().commands);
  for (std::string_view r : rules) REQUIRE(user.Apply(t.state().commands, r).ok());
  std::vector<std::string> words = SplitCommand(line);
  std::vector<std::string_view> args(words.begin(), words.end());
  const CommandSpec* spec = t.state().commands.Find(args[0]);
  if (!spec->subcommands.empty()) spec = CommandTable::FindSub(*spec, args[1]);
  return user.Check(*spec, args).denial;
}

}  // namespace

TEST_CASE("SHA-256 gives the standard digests") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex(std::string(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  CHECK(Sha256Hex(std::string(56, 'x')).size() == 64);  // padding spills into a second block
}

TEST_CASE("command rules allow commands, categories and subcommands") {
  InProcess t;
  CHECK(Verdict(t, {"+get", "allkeys"}, "GET k") == AclDenial::kNone);
  CHECK(Verdict(t, {"+get", "allkeys"}, "SET k v") == AclDenial::kCommand);
  CHECK(Verdict(t, {"+@string", "-append", "allkeys"}, "APPEND k v") == AclDenial::kCommand);
  CHECK(Verdict(t, {"+@string", "-append", "allkeys"}, "INCR k") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "-@dangerous"}, "FLUSHALL") == AclDenial::kCommand);
  CHECK(Verdict(t, {"+config|get"}, "CONFIG GET x") == AclDenial::kNone);
  CHECK(Verdict(t, {"+config|get"}, "CONFIG SET x y") == AclDenial::kCommand);
  CHECK(Verdict(t, {"+select|0"}, "SELECT 0") == AclDenial::kNone);
  CHECK(Verdict(t, {"+select|0"}, "SELECT 1") == AclDenial::kCommand);
  CHECK(Verdict(t, {"allcommands", "nocommands"}, "PING") == AclDenial::kCommand);
  CHECK(Verdict(t, {}, "AUTH x") == AclDenial::kNone);  // always allowed, as in Redis
}

TEST_CASE("key patterns grant read, write or both as the command needs") {
  InProcess t;
  CHECK(Verdict(t, {"+@all", "~app:*"}, "GET app:1") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "~app:*"}, "GET other") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "~app:*"}, "MSET app:1 x other y") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%R~r*"}, "GET r1") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "%R~r*"}, "SET r1 x") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "SET w1 x") == AclDenial::kNone);  // no GET: no read
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "SET w1 x GET") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "GET w1") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%R~s*", "%W~d*"}, "COPY s1 d1") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "%R~s*", "%W~d*"}, "COPY d1 s1") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "~a*"}, "EVAL x 2 a1 b1") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "~a*"}, "EVAL x 1 a1 b1") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "~a*"}, "SORT a1 STORE b1") == AclDenial::kKey);
}

TEST_CASE("channel patterns govern publishing and subscribing") {
  InProcess t;
  CHECK(Verdict(t, {"+@all", "&news.*"}, "PUBLISH news.a x") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "&news.*"}, "PUBLISH sport x") == AclDenial::kChannel);
  CHECK(Verdict(t, {"+@all", "&news.*"}, "SUBSCRIBE news.a sport") == AclDenial::kChannel);
  // A pattern subscription must be one of the allowed patterns, not merely match one.
  CHECK(Verdict(t, {"+@all", "&news.*"}, "PSUBSCRIBE news.*") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "&news.*"}, "PSUBSCRIBE news.a*") == AclDenial::kChannel);
  CHECK(Verdict(t, {"+@all", "allchannels"}, "PUBLISH any x") == AclDenial::kNone);
}

TEST_CASE("a command runs when any selector allows all of it") {
  InProcess t;
  CHECK(Verdict(t, {"+get", "~a*", "(+set ~b*)"}, "SET b1 x") == AclDenial::kNone);
  CHECK(Verdict(t, {"+get", "~a*", "(+set ~b*)"}, "SET a1 x") == AclDenial::kKey);
  CHECK(Verdict(t, {"+get", "~a*", "(+set ~b*)"}, "DEL a1") == AclDenial::kCommand);
}

TEST_CASE("malformed rules are refused with Redis's texts") {
  InProcess t;
  auto err = [&](std::initializer_list<std::string> rules) {
    std::vector<std::string> v(rules);
    cairn::Status s = t.state().acl.SetUser("bad", v);
    return s.ok() ? std::string("OK") : std::string(s.message());
  };
  CHECK(err({"bogus"}) == "Error in ACL SETUSER modifier 'bogus': Syntax error");
  CHECK(err({"+nosuch"}) ==
        "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  CHECK(err({"+@nosuch"}) ==
        "Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL");
  CHECK(err({"#abc"}) ==
        "Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters "
        "and contain only lowercase hexadecimal characters");
  CHECK(err({"<never"})
            .ends_with("The password you are trying to remove from the user does not exist"));
  CHECK(
      err({"~*", "~a"})
          .starts_with("Error in ACL SETUSER modifier '~a': Adding a pattern after the * pattern"));
  CHECK(err({"%X~a"}) == "Error in ACL SETUSER modifier '%X~a': Syntax error");
  CHECK(err({"+config|get|x"}) ==
        "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is "
        "not supported");
  CHECK(err({"(+get", "~x"}) == "Unmatched parenthesis in acl selector starting at '(+get'.");
  // A failed SETUSER changes nothing: the user was not even created.
  CHECK(t.Cmd("ACL GETUSER bad") == "(nil)");
  // A very long password is only hashed: no limit, no crash.
  CHECK(err({">" + std::string(1 << 20, 'p'), "on"}) == "OK");
}

TEST_CASE("ACL LIST describes users with rules that rebuild them") {
  InProcess t;
  CHECK(t.Cmd("ACL SETUSER u on >pw ~k* %R~r* &ch -@all +@hash -hdel") == "+OK");
  CHECK(t.Cmd("ACL LIST") ==
        "[user default on nopass ~* &* +@all, user u on "
        "#30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* %R~r* "
        "resetchannels &ch -@all +@hash -hdel]");
  CHECK(t.Cmd("ACL SETUSER v +@all -@dangerous ~*") == "+OK");
  CHECK(t.Cmd("ACL LIST").ends_with("user v off ~* resetchannels +@all -@dangerous]"));
  CHECK(t.Cmd("ACL USERS") == "[default, u, v]");
  CHECK(t.Cmd("ACL DELUSER v nosuch") == ":1");
  CHECK(t.Cmd("ACL DELUSER default") == "-ERR The 'default' user cannot be removed");
  CHECK(t.Cmd("ACL CAT nosuch") == "-ERR Unknown category 'nosuch'");
  CHECK(t.Cmd("ACL DRYRUN u hget k1 f") == "+OK");
  CHECK(t.Cmd("ACL DRYRUN u hget other f") ==
        "This user has no permissions to access the 'other' key");
  CHECK(t.Cmd("ACL DRYRUN u set k1 v") == "This user has no permissions to run the 'set' command");
  CHECK(t.Cmd("ACL DRYRUN nosuch get k") == "-ERR User 'nosuch' not found");
  CHECK(t.Cmd("ACL GENPASS 0").starts_with("-ERR ACL GENPASS argument must be"));
  CHECK(t.Cmd("ACL GENPASS 10").size() == 3);
  CHECK(t.Cmd("ACL GENPASS").size() == 64);
}

TEST_CASE("AUTH logs in ACL users; refused commands reply NOPERM and are logged") {
  InProcess t;
  CHECK(t.Cmd("ACL SETUSER ro on >pw +@read ~app:*") == "+OK");
  CHECK(t.Cmd("AUTH ro wrong") == "-WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(t.Cmd("AUTH ro pw") == "+OK");
  CHECK(t.Cmd("ACL WHOAMI") ==
        "-NOPERM this user has no permissions to run the 'acl|whoami' "
        "command");
  CHECK(t.Cmd("GET app:1") == "(nil)");
  CHECK(t.Cmd("SET app:1 x") == "-NOPERM this user has no permissions to run the 'set' command");
  CHECK(t.Cmd("GET other") ==
        "-NOPERM this user has no permissions to access one of the keys used as arguments");
  CHECK(t.Cmd("AUTH default x") == "+OK");
  CHECK(t.Cmd("ACL LOG 1")
            .starts_with("[[count, :1, reason, key, context, toplevel, object, "
                         "other, username, ro"));
  CHECK(t.Cmd("ACL SETUSER ro off") == "+OK");
  CHECK(t.Cmd("AUTH ro pw") == "-WRONGPASS invalid username-password pair or user is disabled.");
  // The second failed login as ro within a minute: one entry, counted twice.
  CHECK(t.Cmd("ACL LOG 1")
            .starts_with("[[count, :2, reason, auth, context, toplevel, object, "
                         "AUTH, username, ro"));
  CHECK(t.Cmd("ACL LOG RESET") == "+OK");
  CHECK(t.Cmd("ACL LOG") == "[]");
}

TEST_CASE("changing a user's rules applies to its logged-in clients at once") {
  InProcess t;
  CHECK(t.Cmd("ACL SETUSER app on nopass +@all ~*") == "+OK");
  CHECK(t.Cmd("AUTH app x") == "+OK");
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("ACL SETUSER app -set") == "+OK");
  CHECK(t.Cmd("SET a 1") == "-NOPERM this user has no permissions to run the 'set' command");
}

TEST_CASE("requirepass is the default user's password") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET requirepass s3cret") == "+OK");
  CHECK(t.Cmd("ACL GETUSER default").find(Sha256Hex("s3cret")) != std::string::npos);
  CHECK(t.Cmd("AUTH s3cret") == "+OK");
  CHECK(t.Cmd("ACL SETUSER default >other") == "+OK");
  CHECK(t.Cmd("CONFIG SET hz 11") == "+OK");  // an unrelated change keeps ACL's passwords
  CHECK(t.Cmd("AUTH other") == "+OK");
  CHECK(t.Cmd("CONFIG SET requirepass \"\"") == "+OK");
}

TEST_CASE("SET reads its key only with the GET option, not with a value that reads get") {
  InProcess t;
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "SET w1 get") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "SET w1 bar GET") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%W~w*"}, "BITFIELD w1 GET u8 0") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%R~w*"}, "BITFIELD w1 GET u8 0") == AclDenial::kNone);
}

TEST_CASE("a key count running past the arguments names no keys, as Redis finds none") {
  InProcess t;
  CHECK(Verdict(t, {"+@all", "%RW~rw*", "%R~read*"}, "EVAL x 3 rw read") == AclDenial::kNone);
  CHECK(Verdict(t, {"+@all", "%RW~rw*", "%R~read*"}, "EVAL x 2 rw read") == AclDenial::kKey);
  CHECK(Verdict(t, {"+@all", "%RW~rw*"}, "EVAL x 0 read") == AclDenial::kNone);
}

TEST_CASE("SORT's BY and GET patterns need a user that reads every key") {
  InProcess t;
  CHECK(t.Cmd("RPUSH mylist 2 1") == ":2");
  CHECK(t.Cmd("SET w_1 5") == "+OK");
  CHECK(t.Cmd("ACL SETUSER s on nopass +@all ~mylist ~w_*") == "+OK");
  CHECK(t.Cmd("AUTH s x") == "+OK");
  CHECK(t.Cmd("SORT mylist BY w_*") ==
        "-ERR BY option of SORT denied due to insufficient ACL permissions.");
  CHECK(t.Cmd("SORT_RO mylist GET #") ==
        "-ERR GET option of SORT denied due to insufficient ACL permissions.");
  CHECK(t.Cmd("SORT mylist BY nosort") == "[2, 1]");  // no pattern, no other keys
  CHECK(t.Cmd("ACL SETUSER s (+sort ~mylist %R~*)") == "+OK");
  CHECK(t.Cmd("SORT mylist BY w_* GET #") == "[2, 1]");
}

TEST_CASE("READONLY and READWRITE exist, as in Redis without cluster support") {
  InProcess t;
  CHECK(t.Cmd("READONLY") == "-ERR This instance has cluster support disabled");
  CHECK(t.Cmd("ACL SETUSER scripter on nopass +readonly") == "+OK");
  CHECK(t.Cmd("ACL DRYRUN scripter EVAL_RO x 0") ==
        "This user has no permissions to run the 'eval_ro' command");
  CHECK(t.Cmd("ACL CAT connection").find("readwrite") != std::string::npos);
}
