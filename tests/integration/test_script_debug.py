"""The Lua debugger: SCRIPT DEBUG YES|SYNC|NO, then EVAL, driven as redis-cli --ldb drives it
(each debugger command a RESP command, each answer an array of status lines), with Redis 7.0's
texts. Every expectation here was read from redis-server 7.0.15 first; run with CAIRN_SERVER
unset to check them against it again.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_script_debug.py
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (RawConnection, ServerTestCase, main,  # noqa: E402
                     skip_on_reference, wait_until)

SCRIPT = """local a = redis.call('incr', KEYS[1])
local t = {1, 2, 'x'}
redis.debug('a is', a, t)
local m = {k = 'v'}
redis.breakpoint()
local s = 0
for i = 1, 3 do
  s = s + i
end
return {a, s}
"""

LINES = SCRIPT.rstrip("\n").split("\n")
SHA = hashlib.sha1(SCRIPT.encode()).hexdigest().encode()


def text(reply):
    """An array of status replies as a list of str."""
    return [item.decode() if isinstance(item, bytes) else item for item in reply.to_py()]


def listing(current, lines, breakpoints=()):
    """The debugger's source lines: '-> ' marks the current one, '#' a breakpoint."""
    out = []
    for n in lines:
        here, bp = n == current, n in breakpoints
        prefix = "->#" if here and bp else "-> " if here else "  #" if bp else "   "
        out.append("%s%-3d %s" % (prefix, n, LINES[n - 1]))
    return out


class DebugSession(object):
    """One debugging session on a raw connection."""

    def __init__(self, port, mode, script=SCRIPT, keys=("counter",), args=()):
        self.conn = RawConnection(port)
        ok = self.conn.command("SCRIPT", "DEBUG", mode).to_py()
        assert ok == b"OK", ok
        self.conn.send_command("EVAL", script, str(len(keys)), *keys, *args)

    def first(self):
        return text(self.conn.read_reply())

    def cmd(self, *args, timeout=5.0):
        self.conn.send_command(*args)
        return text(self.conn.read_reply(timeout))

    def final(self):
        """The EVAL's own reply, after <endsession>; the server then closes."""
        reply = self.conn.read_reply().to_py()
        closed = self.conn.is_closed()
        self.conn.close()
        return reply, closed


class TestDebugger(ServerTestCase):
    def test_a_synchronous_session_steps_lists_prints_and_keeps_its_writes(self):
        s = DebugSession(self.port, "SYNC")
        self.assertEqual(s.first(), ["* Stopped at 1, stop reason = step over"] +
                         listing(1, [1]))
        self.assertEqual(s.cmd("s"), ["<redis> incr counter", "<reply> 1",
                                      "* Stopped at 2, stop reason = step over"] +
                         listing(2, [2]))
        self.assertEqual(s.cmd("list"), listing(2, range(1, 8)))
        self.assertEqual(s.cmd("l", "9", "1"), listing(2, range(8, 11)))
        self.assertEqual(s.cmd("p"), ["<value> a = 1"])
        self.assertEqual(s.cmd("p", "a"), ["<value> 1"])
        self.assertEqual(s.cmd("print", "KEYS"), ['<value> {"counter"}'])
        self.assertEqual(s.cmd("p", "nosuch"), ["No such variable."])
        self.assertEqual(s.cmd("t"), ["In top level:"] + listing(2, [2]))
        self.assertEqual(s.cmd("w"), listing(2, range(1, 11)))
        self.assertEqual(s.cmd("c"), ['<debug> line 3: "a is", 1, {1; 2; "x"}',
                                      "* Stopped at 6, stop reason = redis.breakpoint() called"] +
                         listing(6, [6]))
        self.assertEqual(s.cmd("p"), ["<value> a = 1", '<value> t = {1; 2; "x"}',
                                      '<value> m = {["k"]="v"}'])
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), ([1, 6], True))
        self.assertEqual(self.r.get("counter"), b"1")  # SYNC keeps what the script did

    def test_breakpoints(self):
        s = DebugSession(self.port, "sync")
        s.first()
        self.assertEqual(s.cmd("b"), ["No breakpoints set. Use 'b <line>' to add one."])
        self.assertEqual(s.cmd("b", "8"), listing(1, [7, 8, 9], breakpoints=[8]))
        self.assertEqual(s.cmd("break"), ["1 breakpoints set:"] + listing(1, [8], [8]))
        self.assertEqual(s.cmd("b", "8"), ["Wrong line number."])  # already set, as in Redis
        self.assertEqual(s.cmd("b", "99"), ["Wrong line number."])
        self.assertEqual(s.cmd("b", "x"), ["Invalid argument:'x'"])
        self.assertEqual(s.cmd("b", "-3"), ["No breakpoint in the specified line."])
        self.assertEqual(s.cmd("c")[-2:], ["* Stopped at 6, stop reason = redis.breakpoint() called"] +
                         listing(6, [6]))
        self.assertEqual(s.cmd("c"), ["* Stopped at 8, stop reason = break point"] +
                         listing(8, [8], [8]))
        self.assertEqual(s.cmd("p", "s"), ["<value> 0"])
        # eval runs in a frame of its own: the script's locals are not its globals.
        self.assertEqual(s.cmd("e", "s"), [
            "<error> ldb_eval:1: Script attempted to access nonexistent global variable 's'"])
        self.assertEqual(s.cmd("c")[0], "* Stopped at 8, stop reason = break point")
        self.assertEqual(s.cmd("p", "s"), ["<value> 1"])
        self.assertEqual(s.cmd("b", "-8"), ["Breakpoint removed."])
        self.assertEqual(s.cmd("b", "0"), ["All breakpoints removed."])
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), ([1, 6], True))

    def test_eval_redis_maxlen_and_unknown_commands(self):
        self.r.set("big", "x" * 300)
        s = DebugSession(self.port, "SYNC")
        s.first()
        self.assertEqual(s.cmd("e", "1+1"), ["<retval> 2"])
        self.assertEqual(s.cmd("eval", "redis.call('get', 'big'):len()"), ["<retval> 300"])
        self.assertEqual(s.cmd("e", "x = = 1"),
                         ["<error> ldb_eval:1: unexpected symbol near '='"])
        self.assertEqual(s.cmd("r", "set", "foo", "bar"),
                         ["<redis> set foo bar", '<reply> "+OK"'])
        self.assertEqual(s.cmd("redis", "hset", "h", "f", "v"), ["<redis> hset h f v", "<reply> 1"])
        self.assertEqual(s.cmd("r", "hgetall", "h"),
                         ["<redis> hgetall h", '<reply> ["f","v"]'])
        self.assertEqual(s.cmd("r", "get", "nokey"), ["<redis> get nokey", "<reply> NULL"])
        self.assertEqual(s.cmd("r", "incr", "foo"),
                         ["<redis> incr foo",
                          "<error> -ERR value is not an integer or out of range",
                          '<reply> "-ERR value is not an integer or out of range"'])
        self.assertEqual(s.cmd("r", "nosuchcmd"),
                         ["<redis> nosuchcmd", "<error> Unknown Redis command called from script"])
        # Replies past maxlen (256 by default) are cut, with a hint the first time.
        self.assertEqual(s.cmd("r", "get", "big"),
                         ["<redis> get big", ('<reply> "' + "x" * 300)[:256] + " ...",
                          "<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming."])
        self.assertEqual(s.cmd("m"), ["<value> replies are truncated at 256 bytes."])
        self.assertEqual(s.cmd("m", "10"), ["<value> replies are truncated at 60 bytes."])
        self.assertEqual(s.cmd("r", "get", "big"),
                         ["<redis> get big", ('<reply> "' + "x" * 300)[:60] + " ..."])
        self.assertEqual(s.cmd("maxlen", "0"), ["<value> replies are unlimited."])
        self.assertEqual(s.cmd("redis"),
                         ["<error> Unknown Redis Lua debugger command or wrong number of arguments."])
        self.assertEqual(s.cmd("zzz"),
                         ["<error> Unknown Redis Lua debugger command or wrong number of arguments."])
        help_text = s.cmd("h")
        self.assertEqual(help_text[0], "Redis Lua debugger help:")
        self.assertEqual(len(help_text), 30)
        self.assertEqual(s.cmd("c")[-2], "* Stopped at 6, stop reason = redis.breakpoint() called")
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        s.final()
        self.assertEqual(self.r.get("foo"), b"bar")  # what `redis` did stays too

    def test_resp3_replies_and_arguments_past_ten(self):
        script = "redis.setresp(3)\nredis.call('hset', KEYS[1], 'f', 'v')\n" \
                 "redis.call('hgetall', KEYS[1])\nredis.call('sadd', 'st', 'a')\n" \
                 "redis.call('smembers', 'st')\nredis.call('zadd', 'z', 1.5, 'm')\n" \
                 "redis.call('zscore', 'z', 'm')\nredis.call('get', 'nokey')\n" \
                 "redis.call('mset', 'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, 'f', 6)\nreturn 1"
        s = DebugSession(self.port, "SYNC", script=script, keys=("h",))
        s.first()
        logs = []
        for _ in range(9):  # to line 10
            logs += s.cmd("s")
        replies = [line for line in logs if line.startswith("<re")]
        self.assertEqual(replies, [
            "<redis> hset h f v", "<reply> 1",
            "<redis> hgetall h", '<reply> {"f" => "v"}',
            "<redis> sadd st a", "<reply> 1",
            "<redis> smembers st", '<reply> ~("a")',
            "<redis> zadd z 1.5 m", "<reply> 1",
            "<redis> zscore z m", "<reply> (double) 1.5",
            "<redis> get nokey", "<reply> (null)",
            "<redis> mset a 1 b 2 c 3 d 4 e ... (2 more)", '<reply> "+OK"'])
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), (1, True))

    def test_abort_ends_the_script_with_an_error(self):
        s = DebugSession(self.port, "SYNC")
        s.first()
        s.cmd("s")  # the INCR runs
        self.assertEqual(s.cmd("a"), ["<endsession>"])
        self.assertEqual(s.final(), (
            b"ERR script aborted for user request script: " + SHA + b", on @user_script:2.", True))
        self.assertEqual(self.r.get("counter"), b"1")  # SYNC keeps the writes before the abort

    def test_a_forked_session_discards_its_changes_and_the_server_goes_on(self):
        self.r.set("counter", 10)
        s = DebugSession(self.port, "YES")
        s.first()
        self.assertEqual(s.cmd("s")[:2], ["<redis> incr counter", "<reply> 11"])
        # Meanwhile the server serves others, who do not see the session's writes, and the
        # session does not see theirs.
        self.assertEqual(self.r.get("counter"), b"10")
        self.r.set("other", "live")
        self.assertEqual(s.cmd("r", "get", "other"), ["<redis> get other", "<reply> NULL"])
        self.assertEqual(s.cmd("c")[-2], "* Stopped at 6, stop reason = redis.breakpoint() called")
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), ([11, 6], True))
        self.assertEqual(self.r.get("counter"), b"10")
        self.assertEqual(self.r.get("other"), b"live")

    def test_a_script_that_does_not_compile_ends_the_session_at_once(self):
        s = DebugSession(self.port, "SYNC", script="return +", keys=())
        self.assertEqual(s.first(), ["<endsession>"])
        reply, closed = s.final()
        self.assertIn("Error compiling script", str(reply))
        self.assertTrue(closed)

    def test_evalsha_is_refused_and_debug_no_turns_it_off(self):
        sha = self.r.script_load("return 1")
        with RawConnection(self.port) as c:
            self.assertEqual(c.command("SCRIPT", "DEBUG", "YES").to_py(), b"OK")
            reply = c.command("EVALSHA", sha, "0").to_py()
            self.assertEqual(reply, b"ERR Please use EVAL instead of EVALSHA for debugging")
            self.assertEqual(c.command("SCRIPT", "DEBUG", "NO").to_py(), b"OK")
            self.assertEqual(c.command("EVAL", "return 7", "0").to_py(), 7)  # no session
            self.assertEqual(c.command("SCRIPT", "DEBUG", "MAYBE").to_py(),
                             b"ERR Use SCRIPT DEBUG YES/SYNC/NO")

    def test_script_debug_in_a_pipeline_is_refused(self):
        with RawConnection(self.port) as c:
            c.send(b"PING\r\nSCRIPT DEBUG SYNC\r\n")
            replies = c.read_replies(2)
            self.assertEqual(replies[0].to_py(), b"PONG")
            self.assertEqual(replies[1].to_py(),
                             b"ERR SCRIPT DEBUG must be called outside a pipeline")

    def test_debugger_functions_outside_a_session(self):
        self.assertIsNone(self.r.eval("return redis.breakpoint()", 0))  # false
        self.assertEqual(self.r.eval("redis.debug('x', 1) return 'done'", 0), b"done")

    def test_the_suites_protocol_cases(self):
        # From Redis's unit/scripting "Test scripting debug protocol parsing" and "lua stack
        # overflow", which its external mode cannot run.
        s = DebugSession(self.port, "sync", script="return 'hello'", keys=())
        s.first()
        for name in ("hello\0world", "hello\0", "\0hello", "\0hello\0"):
            self.assertEqual(s.cmd(name), [
                "<error> Unknown Redis Lua debugger command or wrong number of arguments."])
        s.conn.send(b"*101\r\n$5\r\nredis\r\n" + b"$4\r\ntest\r\n" * 100)
        logs = text(s.conn.read_reply())
        self.assertIn("<error> Unknown Redis command called from script", logs)
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), (b"hello", True))
        self.assertTrue(self.r.ping())

    def test_a_protocol_error_or_an_oversized_command_ends_the_script(self):
        s = DebugSession(self.port, "sync", script="return 'hello'", keys=())
        s.first()
        s.conn.send(b"PING\r\n")  # not a multibulk: the debugger cannot read it
        self.assertEqual(text(s.conn.read_reply()), ["<endsession>"])
        sha = hashlib.sha1(b"return 'hello'").hexdigest().encode()
        self.assertEqual(s.final(), (
            b"ERR protocol error script: " + sha + b", on @user_script:1.", True))
        # More than 1 MB of a command that never completes (1,024 arguments of 1,024 bytes,
        # the most the debugger reads, the last one missing): the script ends. Redis may
        # reset the connection before its reply arrives; what does arrive says why.
        s = DebugSession(self.port, "sync", script="return 'hello'", keys=())
        s.first()
        try:
            s.conn.send(b"*1024\r\n" + (b"$1024\r\n" + b"x" * 1024 + b"\r\n") * 1023)
            data, closed = s.conn.read_until_close(timeout=10)
        except ConnectionResetError:
            data, closed = b"", True
        self.assertTrue(closed)
        if data:
            self.assertIn(b"<endsession>", data)
            self.assertIn(b"max client buffer reached", data)
        self.assertTrue(self.r.ping())

    def test_a_client_that_leaves_lets_the_script_finish(self):
        for mode, expected in (("SYNC", b"6"), ("YES", b"5")):
            self.r.set("counter", 5)
            s = DebugSession(self.port, mode)
            s.first()
            s.conn.close()
            # The session ends when the script does; then the server drops the connection.
            wait_until(lambda: all(c["cmd"] != "eval" for c in self.r.client_list()),
                       "the %s session to end" % mode, timeout=10)
            self.assertEqual(self.r.get("counter"), expected, mode)

    @skip_on_reference("Redis lets a pcall in the script swallow the abort")
    def test_an_abort_cannot_be_swallowed_by_a_pcall(self):
        script = "local ok = pcall(function()\n  local a = 1\n  return a\nend)\nreturn 'survived'"
        s = DebugSession(self.port, "SYNC", script=script, keys=())
        s.first()
        s.cmd("b", "2")
        self.assertEqual(s.cmd("c")[0], "* Stopped at 2, stop reason = break point")
        self.assertEqual(s.cmd("a"), ["<endsession>"])
        reply, closed = s.final()
        self.assertIn(b"script aborted for user request", reply)

    @skip_on_reference("Redis hangs on these (an eval loop, an exponential table print)")
    def test_debugger_work_is_bounded(self):
        s = DebugSession(self.port, "SYNC", script="local t = {}\nfor i = 1, 10 do t[i] = t end\n"
                         "redis.debug(t)\nreturn 1", keys=())
        s.first()
        start = time.time()
        logs = s.cmd("c")
        self.assertLess(time.time() - start, 5)
        self.assertTrue(logs[0].startswith("<debug> line 3: {{{{{{{{{{<max recursion"), logs[0])
        self.assertLess(len(logs[0]), 400)
        s = DebugSession(self.port, "SYNC", script="return 1", keys=())
        s.first()
        # It runs for busy-reply-threshold (5 s): wait well past that.
        self.assertEqual(s.cmd("e", "while true do end", timeout=30),
                         ["<error> eval stopped: it ran past busy-reply-threshold"])
        self.assertEqual(s.cmd("e", "1+1"), ["<retval> 2"])
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        self.assertEqual(s.final(), (1, True))

    @skip_on_reference("Redis forks one child per session")
    def test_one_session_on_a_copy_at_a_time(self):
        s = DebugSession(self.port, "YES")
        s.first()
        with RawConnection(self.port) as c:
            self.assertEqual(c.command("SCRIPT", "DEBUG", "YES").to_py(), b"OK")
            self.assertIn(b"already running", c.command("EVAL", "return 1", "0").to_py())
        self.assertEqual(s.cmd("c")[-2],
                         "* Stopped at 6, stop reason = redis.breakpoint() called")
        self.assertEqual(s.cmd("c"), ["<endsession>"])
        s.final()
        s = DebugSession(self.port, "YES")  # the slot is free again
        self.assertEqual(s.first()[0], "* Stopped at 1, stop reason = step over")
        s.conn.close()


class TestDebuggerTimeout(ServerTestCase):
    server_args = ("--busy-reply-threshold", "1000")

    def test_a_script_that_runs_on_stops_as_a_possible_infinite_loop(self):
        s = DebugSession(self.port, "SYNC", script="local i = 0\nwhile true do\n  i = i + 1\nend",
                         keys=())
        s.first()
        logs = s.cmd("c")  # no breakpoint: it runs until the busy threshold
        self.assertEqual(logs[0].split(" = ")[-1], "timeout reached, infinite loop?")
        self.assertIn(logs[0], ["* Stopped at 2, stop reason = timeout reached, infinite loop?",
                                "* Stopped at 3, stop reason = timeout reached, infinite loop?"])
        self.assertEqual(s.cmd("a"), ["<endsession>"])
        self.assertIn("script aborted for user request", str(s.final()[0]))


class TestRedisCli(ServerTestCase):
    def run_cli(self, mode_flag, commands):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(SCRIPT)
            path = f.name
        try:
            out = subprocess.run(
                ["redis-cli", "-p", str(self.port), mode_flag, "--eval", path, "counter"],
                input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=30)
        finally:
            os.unlink(path)
        return out.stdout

    def test_redis_cli_ldb_sync_mode(self):
        self.r.set("counter", 5)
        out = self.run_cli("--ldb-sync-mode", ["s", "p", "c", "c", "quit"])
        self.assertIn("* Stopped at 1, stop reason = step over", out)
        self.assertIn("<reply> 6", out)
        self.assertIn("<value> a = 6", out)
        self.assertIn("(Lua debugging session ended)", out)
        self.assertEqual(self.r.get("counter"), b"6")

    def test_redis_cli_ldb_rolls_back(self):
        self.r.set("counter", 5)
        out = self.run_cli("--ldb", ["s", "c", "c", "quit"])
        self.assertIn("<reply> 6", out)
        self.assertIn('<debug> line 3: "a is", 6', out)
        self.assertIn("(Lua debugging session ended -- dataset changes rolled back)", out)
        self.assertEqual(self.r.get("counter"), b"5")


if __name__ == "__main__":
    main()
