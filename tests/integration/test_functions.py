"""Redis functions: FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL, FCALL and FCALL_RO,
checked against Redis 7.0, plus what cairn promises beyond it: libraries are durable like data
and survive a kill -9 (from the log, and from a snapshot plus the log).

Run: /usr/bin/python3 -m unittest -v tests/integration/test_functions.py
"""

import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, main  # noqa: E402

COUNTER_LIB = """#!lua name=counters
local function bump(keys, args)
  return redis.call('INCRBY', keys[1], args[1])
end
local function peek(keys, args)
  return redis.call('GET', keys[1])
end
redis.register_function('bump', bump)
redis.register_function{function_name='peek', callback=peek, flags={'no-writes'}}
"""

SPIN_LIB = """#!lua name=spin
redis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)
"""


class FunctionTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.r.execute_command("FUNCTION", "FLUSH")

    def error_of(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)


class TestLibraries(FunctionTestCase):
    def test_load_call_list_delete(self):
        self.assertEqual(self.r.execute_command("FUNCTION", "LOAD", COUNTER_LIB), b"counters")
        self.assertEqual(self.r.execute_command("FCALL", "bump", 1, "c", 5), 5)
        self.assertEqual(self.r.execute_command("FCALL_RO", "peek", 1, "c"), b"5")
        listing = self.r.execute_command("FUNCTION", "LIST")
        self.assertEqual(len(listing), 1)
        lib = dict(zip(listing[0][::2], listing[0][1::2]))
        self.assertEqual(lib[b"library_name"], b"counters")
        self.assertEqual(lib[b"engine"], b"LUA")
        names = sorted(dict(zip(f[::2], f[1::2]))[b"name"] for f in lib[b"functions"])
        self.assertEqual(names, [b"bump", b"peek"])
        self.assertIn("already exists", self.error_of("FUNCTION", "LOAD", COUNTER_LIB))
        self.assertEqual(self.r.execute_command("FUNCTION", "LOAD", "REPLACE", COUNTER_LIB),
                         b"counters")
        self.assertEqual(self.r.execute_command("FUNCTION", "DELETE", "counters"), b"OK")
        self.assertEqual(self.error_of("FCALL", "bump", 1, "c", 1), "Function not found")

    def test_a_quoted_library_name_and_the_version_number(self):
        lib = ("#!lua name=\"quoted\"\n"
               "local v = redis.REDIS_VERSION_NUM\n"
               "redis.register_function('ver', function() return string.format('%d.%d.%d', "
               "bit.band(bit.rshift(v, 16), 255), bit.band(bit.rshift(v, 8), 255), "
               "bit.band(v, 255)) end)\n"
               "redis.register_function('ver_text', function() return redis.REDIS_VERSION end)")
        self.assertEqual(self.r.execute_command("FUNCTION", "LOAD", lib), b"quoted")
        self.assertEqual(self.r.execute_command("FCALL", "ver", 0),
                         self.r.execute_command("FCALL", "ver_text", 0))

    def test_list_options_given_twice_are_unknown(self):
        self.assertIn("Unknown argument withcode",
                      self.error_of("FUNCTION", "LIST", "withcode", "withcode"))
        self.assertIn("Unknown argument libraryname",
                      self.error_of("FUNCTION", "LIST", "libraryname", "a", "libraryname", "b"))

    def test_function_names_are_case_insensitive(self):
        self.r.execute_command("FUNCTION", "LOAD", COUNTER_LIB)
        self.assertEqual(self.r.execute_command("FCALL", "BUMP", 1, "c", 2), 2)
        self.assertEqual(self.r.execute_command("FCALL", "Peek", 1, "c"), b"2")

    def test_a_library_that_loops_while_loading_times_out(self):
        code = "#!lua name=lib\nlocal a = 1\nwhile 1 do a = a + 1 end\n"
        self.assertIn("FUNCTION LOAD timeout", self.error_of("FUNCTION", "LOAD", code))
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.execute_command("FUNCTION", "LIST"), [])

    def test_flush_arguments(self):
        self.assertIn("only supports SYNC|ASYNC", self.error_of("FUNCTION", "FLUSH", "bad"))
        self.assertEqual(
            self.error_of("FUNCTION", "FLUSH", "SYNC", "extra"),
            "unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")

    def test_fcall_ro_refuses_a_function_that_writes(self):
        self.r.execute_command("FUNCTION", "LOAD", COUNTER_LIB)
        self.assertIn("Can not execute a script with write flag using *_ro command",
                      self.error_of("FCALL_RO", "bump", 1, "c", 1))
        self.assertIsNone(self.r.get("c"))

    def test_dump_and_restore(self):
        self.r.execute_command("FUNCTION", "LOAD", COUNTER_LIB)
        payload = self.r.execute_command("FUNCTION", "DUMP")
        self.r.execute_command("FUNCTION", "FLUSH")
        self.assertEqual(self.r.execute_command("FUNCTION", "RESTORE", payload), b"OK")
        self.assertEqual(self.r.execute_command("FCALL", "bump", 1, "c", 3), 3)
        self.assertIn("already exists", self.error_of("FUNCTION", "RESTORE", payload))
        self.assertEqual(self.r.execute_command("FUNCTION", "RESTORE", payload, "REPLACE"), b"OK")
        self.assertEqual(self.error_of("FUNCTION", "RESTORE", payload[:-1]),
                         "DUMP payload version or checksum are wrong")
        self.assertEqual(
            self.error_of("FUNCTION", "RESTORE", payload, "FLUSH", "x"),
            "unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.")


class TestRunningFunctions(FunctionTestCase):
    server_args = ("--busy-reply-threshold", "100")

    def test_stats_shows_the_busy_function_and_function_kill_stops_it(self):
        self.r.execute_command("FUNCTION", "LOAD", SPIN_LIB)
        stats = self.r.execute_command("FUNCTION", "STATS")
        self.assertIsNone(stats[1])  # running_script
        result = {}

        def spin():
            r = redis.Redis(port=self.port, socket_timeout=30)
            try:
                r.execute_command("FCALL", "spin", 0)
            except redis.ResponseError as e:
                result["error"] = str(e)

        t = threading.Thread(target=spin)
        t.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.r.ping()
            except redis.ResponseError:
                break
            time.sleep(0.05)
        stats = self.r.execute_command("FUNCTION", "STATS")
        running = dict(zip(stats[1][::2], stats[1][1::2]))
        self.assertEqual(running[b"name"], b"spin")
        self.assertEqual(running[b"command"], [b"FCALL", b"spin", b"0"])
        self.assertGreaterEqual(running[b"duration_ms"], 100)
        self.assertIn("BUSY", self.error_of("SCRIPT", "KILL"))  # a function, not a script
        self.assertEqual(self.r.execute_command("FUNCTION", "KILL"), b"OK")
        t.join(10)
        # Redis names SCRIPT KILL in the text whichever command stopped it.
        self.assertIn("Script killed by user with SCRIPT KILL...", result.get("error", ""))
        self.assertTrue(self.r.ping())


class TestFunctionDurability(unittest.TestCase):
    """Libraries are logged when loaded or deleted and kept in snapshots."""

    def test_libraries_survive_kill_9_from_log_and_snapshot(self):
        root = tempfile.mkdtemp(prefix="cairn-functions-crash-")
        self.addCleanup(shutil.rmtree, root, True)
        server = DurableServer(root)
        self.addCleanup(server.stop)
        server.start()
        r = redis.Redis(port=server.port)
        r.execute_command("FUNCTION", "LOAD", COUNTER_LIB)
        r.execute_command("FUNCTION", "LOAD", SPIN_LIB)
        r.execute_command("FCALL", "bump", 1, "c", 7)
        server.kill9()
        server.start()  # from the log alone
        r = redis.Redis(port=server.port)
        self.assertEqual(r.execute_command("FCALL", "bump", 1, "c", 1), 8)
        self.assertEqual(r.save(), True)  # a snapshot holding both libraries
        r.execute_command("FUNCTION", "DELETE", "spin")  # logged after the snapshot
        server.kill9()
        server.start()
        r = redis.Redis(port=server.port)
        self.assertEqual(r.execute_command("FCALL", "bump", 1, "c", 1), 9)
        libraries = [lib[1] for lib in r.execute_command("FUNCTION", "LIST")]
        self.assertEqual(libraries, [b"counters"])


if __name__ == "__main__":
    main()
