"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, checked against Redis 7.0,
plus what cairn promises beyond it: scripts are atomic across I/O threads and durable as one
record.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_scripting.py
"""

import os
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DurableServer, ServerTestCase, is_reference_redis,  # noqa: E402
                     main, wait_until)

NOSCRIPT = "No matching script. Please use EVAL."  # redis-py drops the NOSCRIPT code


def sha1(text):
    import hashlib
    return hashlib.sha1(text.encode()).hexdigest()


class ScriptTestCase(ServerTestCase):
    def assertErrorMatches(self, args, *parts):
        """The error reply to args contains each part (redis-py drops a leading "ERR ")."""
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        for part in parts:
            self.assertIn(part[4:] if part.startswith("ERR ") else part, str(cm.exception))
        return str(cm.exception)


class TestConversions(ScriptTestCase):
    def test_lua_values_become_redis_replies(self):
        self.assertEqual(self.r.eval("return 1", 0), 1)
        self.assertEqual(self.r.eval("return 3.99", 0), 3)  # floats are truncated
        self.assertEqual(self.r.eval("return -3.99", 0), -3)
        self.assertEqual(self.r.eval("return 'ciao'", 0), b"ciao")
        self.assertEqual(self.r.eval("return {1,2,3,'x',{4,5}}", 0),
                         [1, 2, 3, b"x", [4, 5]])
        self.assertEqual(self.r.eval("return {1,nil,3}", 0), [1])  # cut at the first nil
        self.assertEqual(self.r.eval("return true", 0), 1)
        self.assertIsNone(self.r.eval("return false", 0))
        self.assertIsNone(self.r.eval("return nil", 0))
        self.assertEqual(self.r.eval("return redis.status_reply('FINE')", 0), b"FINE")
        self.assertEqual(self.r.eval("return {ok='OK2'}", 0), b"OK2")

    def test_error_tables_become_error_replies(self):
        self.assertErrorMatches(["EVAL", "return {err='My Error'}", 0], "My Error")
        self.assertErrorMatches(["EVAL", "return redis.error_reply('MYCODE text')", 0],
                                "MYCODE text")

    def test_redis_replies_become_lua_values(self):
        self.r.set("s", "v")
        self.r.rpush("l", "a", "b")
        script = """
            local t = {}
            t[1] = type(redis.call('get', 's'))
            t[2] = tostring(redis.call('get', 'missing'))
            t[3] = type(redis.call('incr', 'n'))
            t[4] = redis.call('lrange', 'l', 0, -1)[2]
            t[5] = redis.call('set', 'x', 'y')['ok']
            t[6] = redis.pcall('incr', 's')['err']
            return t"""
        self.assertEqual(self.r.eval(script, 0),
                         [b"string", b"false", b"number", b"b", b"OK",
                          b"ERR value is not an integer or out of range"])

    def test_resp3_replies_inside_a_script(self):
        self.r.hset("h", "f", "v")
        script = """
            redis.setresp(3)
            local m = redis.call('hgetall', 'h')
            return {m['map']['f'], tostring(redis.call('get', 'missing'))}"""
        self.assertEqual(self.r.eval(script, 0), [b"v", b"nil"])

    def test_keys_and_argv(self):
        self.assertEqual(self.r.eval("return {KEYS[1], KEYS[2], ARGV[1]}", 2, "a", "b", "c"),
                         [b"a", b"b", b"c"])

    def test_numbers_passed_to_redis_call_keep_their_precision(self):
        self.r.eval("redis.call('set', 'f', 0.1)", 0)
        self.assertEqual(self.r.get("f"), b"0.10000000000000001")


class TestErrors(ScriptTestCase):
    def test_errors_name_the_script_and_line(self):
        sha = sha1("return redis.call('nosuchcommand')")
        self.assertErrorMatches(["EVAL", "return redis.call('nosuchcommand')", 0],
                                "ERR Unknown Redis command called from script",
                                "script: %s, on @user_script:1." % sha)
        self.assertErrorMatches(["EVAL", "\n\nerror('boom')", 0],
                                "ERR user_script:3: boom script:")

    def test_command_errors_raise_unless_pcall(self):
        self.r.set("s", "text")
        self.assertErrorMatches(["EVAL", "return redis.call('incr', 's')", 0],
                                "ERR value is not an integer or out of range")
        self.assertErrorMatches(["EVAL", "return redis.call('lpush', 's', 'x')", 0],
                                "WRONGTYPE Operation against a key holding the wrong kind")
        self.assertEqual(
            self.r.eval("local ok, e = pcall(function() redis.call('incr', 's') end)\n"
                        "return {tostring(ok), e}", 0),
            [b"false", b"ERR value is not an integer or out of range"])

    def test_wrong_arguments_to_redis_call(self):
        self.assertErrorMatches(["EVAL", "return redis.call('get')", 0],
                                "Wrong number of args calling Redis command from script")
        self.assertErrorMatches(["EVAL", "return redis.call()", 0],
                                "Please specify at least one argument for this redis lib call")
        self.assertErrorMatches(["EVAL", "return redis.call('get', {})", 0],
                                "Lua redis lib command arguments must be strings or integers")
        self.assertErrorMatches(["EVAL", "return redis.call('multi')", 0],
                                "This Redis command is not allowed from script")

    def test_blmpop_and_bzmpop_run_from_scripts_without_blocking(self):
        # Redis 7.0 flags these two (unlike BLPOP...) as allowed in scripts: they never block.
        self.assertIsNone(self.r.eval("return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", 1, "l"))
        self.assertIsNone(self.r.eval("return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", 1, "z"))
        self.r.rpush("l", "a")
        self.r.zadd("z", {"m": 1})
        self.assertEqual(self.r.eval("return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", 1, "l"),
                         [b"l", [b"a"]])
        self.assertEqual(self.r.eval("return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", 1, "z"),
                         [b"z", [[b"m", b"1"]]])

    def test_blocking_commands_are_not_allowed_from_scripts(self):
        for call in ("redis.pcall('blpop', 'x', 0)", "redis.pcall('brpop', 'x', 0)",
                     "redis.pcall('brpoplpush', 'x', 'y', 0)",
                     "redis.pcall('blmove', 'x', 'y', 'LEFT', 'LEFT', 0)",
                     "redis.pcall('bzpopmin', 'z', 0)", "redis.pcall('bzpopmax', 'z', 0)"):
            self.assertErrorMatches(["EVAL", "return " + call, 0],
                                    "This Redis command is not allowed from script")
        self.r.xgroup_create("s", "g", "$", mkstream=True)
        self.assertIsNone(self.r.eval("return redis.pcall('xread', 'STREAMS', 's', '$')", 1, "s"))
        self.assertErrorMatches(
            ["EVAL", "return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 's', '$')", 1, "s"],
            "xread command is not allowed with BLOCK option from scripts")
        self.assertErrorMatches(
            ["EVAL", "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'BLOCK', 0, "
                     "'STREAMS', 's', '>')", 1, "s"],
            "xreadgroup command is not allowed with BLOCK option from scripts")

    def test_error_replies_are_counted_by_code(self):
        self.r.config_resetstat()
        self.assertErrorMatches(["EVAL", "return redis.error_reply('MY_ERR_CODE custom')", 0],
                                "MY_ERR_CODE custom")
        self.assertErrorMatches(["EVAL", "return redis.error_reply('')", 0], "")
        stats = self.r.info("errorstats")
        self.assertEqual(stats["errorstat_MY_ERR_CODE"], "count=1")
        self.assertEqual(stats["errorstat_ERR"], "count=1")
        self.assertEqual(self.r.info("stats")["total_error_replies"], 2)

    def test_numkeys_errors(self):
        self.assertErrorMatches(["EVAL", "return 1", 2, "a"],
                                "Number of keys can't be greater than number of args")
        self.assertErrorMatches(["EVAL", "return 1", -1], "Number of keys can't be negative")
        self.assertErrorMatches(["EVAL", "return 1", "x"],
                                "value is not an integer or out of range")

    def test_compile_errors(self):
        self.assertErrorMatches(["EVAL", "return (", 0],
                                "Error compiling script (new function): user_script:1:")


class TestErrorStats(ScriptTestCase):
    """A command's error inside a script counts once in errorstats, where it arose."""

    def errorstats(self):
        # redis-py leaves "count=N" unparsed
        return {k: int(str(v).split("=")[1]) for k, v in self.r.info("errorstats").items()}

    def test_a_relayed_command_error_is_counted_once(self):
        self.r.config_resetstat()
        self.r.set("s", "text")
        with self.assertRaises(redis.ResponseError):
            self.r.eval("return redis.call('incr', 's')", 0)
        self.assertEqual(self.r.eval("local t = redis.pcall('incr', 's') return 1", 0), 1)
        with self.assertRaises(redis.ResponseError):
            self.r.eval("return redis.pcall('incr', 's')", 0)
        self.assertEqual(self.errorstats(), {"errorstat_ERR": 3})
        stats = self.r.info("commandstats")
        self.assertEqual(stats["cmdstat_incr"]["failed_calls"], 3)
        self.assertEqual(stats["cmdstat_eval"]["failed_calls"], 2)

    def test_a_refused_command_counts_as_rejected(self):
        self.r.config_resetstat()
        self.r.config_set("maxmemory", 1)
        try:
            with self.assertRaises(redis.ResponseError):
                self.r.eval("return redis.call('set', 'x', 'y')", 1, "x")
            self.assertEqual(self.errorstats(), {"errorstat_OOM": 1})
            stats = self.r.info("commandstats")
            self.assertEqual(stats["cmdstat_set"]["rejected_calls"], 1)
            self.assertEqual(stats["cmdstat_set"]["calls"], 0)
        finally:
            self.r.config_set("maxmemory", 0)


class TestScriptAclCheck(ScriptTestCase):
    def tearDown(self):
        self.r.execute_command("ACL", "DELUSER", "bob")
        super().tearDown()

    def test_acl_check_cmd_answers_for_the_scripts_user(self):
        self.r.execute_command("ACL", "SETUSER", "bob", "on", ">123", "+@scripting", "+set",
                               "~x*")
        bob = self.server.client(username="bob", password="123", decode_responses=True)
        check = "return redis.acl_check_cmd(unpack(ARGV))"
        self.assertEqual(bob.eval(check, 0, "set", "xx", "1"), 1)
        self.assertIsNone(bob.eval(check, 0, "hset", "xx", "f", "1"))  # command denied
        self.assertIsNone(bob.eval(check, 0, "set", "yy", "1"))  # key denied
        self.assertEqual(self.r.eval(check, 0, "hset", "yy", "f", "1"), 1)  # default user
        with self.assertRaises(redis.ResponseError) as e:
            bob.eval(check, 0, "no-such-cmd", "a")
        self.assertIn("Invalid command passed to redis.acl_check_cmd()", str(e.exception))
        bob.close()


class TestSandbox(ScriptTestCase):
    def test_globals_are_read_only(self):
        for body in ("a = 1", "redis = 1", "_G = {}", "redis.call = 1", "cjson.encode = 1",
                     "bit.band = 1", "string.foo = 1", "setmetatable(_G, {})",
                     "local g = getmetatable(_G); g.__index = {}"):
            self.assertErrorMatches(["EVAL", body, 0], "Attempt to modify a readonly table")

    def test_unknown_and_forbidden_globals(self):
        for name in ("undefined_thing", "loadfile", "dofile", "print", "os", "io", "require"):
            self.assertErrorMatches(
                ["EVAL", "return %s" % name, 0],
                "Script attempted to access nonexistent global variable '%s'" % name)

    def test_binary_chunks_are_refused(self):
        self.assertErrorMatches(
            ["EVAL", "return loadstring(string.dump(function() return 1 end))()", 0],
            "attempt to call a nil value")

    def test_libraries(self):
        self.assertEqual(self.r.eval("return cjson.encode({1,2,'x'})", 0), b'[1,2,"x"]')
        self.assertEqual(self.r.eval("return cjson.decode('[1,2]')[2]", 0), 2)
        self.assertEqual(self.r.eval("return bit.bxor(5, 3)", 0), 6)
        self.assertEqual(self.r.eval("return redis.sha1hex('')", 0),
                         b"da39a3ee5e6b4b0d3255bfef95601890afd80709")
        self.assertEqual(self.r.eval("return redis.REDIS_VERSION", 0), b"7.0.15")

    def test_math_random_is_redis_sequence_after_a_seed(self):
        body = "math.randomseed(42); return {tostring(math.random()), math.random(100)}"
        self.assertEqual(self.r.eval(body, 0), [b"0.74452500033403", 35])


class TestScriptCache(ScriptTestCase):
    def test_load_exists_evalsha_flush(self):
        sha = self.r.script_load("return 'loaded'")
        self.assertEqual(sha, sha1("return 'loaded'"))
        self.assertEqual(self.r.script_exists(sha, "0" * 40), [True, False])
        self.assertEqual(self.r.evalsha(sha, 0), b"loaded")
        self.assertEqual(self.r.evalsha(sha.upper(), 0), b"loaded")
        self.assertEqual(self.r.execute_command("SCRIPT", "FLUSH"), b"OK")
        self.assertEqual(self.r.script_exists(sha), [False])
        self.assertErrorMatches(["EVALSHA", sha, 0], NOSCRIPT)
        self.assertErrorMatches(["EVALSHA", "short", 0], NOSCRIPT)
        # A SHA-1 of the wrong length is refused before numkeys is read; one of the right
        # length has its numkeys checked first.
        for command in ("EVALSHA", "EVALSHA_RO"):
            self.assertErrorMatches([command, "short", "notanumber"], NOSCRIPT)
            self.assertErrorMatches([command, "0" * 40, "notanumber"],
                                    "value is not an integer or out of range")

    def test_info_memory_counts_cached_scripts(self):
        self.r.script_flush()
        for j in range(10):
            self.r.script_load("return %d" % j)
        self.assertEqual(self.r.info("memory")["number_of_cached_scripts"], 10)
        self.r.script_flush("ASYNC")
        self.assertEqual(self.r.info("memory")["number_of_cached_scripts"], 0)

    def test_eval_caches_the_script(self):
        self.r.eval("return 'cached'", 0)
        self.assertEqual(self.r.evalsha(sha1("return 'cached'"), 0), b"cached")

    def test_script_flush_options(self):
        self.assertEqual(self.r.execute_command("SCRIPT", "FLUSH", "ASYNC"), b"OK")
        self.assertErrorMatches(["SCRIPT", "FLUSH", "LATER"],
                                "SCRIPT FLUSH only support SYNC|ASYNC option")

    def test_register_script_and_pipelines(self):
        incr_by = self.r.register_script(
            "return redis.call('incrby', KEYS[1], ARGV[1])")
        self.assertEqual(incr_by(keys=["counter"], args=[5]), 5)
        self.r.script_flush()
        self.assertEqual(incr_by(keys=["counter"], args=[5]), 10)  # reloaded on NOSCRIPT
        pipe = self.r.pipeline()
        for _ in range(10):
            incr_by(keys=["counter"], args=[1], client=pipe)
        self.assertEqual(pipe.execute(), list(range(11, 21)))


class TestFlagsAndReadOnly(ScriptTestCase):
    def test_eval_ro_refuses_writes(self):
        self.assertErrorMatches(["EVAL_RO", "return redis.call('set', 'k', 'v')", 1, "k"],
                                "Write commands are not allowed from read-only scripts.")
        self.assertIsNone(self.r.get("k"))
        self.r.set("k", "v")
        self.assertEqual(self.r.execute_command("EVAL_RO", "return redis.call('get', KEYS[1])",
                                                1, "k"), b"v")

    def test_shebang_flags(self):
        self.assertErrorMatches(["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','k','v')",
                                 0], "Write commands are not allowed from read-only scripts.")
        self.assertErrorMatches(["EVAL_RO", "#!lua\nreturn 1", 0],
                                "Can not execute a script with write flag using *_ro command.")
        self.assertEqual(self.r.execute_command("EVAL_RO", "#!lua flags=no-writes\nreturn 1", 0),
                         1)
        self.assertErrorMatches(["EVAL", "#!lua flags=bogus\nreturn 1", 0],
                                "Unexpected flag in script shebang: bogus")
        self.assertErrorMatches(["EVAL", "#!python\nreturn 1", 0],
                                "Unexpected engine in script shebang: #!python")
        self.assertErrorMatches(["EVAL", "#!lua", 0], "Invalid script shebang")

    def test_command_getkeys_reads_numkeys(self):
        reply = self.cmd("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c")
        self.assertEqual(reply.to_py(), [b"a", b"b"])


class TestRedisPyLock(ScriptTestCase):
    """redis-py's Lock runs acquire/release/extend as Lua scripts."""

    def test_acquire_release_extend_reacquire(self):
        lock = self.r.lock("resource", timeout=10)
        self.assertTrue(lock.acquire(blocking=False))
        self.assertFalse(self.r.lock("resource", timeout=10).acquire(blocking=False))
        self.assertTrue(lock.extend(10))
        self.assertGreater(self.r.pttl("resource"), 10000)
        self.assertTrue(lock.reacquire())
        lock.release()
        self.assertIsNone(self.r.get("resource"))
        with self.assertRaises(redis.exceptions.LockError):
            lock.release()

    def test_blocking_acquire_across_threads(self):
        held = []
        counter = {"inside": 0, "max": 0}

        def worker():
            r = redis.Redis(port=self.port)
            for _ in range(10):
                with r.lock("mutex", timeout=5, blocking_timeout=20, sleep=0.001):
                    counter["inside"] += 1
                    counter["max"] = max(counter["max"], counter["inside"])
                    time.sleep(0.001)
                    counter["inside"] -= 1
                    held.append(1)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(held), 40)
        self.assertEqual(counter["max"], 1)


RATE_LIMITER = """
local current = tonumber(redis.call('get', KEYS[1]) or '0')
if current + 1 > tonumber(ARGV[1]) then
  return 0
end
redis.call('incr', KEYS[1])
redis.call('rpush', KEYS[2], ARGV[2])
return 1
"""


class TestAtomicity(ScriptTestCase):
    def test_rate_limiter_counts_add_up_under_8_clients(self):
        limit = 500
        granted = []

        def worker(i):
            r = redis.Redis(port=self.port)
            limiter = r.register_script(RATE_LIMITER)
            n = 0
            for j in range(150):
                n += limiter(keys=["rl:count", "rl:log"], args=[limit, "%d-%d" % (i, j)])
            granted.append(n)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(sum(granted), limit)
        self.assertEqual(int(self.r.get("rl:count")), limit)
        self.assertEqual(self.r.llen("rl:log"), limit)

    def check_no_partial_state(self, script, keys):
        """Writers run script; readers must never see the keys differ."""
        stop = threading.Event()
        torn = []

        def writer():
            r = redis.Redis(port=self.port)
            s = r.register_script(script)
            while not stop.is_set():
                s(keys=keys)

        def reader():
            r = redis.Redis(port=self.port)
            while not stop.is_set():
                a, b = r.mget(["atom:a", "atom:b"])
                if a != b:
                    torn.append((a, b))

        threads = [threading.Thread(target=f) for f in (writer, writer, reader, reader)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(torn, [])
        self.assertGreater(int(self.r.get("atom:a")), 0)

    def test_no_client_sees_half_a_script(self):
        self.check_no_partial_state(
            "redis.call('incr', KEYS[1]); redis.call('incr', KEYS[2])", ["atom:a", "atom:b"])

    def test_atomic_for_keys_the_script_did_not_declare(self):
        self.check_no_partial_state(
            "redis.call('incr', 'atom:a'); redis.call('incr', 'atom:b')", [])

    def test_script_inside_multi_exec(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("m", "1")
        pipe.eval("return redis.call('incr', 'm')", 0)
        self.assertEqual(pipe.execute(), [True, 2])


class TestRepliesDuringBusyScript(ScriptTestCase):
    # One I/O thread, so both clients below are read in the same loop iteration.
    server_args = ("--busy-reply-threshold", "100") + (
        () if is_reference_redis() else ("--threads", "1"))

    def test_a_reply_made_before_a_busy_script_is_not_held_until_it_ends(self):
        # The SET and the EVAL arrive together; the SET runs first. Its reply must not wait
        # for the two-second script: Redis writes it once the script turns busy.
        script = (b"local s = tonumber(redis.call('TIME')[1]) "
                  b"while tonumber(redis.call('TIME')[1]) - s < 2 do end return 1")
        eval_cmd = b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(script), script)
        for _ in range(3):
            a = socket.create_connection(("127.0.0.1", self.port))
            b = socket.create_connection(("127.0.0.1", self.port))
            a.sendall(b"PING\r\n")
            self.assertEqual(a.recv(64), b"+PONG\r\n")
            a.sendall(b"SET k v\r\n")
            b.sendall(eval_cmd)
            a.settimeout(10)
            self.assertEqual(a.recv(64), b"+OK\r\n")
            # The script still runs: a reply held until its end would come after it.
            c = socket.create_connection(("127.0.0.1", self.port))
            c.sendall(b"PING\r\n")
            c.settimeout(10)
            self.assertTrue(c.recv(64).startswith(b"-BUSY"), "the SET's reply waited for the script")
            c.close()
            b.settimeout(10)
            self.assertEqual(b.recv(64), b":1\r\n")
            a.close()
            b.close()


class TestBusyScripts(ScriptTestCase):
    server_args = ("--busy-reply-threshold", "100")

    def test_busy_reply_and_script_kill(self):
        result = {}

        def run_forever():
            r = redis.Redis(port=self.port, socket_timeout=30)
            try:
                r.eval("local i = 0 while true do i = i + 1 end", 0)
            except redis.ResponseError as e:
                result["error"] = str(e)

        other = redis.Redis(port=self.port)
        self.assertEqual(other.config_get("lua-time-limit"), {"lua-time-limit": "100"})
        t = threading.Thread(target=run_forever)
        t.start()
        deadline = time.time() + 10
        busy = None
        while time.time() < deadline:
            try:
                other.ping()
            except redis.ResponseError as e:
                busy = str(e)
                break
            time.sleep(0.05)
        self.assertEqual(busy, "BUSY Redis is busy running a script. You can only call "
                               "SCRIPT KILL or SHUTDOWN NOSAVE.")
        self.assertEqual(other.execute_command("SCRIPT", "KILL"), b"OK")
        t.join(10)
        self.assertIn("Script killed by user with SCRIPT KILL...", result.get("error", ""))
        self.assertTrue(other.ping())
        with self.assertRaises(redis.ResponseError) as cm:
            other.execute_command("SCRIPT", "KILL")
        self.assertIn("NOTBUSY No scripts in execution right now.", str(cm.exception))

    def test_exec_during_a_busy_script_discards_the_transaction(self):
        self.r.set("xx", "1")
        tx = redis.Redis(port=self.port, single_connection_client=True)
        tx.execute_command("MULTI")
        self.assertEqual(tx.execute_command("INCR", "xx"), b"QUEUED")
        runner = threading.Thread(target=lambda: self._eval_until_killed())
        runner.start()
        other = redis.Redis(port=self.port)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                other.ping()
                time.sleep(0.05)
            except redis.ResponseError:
                break
        # redis-py raises EXECABORT replies as ExecAbortError, without the code.
        with self.assertRaises(redis.exceptions.ExecAbortError) as cm:
            tx.execute_command("EXEC")
        self.assertTrue(str(cm.exception).startswith(
            "Transaction discarded because of: BUSY"), str(cm.exception))
        self.assertEqual(other.execute_command("SCRIPT", "KILL"), b"OK")
        runner.join(10)
        # Nothing of the transaction ran, and the client is out of MULTI.
        self.assertEqual(other.get("xx"), b"1")
        self.assertEqual(tx.execute_command("ECHO", "after"), b"after")

    def test_script_kill_is_answered_on_a_thread_whose_command_waits_for_the_script(self):
        # Commands sent just before the script turns busy pass the BUSY check and wait for
        # the shards the script holds. The other clients of those commands' threads must still
        # get answers (here: SCRIPT KILL), whichever thread they are on.
        self.r.set("k", "v")
        waiting = [redis.Redis(port=self.port, socket_timeout=30) for _ in range(4)]
        killers = [redis.Redis(port=self.port, socket_timeout=5) for _ in range(4)]
        for c in waiting + killers:
            c.ping()  # connected (and given to a thread) before the script starts
        # Reading an undeclared key makes every run hold every shard.
        script_client = redis.Redis(port=self.port, socket_timeout=30)
        script_client.ping()
        runner = threading.Thread(target=lambda: self._eval_until_killed(
            "redis.call('get', 'k') while true do end", script_client))
        runner.start()
        time.sleep(0.05)
        getters = [threading.Thread(target=c.get, args=("k",)) for c in waiting]
        for g in getters:
            g.start()
        time.sleep(0.3)  # past busy-reply-threshold (100 ms)
        # FUNCTION STATS is answered during a busy EVAL (with -BUSY, as Redis does) and does
        # not end it: every client gets its answer, not a timeout.
        for c in killers:
            with self.assertRaises(redis.ResponseError) as cm:
                c.execute_command("FUNCTION", "STATS")
            self.assertTrue(str(cm.exception).startswith("BUSY"), str(cm.exception))
        self.assertEqual(killers[-1].execute_command("SCRIPT", "KILL"), b"OK")
        runner.join(10)
        for g in getters:
            g.join(10)
            self.assertFalse(g.is_alive())
        self.assertEqual(self.r.get("k"), b"v")

    def test_clients_that_connect_during_a_busy_script_are_answered(self):
        # New connections are spread over the I/O threads, so some land on the busy one.
        runner = threading.Thread(target=self._eval_until_killed)
        runner.start()
        other = redis.Redis(port=self.port, socket_timeout=5)
        wait_until(lambda: self._is_busy(other), "the script to turn busy")
        late = [redis.Redis(port=self.port, socket_timeout=5) for _ in range(6)]
        for c in late:  # a timeout here (no answer at all) fails the test
            with self.assertRaises(redis.ResponseError) as cm:
                c.ping()
            self.assertTrue(str(cm.exception).startswith("BUSY"), str(cm.exception))
        self.assertEqual(late[-1].execute_command("SCRIPT", "KILL"), b"OK")
        runner.join(10)
        for c in late:
            self.assertTrue(c.ping())

    @staticmethod
    def _is_busy(client):
        try:
            client.ping()
            return False
        except redis.ResponseError as e:
            return str(e).startswith("BUSY")

    def _eval_until_killed(self, script="while true do end", r=None):
        r = r or redis.Redis(port=self.port, socket_timeout=30)
        try:
            r.eval(script, 0)
        except redis.ResponseError:
            pass

    def test_a_script_that_wrote_cannot_be_killed(self):
        def run():
            r = redis.Redis(port=self.port, socket_timeout=30)
            r.eval("redis.call('set', 'w', '1') local t = redis.call('time')[1] + 2 "
                   "while tonumber(redis.call('time')[1]) < t do end", 0)

        t = threading.Thread(target=run)
        t.start()
        other = redis.Redis(port=self.port)
        deadline = time.time() + 10
        answer = None
        while time.time() < deadline:
            try:
                other.execute_command("SCRIPT", "KILL")
            except redis.ResponseError as e:
                if "NOTBUSY" not in str(e):
                    answer = str(e)
                    break
            time.sleep(0.05)
        t.join(30)
        self.assertIsNotNone(answer)
        self.assertTrue(answer.startswith("UNKILLABLE Sorry the script already executed write "
                                          "commands against the dataset."), answer)
        self.assertEqual(other.get("w"), b"1")


@unittest.skipIf(is_reference_redis(), "cairn's memory limit for scripts")
class TestScriptMemory(ScriptTestCase):
    def test_runaway_allocation_fails_the_script_not_the_server(self):
        body = "local t = {} local s = string.rep('x', 1024*1024) " \
               "for i = 1, 100000 do t[i] = s .. i end return #t"
        self.assertErrorMatches(["EVAL", body, 0], "not enough memory")
        self.assertEqual(self.r.eval("return 'still here'", 0), b"still here")


class TestScriptDurability(unittest.TestCase):
    """A script's writes are one WAL record: after kill -9 all of them are there or none."""

    def test_kill_9_leaves_every_script_whole(self):
        root = tempfile.mkdtemp(prefix="cairn-script-crash-")
        self.addCleanup(shutil.rmtree, root, True)
        server = DurableServer(root)
        server.start()
        script = ("for i = 1, 5 do redis.call('rpush', KEYS[i], ARGV[1]) end "
                  "redis.call('incr', 'acked-total') return 1")
        acked = {}
        stop = threading.Event()

        def writer(w):
            r = redis.Redis(port=server.port, socket_timeout=5)
            keys = ["crash:%d:%d" % (w, k) for k in range(5)]
            n = 0
            try:
                while not stop.is_set():
                    r.eval(script, 5, *keys, str(n))
                    n += 1
                    acked[w] = n
            except (redis.ConnectionError, redis.TimeoutError):
                pass

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        server.kill9()
        stop.set()
        for t in threads:
            t.join(30)
        server.start()
        r = redis.Redis(port=server.port)
        for w in range(4):
            lengths = [r.llen("crash:%d:%d" % (w, k)) for k in range(5)]
            self.assertEqual(len(set(lengths)), 1, "a script was cut: %r" % lengths)
            self.assertGreaterEqual(lengths[0], acked.get(w, 0))
        server.stop()


if __name__ == "__main__":
    main()
