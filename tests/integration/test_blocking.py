"""Blocked clients across connections (and so across the server's I/O threads): who gets a
pushed element, in which order, what happens on timeout and on disconnect, and that a blocked
client's later pipelined commands wait for it.

Runs against redis-server 7.0 too (CAIRN_SERVER unset), which is how its expectations were
checked.
"""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, encode_command, is_reference_redis  # noqa: E402


class TestBlocking(ServerTestCase):

    # Four I/O threads: connections are spread over them round-robin, so waiters and pushers
    # sit on different threads.
    server_args = () if is_reference_redis() else ("--threads", "4")

    def blocked_conn(self, *command):
        conn = self.raw_conn(timeout=10)
        conn.send_command(*command)
        return conn

    def test_pushed_elements_go_to_blocked_clients_in_arrival_order(self):
        conns = []
        for i in range(3):
            conns.append(self.blocked_conn("BLPOP", "q", "0"))
            self.wait_blocked(i + 1)
        self.r.rpush("q", "a", "b", "c")
        got = [c.read_replies(1)[0].to_py() for c in conns]
        self.assertEqual(got, [[b"q", b"a"], [b"q", b"b"], [b"q", b"c"]])
        self.assertEqual(self.r.llen("q"), 0)
        self.wait_blocked(0)

    def test_the_pusher_sees_the_element_taken_by_the_blocked_client(self):
        conn = self.blocked_conn("BLPOP", "q", "0")
        self.wait_blocked(1)
        pusher = self.raw_conn()
        pusher.send(encode_command("RPUSH", "q", "x") + encode_command("LPOP", "q"))
        replies = [r.to_py() for r in pusher.read_replies(2)]
        self.assertEqual(replies, [1, None])
        self.assertEqual(conn.read_replies(1)[0].to_py(), [b"q", b"x"])

    def test_timeout_replies_nil_and_the_client_goes_on(self):
        conn = self.raw_conn()
        conn.send(encode_command("BLPOP", "q", "0.1") + encode_command("PING"))
        replies = conn.read_replies(2)
        self.assertIsNone(replies[0].to_py())
        self.assertEqual(replies[1].to_py(), b"PONG")

    def test_later_pipelined_commands_wait_for_the_blocked_one(self):
        conn = self.raw_conn(timeout=10)
        conn.send(encode_command("BLPOP", "q", "0") + encode_command("SET", "after", "1"))
        self.wait_blocked(1)
        self.assertIsNone(self.r.get("after"))
        self.r.rpush("q", "x")
        replies = [r.to_py() for r in conn.read_replies(2)]
        self.assertEqual(replies, [[b"q", b"x"], b"OK"])
        self.assertEqual(self.r.get("after"), b"1")

    def test_a_disconnected_waiter_takes_nothing(self):
        gone = self.blocked_conn("BLPOP", "q", "0")
        self.wait_blocked(1)
        stays = self.blocked_conn("BLPOP", "q", "0")
        self.wait_blocked(2)
        gone.close()
        self.wait_blocked(1)
        self.r.rpush("q", "x")
        self.assertEqual(stays.read_replies(1)[0].to_py(), [b"q", b"x"])

    def test_blmove_chain_serves_the_next_waiter(self):
        mover = self.blocked_conn("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
        self.wait_blocked(1)
        popper = self.blocked_conn("BLPOP", "dst", "0")
        self.wait_blocked(2)
        self.r.rpush("src", "x")
        self.assertEqual(mover.read_replies(1)[0].to_py(), b"x")
        self.assertEqual(popper.read_replies(1)[0].to_py(), [b"dst", b"x"])
        self.assertEqual(self.r.exists("src", "dst"), 0)

    def test_brpoplpush_queue_workers_process_every_job_once(self):
        jobs, workers = 200, 4
        done = []
        lock = threading.Lock()

        def worker():
            r = self.server.client()
            while True:
                job = r.brpoplpush("jobs", "processing", 2)
                if job is None:
                    break
                if job == b"stop":
                    r.lrem("processing", 1, job)
                    break
                with lock:
                    done.append(job)
                r.lrem("processing", 1, job)
            r.close()

        ts = [threading.Thread(target=worker) for _ in range(workers)]
        for t in ts:
            t.start()
        producer = self.server.client()
        for i in range(jobs):
            producer.lpush("jobs", "job%d" % i)
        for _ in range(workers):
            producer.lpush("jobs", "stop")
        for t in ts:
            t.join(30)
        self.assertEqual(sorted(done), sorted(b"job%d" % i for i in range(jobs)))
        self.assertEqual(self.r.llen("processing"), 0)

    def test_bzpopmin_is_served_by_zadd_from_another_connection(self):
        conn = self.blocked_conn("BZPOPMIN", "z", "0")
        self.wait_blocked(1)
        self.r.zadd("z", {"m": 5})
        self.assertEqual(conn.read_replies(1)[0].to_py()[:2], [b"z", b"m"])

    def test_xread_block_with_dollar_gets_only_new_entries(self):
        self.r.xadd("s", {"f": "old"}, id="1-1")
        conn = self.blocked_conn("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        self.wait_blocked(1)
        self.r.xadd("s", {"f": "new"}, id="2-1")
        reply = conn.read_replies(1)[0].to_py()
        self.assertEqual(reply, [[b"s", [[b"2-1", [b"f", b"new"]]]]])


if __name__ == "__main__":
    unittest.main()
