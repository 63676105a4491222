"""Streams through redis-py against the real server: an event log, consumer groups, and
XREAD BLOCK served from another connection.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_streams.py
"""

import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, main  # noqa: E402


class TestEventLog(ServerTestCase):
    def test_auto_ids_ranges_and_trim(self):
        ids = [self.r.xadd("log", {"n": str(i), "kind": "click"}) for i in range(50)]
        as_tuple = [tuple(int(x) for x in i.split(b"-")) for i in ids]
        self.assertEqual(as_tuple, sorted(set(as_tuple)))
        self.assertEqual(self.r.xlen("log"), 50)
        first = self.r.xrange("log", count=2)
        self.assertEqual([e[0] for e in first], ids[:2])
        self.assertEqual(first[0][1], {b"n": b"0", b"kind": b"click"})
        last = self.r.xrevrange("log", count=1)
        self.assertEqual(last[0][0], ids[-1])
        self.assertEqual(self.r.xtrim("log", maxlen=10), 0)  # "~": whole nodes only
        self.assertEqual(self.r.xtrim("log", maxlen=10, approximate=False), 40)
        self.assertEqual([e[0] for e in self.r.xrange("log")], ids[40:])
        self.assertEqual(self.r.xdel("log", ids[40], ids[41]), 2)
        self.assertEqual(self.r.xlen("log"), 8)
        self.assertEqual(self.r.type("log"), b"stream")


class TestConsumerGroups(ServerTestCase):
    def test_two_groups_with_two_consumers_each(self):
        ids = [self.r.xadd("jobs", {"job": str(i)}) for i in range(6)]
        for group in ("billing", "audit"):
            self.r.xgroup_create("jobs", group, id="0")
        seen = {}
        for group in ("billing", "audit"):
            got = []
            for consumer in ("c1", "c2"):
                reply = self.r.xreadgroup(group, consumer, {"jobs": ">"}, count=3)
                entries = reply[0][1]
                got += [e[0] for e in entries]
                self.r.xack("jobs", group, *[e[0] for e in entries[:2]])
            seen[group] = got
        self.assertEqual(seen["billing"], ids)
        self.assertEqual(seen["audit"], ids)
        summary = self.r.xpending("jobs", "billing")
        self.assertEqual(summary["pending"], 2)
        self.assertEqual(summary["min"], ids[2])
        self.assertEqual(summary["max"], ids[5])
        # c1's unacknowledged entry goes idle and is claimed by c2, then auto-claimed by c3.
        time.sleep(0.05)
        claimed = self.r.xclaim("jobs", "billing", "c2", 10, [ids[2]])
        self.assertEqual([e[0] for e in claimed], [ids[2]])
        detail = self.r.xpending_range("jobs", "billing", "-", "+", 10, consumername="c2")
        self.assertEqual([d["message_id"] for d in detail], [ids[2], ids[5]])
        self.assertEqual(detail[0]["times_delivered"], 2)
        time.sleep(0.05)
        auto = self.r.xautoclaim("jobs", "billing", "c3", 10, start_id="0-0", count=1)
        self.assertEqual(auto[1][0][0], ids[2])
        groups = {g["name"]: g for g in self.r.xinfo_groups("jobs")}
        self.assertEqual(groups[b"billing"]["pending"], 2)
        self.assertEqual(groups[b"audit"]["pending"], 2)


class TestBlockingRead(ServerTestCase):
    def test_xread_block_served_by_xadd_from_another_connection(self):
        self.r.xadd("feed", {"a": "1"})
        reader = self.server.client()
        result = {}

        def read():
            result["reply"] = reader.xread({"feed": "$"}, block=5000)

        t = threading.Thread(target=read)
        t.start()
        time.sleep(0.3)
        self.assertTrue(t.is_alive(), "XREAD BLOCK replied before anything was added")
        new_id = self.r.xadd("feed", {"b": "2"})
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["reply"], [[b"feed", [(new_id, {b"b": b"2"})]]])
        reader.close()

    def test_xreadgroup_block_served_by_xadd_and_timeout(self):
        self.r.xgroup_create("q", "g", id="$", mkstream=True)
        reader = self.server.client()
        self.assertEqual(reader.xreadgroup("g", "c", {"q": ">"}, block=50), [])
        result = {}

        def read():
            result["reply"] = reader.xreadgroup("g", "c", {"q": ">"}, block=5000)

        t = threading.Thread(target=read)
        t.start()
        time.sleep(0.3)
        self.assertTrue(t.is_alive())
        new_id = self.r.xadd("q", {"job": "1"})
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["reply"], [[b"q", [(new_id, {b"job": b"1"})]]])
        self.assertEqual(self.r.xpending("q", "g")["pending"], 1)
        reader.close()


class TestXReadGroupAllOrNothing(ServerTestCase):
    """A failing XREADGROUP changes nothing: every stream and group is checked before any
    entry is delivered, so no earlier stream is left with entries in its PEL that the client
    never received."""

    NOGROUP = "NOGROUP No such key '%s' or consumer group 'g' in XREADGROUP with GROUP option"

    def setUp(self):
        super().setUp()
        self.r.xgroup_create("s1", "g", id="$", mkstream=True)
        self.first = self.r.xadd("s1", {"f": "v"})
        self.r.xadd("nogroup", {"f": "v"})
        self.r.set("str", "x")

    def xreadgroup(self, *streams_and_ids):
        return ["XREADGROUP", "GROUP", "g", "c", "STREAMS"] + list(streams_and_ids)

    def assertNothingDelivered(self):
        self.assertEqual(self.r.xpending("s1", "g")["pending"], 0)
        self.assertEqual(self.r.xinfo_consumers("s1", "g"), [])

    def test_a_missing_group_or_a_wrong_type_on_a_later_stream_delivers_nothing(self):
        self.assertErrorReply(self.xreadgroup("s1", "nogroup", ">", ">"),
                              self.NOGROUP % "nogroup")
        self.assertErrorReply(self.xreadgroup("s1", "missing", ">", ">"),
                              self.NOGROUP % "missing")
        self.assertErrorReply(self.xreadgroup("s1", "str", ">", ">"),
                              "WRONGTYPE Operation against a key holding the wrong kind of value")
        # A history read would create the consumer: not when a later stream fails.
        self.assertErrorReply(self.xreadgroup("s1", "missing", "0", ">"),
                              self.NOGROUP % "missing")
        self.assertNothingDelivered()
        self.assertEqual(self.r.xreadgroup("g", "c", {"s1": ">"}),
                         [[b"s1", [(self.first, {b"f": b"v"})]]])

    def test_each_stream_is_checked_for_type_group_and_id_in_turn(self):
        self.assertErrorReply(self.xreadgroup("s1", "missing", "abc", ">"),
                              "ERR Invalid stream ID specified as stream command argument")
        self.assertErrorReply(self.xreadgroup("s1", "missing", "$", ">"),
                              re.compile(r"ERR The \$ ID is meaningless"))
        self.assertErrorReply(self.xreadgroup("missing", "s1", ">", "abc"),
                              self.NOGROUP % "missing")
        self.assertErrorReply(self.xreadgroup("str", "s1", ">", "abc"),
                              "WRONGTYPE Operation against a key holding the wrong kind of value")
        self.assertNothingDelivered()

    def test_a_blocked_xreadgroup_served_when_a_group_is_gone_delivers_nothing(self):
        for key in ("b1", "b2"):
            self.r.xgroup_create(key, "g", id="$", mkstream=True)
        reader = self.raw_conn(10)
        reader.send_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS",
                            "b2", "b1", ">", ">")
        self.wait_blocked(1)
        # One transaction removes b1's group and adds to b2: the reader is woken with an
        # error (Redis: "the consumer group this client was blocked on no longer exists").
        pipe = self.r.pipeline(transaction=True)
        pipe.xgroup_destroy("b1", "g")
        pipe.xadd("b2", {"f": "w"})
        pipe.execute()
        reply = reader.read_reply(10)
        self.assertEqual(reply.type, "-", reply)
        self.assertTrue(reply.value.startswith(b"NOGROUP "), reply)
        self.assertEqual(self.r.xpending("b2", "g")["pending"], 0)
        self.assertEqual(self.r.xinfo_consumers("b2", "g"), [])



class TestBlockedReadersWhenTheKeyGoes(ServerTestCase):
    """As in Redis: a blocked XREADGROUP fails once its stream is deleted, flushed or re-created
    as another type, while BLPOP and XREAD keep waiting for a key of their own type."""

    def test_a_blocked_xreadgroup_fails_when_its_stream_goes(self):
        for change in (["DEL", "s"], ["SET", "s", "v"], ["FLUSHALL"], ["FLUSHDB"]):
            self.r.delete("s")
            self.r.xgroup_create("s", "g", id="$", mkstream=True)
            reader = self.raw_conn(10)
            reader.send_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
            self.wait_blocked(1)
            self.r.execute_command(*change)
            reply = reader.read_reply(10)
            self.assertEqual((reply.type, reply.value),
                             ("-", b"UNBLOCKED the stream key no longer exists"), change)

    def test_blpop_and_xread_keep_waiting_when_the_key_gets_another_type(self):
        popper = self.raw_conn(10)
        popper.send_command("BLPOP", "k", "0")
        reader = self.raw_conn(10)
        reader.send_command("XREAD", "BLOCK", "0", "STREAMS", "k", "$")
        self.wait_blocked(2)
        self.r.set("k", "v")
        self.r.delete("k")
        self.r.rpush("k", "a")
        self.assertEqual(popper.read_reply(10).to_py(), [b"k", b"a"])
        self.assertEqual(self.r.info("clients")["blocked_clients"], 1)
        new_id = self.r.xadd("k", {"f": "v"})
        self.assertEqual(reader.read_reply(10).to_py(), [[b"k", [[new_id, [b"f", b"v"]]]]])


class TestStreamRecovery(unittest.TestCase):
    def test_kill9_after_a_snapshot_keeps_entries_groups_and_pel(self):
        root = tempfile.mkdtemp(prefix="cairn-streams-")
        self.addCleanup(shutil.rmtree, root, True)
        server = DurableServer(root).start()
        try:
            r = server.client()
            ids = [r.xadd("s", {"k": str(i)}) for i in range(300)]
            r.xdel("s", ids[5], ids[150])
            r.xtrim("s", maxlen=250, approximate=False)
            r.xgroup_create("s", "g", id="0")
            r.xreadgroup("g", "alice", {"s": ">"}, count=5)
            r.execute_command("BGSAVE")  # the snapshot holds part, the WAL the rest
            time.sleep(0.5)
            r.xack("s", "g", ids[50])
            r.xclaim("s", "g", "bob", 0, [ids[51]])
            r.xgroup_createconsumer("s", "g", "carol")
            before = r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
            r.close()
            server.kill9()
            server.start()
            r = server.client()
            after = r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
            r.close()
            # The node layout (radix-tree-keys/-nodes) is internal; everything else must match.
            for info in (before, after):
                for field in (b"radix-tree-keys", b"radix-tree-nodes"):
                    i = info.index(field)
                    info[i + 1] = None
            self.assertEqual(before, after)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
