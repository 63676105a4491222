"""What a connection can ask of the server about itself and others: MONITOR, CLIENT REPLY,
CLIENT PAUSE / UNPAUSE, CLIENT UNBLOCK, CLIENT NO-EVICT, RESET.

Clients are separate connections, so on cairn (four I/O threads, connections handed out
round-robin) they sit on different threads. Runs against redis-server 7.0 too (CAIRN_SERVER
unset), which is how its expectations were checked.
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, encode_command, is_reference_redis  # noqa: E402

MONITOR_LINE = re.compile(rb"^\d+\.\d{6} \[(\d+) [^\]]+\] (.*)$")


class TestClientModes(ServerTestCase):

    server_args = () if is_reference_redis() else ("--threads", "4")

    def tearDown(self):
        self.r.execute_command("CLIENT", "UNPAUSE")
        super().tearDown()

    # ---- MONITOR ----------------------------------------------------------------------

    def monitor_lines(self, monitor, n):
        lines = []
        for reply in monitor.read_replies(n):
            m = MONITOR_LINE.match(reply.to_py())
            self.assertIsNotNone(m, reply.to_py())
            lines.append((int(m.group(1)), m.group(2)))
        return lines

    def test_monitor_shows_each_command_with_its_db_and_quoted_arguments(self):
        monitor = self.raw_conn()
        self.assertEqual(monitor.command("MONITOR").to_py(), b"OK")
        other = self.raw_conn()
        other.command("SET", "a", 'x y"z\n\x01')
        other.command("SELECT", "2")
        other.command("GET", "a")
        got = self.monitor_lines(monitor, 3)
        self.assertEqual(got, [(0, b'"SET" "a" "x y\\"z\\n\\x01"'),
                               (2, b'"SELECT" "2"'),
                               (2, b'"GET" "a"')])

    def test_monitor_hides_admin_commands_and_redacts_auth(self):
        monitor = self.raw_conn()
        monitor.command("MONITOR")
        other = self.raw_conn()
        other.command("CONFIG", "GET", "port")
        other.command("AUTH", "secret")  # fails (no password set), still shown redacted
        other.command("PING")
        got = self.monitor_lines(monitor, 2)
        self.assertEqual(got, [(0, b'"AUTH" "(redacted)"'), (0, b'"PING"')])

    def test_monitor_shows_a_transactions_commands_when_exec_runs_them(self):
        monitor = self.raw_conn()
        monitor.command("MONITOR")
        other = self.raw_conn()
        other.send(encode_command("MULTI") + encode_command("SET", "t", "1") +
                   encode_command("INCR", "t") + encode_command("EXEC"))
        other.read_replies(4)
        got = [line for _, line in self.monitor_lines(monitor, 4)]
        self.assertEqual(got, [b'"MULTI"', b'"SET" "t" "1"', b'"INCR" "t"', b'"EXEC"'])

    def test_monitor_shows_a_script_before_the_commands_it_runs(self):
        monitor = self.raw_conn()
        monitor.command("MONITOR")
        other = self.raw_conn()
        other.command("EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "foo", "bar")
        other.command("FUNCTION", "LOAD", "REPLACE",
                      "#!lua name=monlib\nredis.register_function('monf', function(keys, args) "
                      "return redis.call('set', keys[1], args[1]) end)")
        other.command("FCALL", "monf", "1", "foo", "baz")
        got = [line for _, line in self.monitor_lines(monitor, 5)
               if not line.startswith(b'"FUNCTION"')]
        self.assertEqual(got, [b'"EVAL" "redis.call(\'set\', KEYS[1], ARGV[1])" "1" "foo" "bar"',
                               b'"set" "foo" "bar"',
                               b'"FCALL" "monf" "1" "foo" "baz"',
                               b'"set" "foo" "baz"'])
        other.command("FUNCTION", "DELETE", "monlib")

    def test_reset_ends_monitoring(self):
        monitor = self.raw_conn()
        monitor.command("MONITOR")
        self.assertEqual(monitor.command("RESET").to_py(), b"RESET")
        self.r.set("after", "1")
        self.assertEqual(monitor.command("PING").to_py(), b"PONG")

    # ---- CLIENT REPLY -----------------------------------------------------------------

    def test_client_reply_off_skip_and_on(self):
        conn = self.raw_conn()
        conn.send(encode_command("CLIENT", "REPLY", "OFF") + encode_command("SET", "k", "1") +
                  encode_command("CLIENT", "REPLY", "ON") + encode_command("GET", "k") +
                  encode_command("CLIENT", "REPLY", "SKIP") + encode_command("INCR", "k") +
                  encode_command("GET", "k"))
        got = [r.to_py() for r in conn.read_replies(3)]
        self.assertEqual(got, [b"OK", b"1", b"2"])  # INCR's reply was skipped

    def test_client_reply_off_still_delivers_messages_and_confirmations(self):
        conn = self.raw_conn()
        conn.send(encode_command("CLIENT", "REPLY", "OFF") + encode_command("SUBSCRIBE", "c"))
        self.assertEqual(conn.read_reply().to_py(), [b"subscribe", b"c", 1])
        self.r.publish("c", "hello")
        self.assertEqual(conn.read_reply().to_py(), [b"message", b"c", b"hello"])

    def test_client_reply_rejects_other_modes(self):
        with self.assertRaisesRegex(Exception, "syntax error"):
            self.r.execute_command("CLIENT", "REPLY", "MAYBE")

    # ---- CLIENT PAUSE -----------------------------------------------------------------

    def test_a_write_pause_holds_writes_and_lets_reads_through(self):
        self.r.set("k", "before")
        self.assertEqual(self.r.execute_command("CLIENT", "PAUSE", 10000, "WRITE"), b"OK")
        reader = self.raw_conn()
        self.assertEqual(reader.command("GET", "k").to_py(), b"before")
        writer = self.raw_conn()
        writer.send_command("SET", "k", "after")
        self.wait_blocked(1)
        self.assertEqual(self.r.get("k"), b"before")
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.assertEqual(writer.read_reply().to_py(), b"OK")
        self.assertEqual(self.r.get("k"), b"after")
        self.wait_blocked(0)

    def test_a_write_pause_holds_what_may_replicate_and_scripts_that_may_write(self):
        self.r.pfadd("hll", "a", "b")
        self.r.execute_command("CLIENT", "PAUSE", 10000, "WRITE")
        held = []
        for command in (("PFCOUNT", "hll"), ("PUBLISH", "ch", "m"), ("EVAL", "return 1", 0),
                        ("EVAL", "#!lua\nreturn 2", 0)):
            conn = self.raw_conn()
            conn.send_command(*command)
            held.append(conn)
            self.wait_blocked(len(held))
        # Declared no-writes scripts and the _RO forms run at once.
        free = self.raw_conn()
        self.assertEqual(free.command("EVAL", "#!lua flags=no-writes\nreturn 3", 0).to_py(), 3)
        self.assertEqual(free.command("EVAL_RO", "return 4", 0).to_py(), 4)
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.assertEqual([c.read_reply().to_py() for c in held], [2, 0, 1, 2])
        self.wait_blocked(0)

    def test_read_only_scripts_may_not_publish(self):
        for command in (("EVAL_RO", "return redis.call('publish', 'ch', 'm')", 0),
                        ("EVAL", "#!lua flags=no-writes\nreturn redis.call('publish','c','m')",
                         0)):
            with self.assertRaisesRegex(Exception, "Write commands are not allowed from "
                                                   "read-only scripts"):
                self.r.execute_command(*command)
        self.assertEqual(self.r.eval("return redis.call('publish', 'ch', 'm')", 0), 0)

    def test_a_pause_ends_by_itself_after_its_timeout(self):
        self.r.execute_command("CLIENT", "PAUSE", 200, "WRITE")
        writer = self.raw_conn()
        start = time.time()
        self.assertEqual(writer.command("SET", "k", "v").to_py(), b"OK")
        self.assertGreaterEqual(time.time() - start, 0.1)

    def test_a_paused_command_with_the_wrong_arity_is_answered_at_once(self):
        self.r.execute_command("CLIENT", "PAUSE", 10000, "WRITE")
        conn = self.raw_conn()
        reply = conn.command("SET", "k")
        self.assertEqual(reply.type, "-")
        self.assertIn(b"wrong number of arguments for 'set' command", reply.to_py())

    def test_client_pause_argument_errors(self):
        with self.assertRaisesRegex(Exception, "CLIENT PAUSE mode must be WRITE or ALL"):
            self.r.execute_command("CLIENT", "PAUSE", 100, "SOME")
        with self.assertRaisesRegex(Exception, "timeout is not an integer or out of range"):
            self.r.execute_command("CLIENT", "PAUSE", "abc")
        with self.assertRaisesRegex(Exception, "timeout is negative"):
            self.r.execute_command("CLIENT", "PAUSE", -1)

    def test_expired_keys_are_not_deleted_during_a_write_pause(self):
        self.r.set("short", "v", px=20)
        expired_before = self.r.info("stats")["expired_keys"]
        self.r.execute_command("CLIENT", "PAUSE", 10000, "WRITE")
        time.sleep(0.1)
        self.assertIsNone(self.r.get("short"))  # logically gone...
        self.assertEqual(self.r.info("stats")["expired_keys"], expired_before)  # ...not deleted
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.assertIsNone(self.r.get("short"))
        self.assertEqual(self.r.info("stats")["expired_keys"], expired_before + 1)

    # ---- CLIENT UNBLOCK ---------------------------------------------------------------

    def blocked_client(self):
        conn = self.raw_conn(timeout=10)
        client_id = conn.command("CLIENT", "ID").to_py()
        conn.send_command("BLPOP", "nothing", "0")
        self.wait_blocked(1)
        return conn, client_id

    def test_unblock_with_timeout_gives_the_timeout_reply(self):
        conn, client_id = self.blocked_client()
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", client_id), 1)
        self.assertIsNone(conn.read_reply().to_py())
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_unblock_with_error_gives_the_unblocked_error(self):
        conn, client_id = self.blocked_client()
        self.assertEqual(
            self.r.execute_command("CLIENT", "UNBLOCK", client_id, "ERROR"), 1)
        reply = conn.read_reply()
        self.assertEqual(reply.type, "-")
        self.assertEqual(reply.to_py(), b"UNBLOCKED client unblocked via CLIENT UNBLOCK")

    def test_unblock_of_a_client_that_is_not_blocked_answers_zero(self):
        other = self.raw_conn()
        client_id = other.command("CLIENT", "ID").to_py()
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", client_id), 0)
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", 999999), 0)
        with self.assertRaisesRegex(Exception, "reason should be TIMEOUT or ERROR"):
            self.r.execute_command("CLIENT", "UNBLOCK", client_id, "LATER")

    # ---- CLIENT LIST ------------------------------------------------------------------

    def client_entry(self, client_id):
        for entry in self.r.client_list():
            if int(entry["id"]) == client_id:
                return entry
        self.fail("client %d not in CLIENT LIST" % client_id)

    def test_client_list_shows_queued_commands_and_blocked_clients(self):
        queuing = self.raw_conn()
        queuing_id = queuing.command("CLIENT", "ID").to_py()
        queuing.send(encode_command("MULTI") + encode_command("SET", "a", "1") +
                     encode_command("GET", "a"))
        queuing.read_replies(3)
        entry = self.client_entry(queuing_id)
        self.assertEqual((entry["flags"], entry["multi"]), ("x", "2"))
        conn, blocked_id = self.blocked_client()
        entry = self.client_entry(blocked_id)
        self.assertEqual((entry["flags"], entry["multi"]), ("b", "-1"))

    # ---- NO-EVICT, RESET --------------------------------------------------------------

    def test_client_no_evict_takes_on_and_off(self):
        self.assertEqual(self.r.execute_command("CLIENT", "NO-EVICT", "ON"), b"OK")
        self.assertEqual(self.r.execute_command("CLIENT", "NO-EVICT", "OFF"), b"OK")
        with self.assertRaisesRegex(Exception, "syntax error"):
            self.r.execute_command("CLIENT", "NO-EVICT", "MAYBE")

    def test_reset_returns_the_connection_to_its_first_state(self):
        conn = self.raw_conn()
        conn.command("HELLO", "3")
        conn.command("SELECT", "3")
        conn.command("CLIENT", "SETNAME", "someone")
        conn.command("MULTI")
        self.assertEqual(conn.command("RESET").to_py(), b"RESET")
        self.assertEqual(conn.command("CLIENT", "GETNAME").to_py(), None)
        info = conn.command("CLIENT", "INFO").to_py()
        self.assertIn(b" db=0 ", info)
        self.assertIn(b" resp=2", info)
        self.assertEqual(conn.command("PING").to_py(), b"PONG")  # not queued: MULTI is gone


if __name__ == "__main__":
    unittest.main()
