"""Pub/Sub as a user sees it: redis-py's pubsub() (get_message, listen, run_in_thread with
handlers), pattern and sharded subscriptions, PUBSUB introspection, the exact RESP2 arrays
and RESP3 push frames, what a subscribed client may still run, RESET, message order from one
publisher to many subscribers on different I/O threads, and a subscriber that stops reading
being disconnected at the pubsub output limit (hard 32mb by default) while the publisher goes
on.

Runs against redis-server 7.0 too (CAIRN_SERVER unset), which is how its expectations were
checked.
"""
import os
import selectors
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, encode_command, is_reference_redis  # noqa: E402

SUBSCRIBED_CONTEXT = ("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING"
                      " / QUIT / RESET are allowed in this context")


def bulk(value):
    if isinstance(value, str):
        value = value.encode()
    return b"$%d\r\n%s\r\n" % (len(value), value)


def frame(kind, *items):
    """The bytes of one RESP2 Pub/Sub array: kind, then bulk strings and integers."""
    out = [b"*%d\r\n" % (1 + len(items)), bulk(kind)]
    for item in items:
        out.append(b":%d\r\n" % item if isinstance(item, int) else bulk(item))
    return b"".join(out)


def numbered(i):
    return b"msg-%06d" % i


class TestPubSub(ServerTestCase):

    # Four I/O threads: connections are spread over them round-robin, so publishers and
    # subscribers sit on different threads.
    server_args = () if is_reference_redis() else ("--threads", "4")
    # The slow-subscriber test bounds the server's RSS.
    asan_quarantine_mb = 16

    def setUp(self):
        super().setUp()
        # A previous test's connections may still be on their way out: start from a server
        # with no subscriptions at all, so counts and listings below are this test's own.
        self.wait_for(lambda: (self.r.pubsub_numpat() == 0 and self.r.pubsub_channels() == []
                               and self.r.execute_command("PUBSUB", "SHARDCHANNELS") == []),
                      timeout=10, msg="no subscriptions left from earlier tests")

    # -- helpers ------------------------------------------------------------

    def pubsub(self, **kw):
        p = self.r.pubsub(**kw)
        self.addCleanup(p.close)
        return p

    def next_message(self, p, timeout=10.0):
        """The next message redis-py parses on p, or a failure after timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = p.get_message(timeout=0.2)
            if m is not None:
                return m
        self.fail("no message within %.0fs" % timeout)

    def assertNoMoreMessages(self, p):
        self.assertIsNone(p.get_message(timeout=0.3))

    def subscriber(self, command, *names, resp3=False):
        """A raw connection that ran `command names...` and read its confirmations."""
        c = self.raw_conn(timeout=10)
        if resp3:
            c.send_command("HELLO", "3")
            c.read_replies(1)
        c.send_command(command, *names)
        c.read_replies(len(names))
        return c

    def exchange(self, conn, *args, replies=1):
        conn.send_command(*args)
        return conn.read_replies_bytes(replies, timeout=10)

    def numsub(self, channel):
        return dict(self.r.pubsub_numsub(channel))[channel.encode()]

    def shardnumsub(self, channel):
        reply = self.r.execute_command("PUBSUB", "SHARDNUMSUB", channel)
        return reply[1]

    # -- redis-py -----------------------------------------------------------

    def test_get_message_returns_the_confirmation_then_the_published_message(self):
        p = self.pubsub()
        p.subscribe("news")
        self.assertEqual(self.next_message(p), {"type": "subscribe", "pattern": None,
                                                "channel": b"news", "data": 1})
        self.assertEqual(self.r.publish("news", "hello"), 1)
        self.assertEqual(self.next_message(p), {"type": "message", "pattern": None,
                                                "channel": b"news", "data": b"hello"})
        self.assertNoMoreMessages(p)

    def test_listen_yields_every_message_in_publish_order(self):
        p = self.pubsub(ignore_subscribe_messages=True)
        p.subscribe("feed")
        self.wait_for(lambda: self.numsub("feed") == 1, msg="the subscription")
        for i in range(50):
            self.r.publish("feed", numbered(i))
        got = []
        for m in p.listen():
            got.append(m["data"])
            if len(got) == 50:
                break
        self.assertEqual(got, [numbered(i) for i in range(50)])

    def test_run_in_thread_calls_the_channel_and_pattern_handlers(self):
        received = []
        done = threading.Event()

        def handler(message):
            received.append((message["type"], message["pattern"], message["channel"],
                             message["data"]))
            if len(received) == 3:
                done.set()

        p = self.pubsub()
        p.subscribe(**{"orders": handler})
        p.psubscribe(**{"audit.*": handler})
        thread = p.run_in_thread(sleep_time=0.01, daemon=True)
        self.addCleanup(thread.join, 5)
        self.addCleanup(thread.stop)
        self.wait_for(lambda: self.numsub("orders") == 1 and self.r.pubsub_numpat() == 1,
                      msg="the worker's subscriptions")
        self.assertEqual(self.r.publish("orders", "o1"), 1)
        self.assertEqual(self.r.publish("audit.login", "a1"), 1)
        self.assertEqual(self.r.publish("orders", "o2"), 1)
        self.assertTrue(done.wait(10), "handlers got only %r" % received)
        self.assertEqual(received, [("message", None, b"orders", b"o1"),
                                    ("pmessage", b"audit.*", b"audit.login", b"a1"),
                                    ("message", None, b"orders", b"o2")])

    def test_a_pattern_subscriber_gets_pmessage_naming_the_pattern(self):
        p = self.pubsub()
        p.psubscribe("user.*", "h?llo", "h[ae]y")
        self.assertEqual([self.next_message(p)["data"] for _ in range(3)], [1, 2, 3])
        self.assertEqual(self.r.publish("user.42", "a"), 1)
        self.assertEqual(self.r.publish("hallo", "b"), 1)
        self.assertEqual(self.r.publish("hey", "c"), 1)
        self.assertEqual(self.r.publish("user", "nobody"), 0)
        self.assertEqual(self.r.publish("hoy", "nobody"), 0)
        self.assertEqual(
            [self.next_message(p) for _ in range(3)],
            [{"type": "pmessage", "pattern": b"user.*", "channel": b"user.42", "data": b"a"},
             {"type": "pmessage", "pattern": b"h?llo", "channel": b"hallo", "data": b"b"},
             {"type": "pmessage", "pattern": b"h[ae]y", "channel": b"hey", "data": b"c"}])
        self.assertNoMoreMessages(p)

    def test_confirmations_count_channels_and_patterns_together(self):
        p = self.pubsub()
        p.subscribe("a", "b")
        p.psubscribe("p*")
        p.subscribe("a")  # again: confirmed, the count does not change
        got = [(m["type"], m["channel"], m["data"]) for m in
               (self.next_message(p) for _ in range(4))]
        self.assertEqual(got, [("subscribe", b"a", 1), ("subscribe", b"b", 2),
                               ("psubscribe", b"p*", 3), ("subscribe", b"a", 3)])

    def test_unsubscribe_without_arguments_leaves_every_channel(self):
        p = self.pubsub()
        p.subscribe("a", "b", "c")
        for _ in range(3):
            self.next_message(p)
        p.unsubscribe()
        got = [self.next_message(p) for _ in range(3)]
        self.assertEqual(sorted(m["channel"] for m in got), [b"a", b"b", b"c"])
        self.assertEqual({m["type"] for m in got}, {"unsubscribe"})
        self.assertEqual(got[-1]["data"], 0)
        self.assertFalse(p.subscribed)
        self.assertEqual(self.r.pubsub_numsub("a", "b", "c"), [(b"a", 0), (b"b", 0), (b"c", 0)])
        self.assertEqual(self.r.publish("a", "x"), 0)

    def test_punsubscribe_without_arguments_leaves_every_pattern_but_not_the_channels(self):
        p = self.pubsub()
        p.subscribe("plain")
        p.psubscribe("x*", "y*")
        for _ in range(3):
            self.next_message(p)
        p.punsubscribe()
        got = [self.next_message(p) for _ in range(2)]
        self.assertEqual(sorted(m["channel"] for m in got), [b"x*", b"y*"])
        self.assertEqual(got[-1]["data"], 1)  # the channel is still there
        self.assertEqual(self.r.pubsub_numpat(), 0)
        self.assertEqual(self.r.publish("plain", "still"), 1)
        self.assertEqual(self.next_message(p)["data"], b"still")

    def test_each_unsubscribe_confirmation_carries_the_count_left_after_it(self):
        p = self.pubsub()
        p.subscribe("a", "b")
        p.psubscribe("p*")
        for _ in range(3):
            self.next_message(p)
        p.unsubscribe("a", "b")
        got = [(m["channel"], m["data"]) for m in (self.next_message(p) for _ in range(2))]
        self.assertEqual(got, [(b"a", 2), (b"b", 1)])
        c = self.subscriber("SSUBSCRIBE", "s1", "s2")
        self.assertEqual(self.exchange(c, "SUNSUBSCRIBE", "s1", "s2", replies=2),
                         frame("sunsubscribe", "s1", 1) + frame("sunsubscribe", "s2", 0))

    def test_publish_counts_and_delivers_twice_to_a_client_subscribed_by_name_and_pattern(self):
        p = self.pubsub()
        p.subscribe("chat")
        p.psubscribe("ch*")
        self.next_message(p)
        self.next_message(p)
        other = self.pubsub()
        other.psubscribe("*")
        self.next_message(other)
        self.assertEqual(self.r.publish("chat", "hi"), 3)
        got = [self.next_message(p) for _ in range(2)]
        self.assertEqual(got, [
            {"type": "message", "pattern": None, "channel": b"chat", "data": b"hi"},
            {"type": "pmessage", "pattern": b"ch*", "channel": b"chat", "data": b"hi"}])
        self.assertEqual(self.next_message(other)["pattern"], b"*")
        self.assertNoMoreMessages(p)
        self.assertNoMoreMessages(other)

    def test_publish_to_a_channel_nobody_listens_to_reaches_no_one(self):
        self.assertEqual(self.r.publish("empty", "x"), 0)
        p = self.pubsub()
        p.subscribe("other")
        self.next_message(p)
        self.assertEqual(self.r.publish("empty", "x"), 0)
        self.assertNoMoreMessages(p)

    def test_ping_on_a_subscribed_redis_py_pubsub_returns_a_pong_message(self):
        p = self.pubsub()
        p.subscribe("a")
        self.next_message(p)
        p.ping()
        self.assertEqual(self.next_message(p), {"type": "pong", "pattern": None,
                                                "channel": None, "data": b""})

    def test_pubsub_channels_lists_active_channels_with_and_without_a_pattern(self):
        p1, p2 = self.pubsub(), self.pubsub()
        p1.subscribe("news.tech", "news.art", "weather")
        p2.subscribe("news.tech")
        p2.psubscribe("news.*")  # a pattern does not make a channel active
        for _ in range(3):
            self.next_message(p1)
        for _ in range(2):
            self.next_message(p2)
        self.assertEqual(sorted(self.r.pubsub_channels()),
                         [b"news.art", b"news.tech", b"weather"])
        self.assertEqual(sorted(self.r.pubsub_channels("news.*")), [b"news.art", b"news.tech"])
        self.assertEqual(self.r.pubsub_channels("nothing*"), [])
        p1.unsubscribe("weather", "news.tech")
        self.next_message(p1)
        self.next_message(p1)
        self.assertEqual(sorted(self.r.pubsub_channels()), [b"news.art", b"news.tech"])

    def test_pubsub_channels_with_an_empty_pattern_matches_only_the_empty_channel(self):
        self.subscriber("SUBSCRIBE", "", "x")
        self.assertEqual(self.r.execute_command("PUBSUB", "CHANNELS", ""), [b""])

    def test_pubsub_channels_with_two_patterns_is_an_error(self):
        self.assertErrorReply(["PUBSUB", "CHANNELS", "a", "b"],
                              "ERR unknown subcommand or wrong number of arguments for "
                              "'CHANNELS'. Try PUBSUB HELP.")

    def test_numsub_is_a_flat_array_of_channel_and_subscriber_count(self):
        self.subscriber("SUBSCRIBE", "a", "b")
        self.subscriber("SUBSCRIBE", "a")
        self.subscriber("PSUBSCRIBE", "a*")  # patterns are not counted by NUMSUB
        self.assertEqual(self.raw(encode_command("PUBSUB", "NUMSUB", "a", "b", "c")),
                         b"*6\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:1\r\n$1\r\nc\r\n:0\r\n")
        self.assertEqual(self.raw(encode_command("PUBSUB", "NUMSUB")), b"*0\r\n")
        self.assertEqual(self.r.pubsub_numsub("a", "b"), [(b"a", 2), (b"b", 1)])

    def test_numpat_counts_unique_patterns_across_clients(self):
        self.assertEqual(self.r.pubsub_numpat(), 0)
        p1, p2 = self.pubsub(), self.pubsub()
        p1.psubscribe("a*", "b*")
        p2.psubscribe("a*")
        p2.subscribe("c")  # a channel is not a pattern
        for _ in range(2):
            self.next_message(p1)
            self.next_message(p2)
        self.assertEqual(self.r.pubsub_numpat(), 2)
        p1.punsubscribe("a*")
        self.next_message(p1)
        self.assertEqual(self.r.pubsub_numpat(), 2)  # p2 still has a*
        p2.punsubscribe("a*")
        self.next_message(p2)
        self.assertEqual(self.r.pubsub_numpat(), 1)

    def test_pubsub_help_lists_the_subcommands(self):
        lines = [
            b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            b"CHANNELS [<pattern>]",
            b"    Return the currently active channels matching a <pattern> (default: '*').",
            b"NUMPAT",
            b"    Return number of subscriptions to patterns.",
            b"NUMSUB [<channel> ...]",
            b"    Return the number of subscribers for the specified channels, excluding",
            b"    pattern subscriptions(default: no channels).",
            b"SHARDCHANNELS [<pattern>]",
            b"    Return the currently active shard level channels matching a <pattern> "
            b"(default: '*').",
            b"SHARDNUMSUB [<shardchannel> ...]",
            b"    Return the number of subscribers for the specified shard level channel(s)",
            b"HELP",
            b"    Prints this help."]
        self.assertEqual(self.raw(encode_command("PUBSUB", "HELP")),
                         b"*14\r\n" + b"".join(b"+%s\r\n" % line for line in lines))

    def test_pubsub_errors_name_the_subcommand_or_command(self):
        self.assertErrorReply(["PUBSUB", "FOO"], "ERR unknown subcommand 'FOO'. Try PUBSUB HELP.")
        for args in (["PUBLISH", "a"], ["SUBSCRIBE"], ["SPUBLISH", "a", "b", "c"]):
            self.assertErrorReply(args, "ERR wrong number of arguments for '%s' command"
                                  % args[0].lower())

    # -- sharded channels ---------------------------------------------------

    def test_spublish_reaches_shard_subscribers_and_not_plain_or_pattern_ones(self):
        shard = self.subscriber("SSUBSCRIBE", "orders")
        plain = self.subscriber("SUBSCRIBE", "orders")
        pattern = self.subscriber("PSUBSCRIBE", "*")
        self.assertEqual(self.r.execute_command("SPUBLISH", "orders", "s1"), 1)
        self.assertEqual(self.r.publish("orders", "p1"), 2)
        self.assertEqual(shard.read_replies_bytes(1), frame("smessage", "orders", "s1"))
        self.assertEqual(plain.read_replies_bytes(1), frame("message", "orders", "p1"))
        self.assertEqual(pattern.read_replies_bytes(1), frame("pmessage", "*", "orders", "p1"))
        # Nothing else came: the next thing each connection reads is its PING's reply.
        pong = frame("pong", "")
        for conn in (shard, plain, pattern):
            self.assertEqual(self.exchange(conn, "PING"), pong)

    def test_shard_and_plain_subscription_counts_are_separate(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.assertEqual(self.exchange(c, "SSUBSCRIBE", "a", "z", replies=2),
                         frame("ssubscribe", "a", 1) + frame("ssubscribe", "z", 2))
        self.assertEqual(self.exchange(c, "PSUBSCRIBE", "p*"), frame("psubscribe", "p*", 2))

    def test_shardchannels_and_shardnumsub_see_only_the_shard_namespace(self):
        self.subscriber("SSUBSCRIBE", "s.one", "s.two")
        self.subscriber("SSUBSCRIBE", "s.one")
        self.subscriber("SUBSCRIBE", "plain", "s.three")
        self.assertEqual(sorted(self.r.execute_command("PUBSUB", "SHARDCHANNELS")),
                         [b"s.one", b"s.two"])
        self.assertEqual(sorted(self.r.execute_command("PUBSUB", "SHARDCHANNELS", "*one")),
                         [b"s.one"])
        self.assertEqual(self.raw(encode_command("PUBSUB", "SHARDNUMSUB", "s.one", "s.two",
                                                 "plain")),
                         b"*6\r\n$5\r\ns.one\r\n:2\r\n$5\r\ns.two\r\n:1\r\n$5\r\nplain\r\n:0\r\n")
        self.assertEqual(sorted(self.r.pubsub_channels()), [b"plain", b"s.three"])
        self.assertEqual(self.r.pubsub_numsub("s.one"), [(b"s.one", 0)])

    def test_sunsubscribe_leaves_shard_channels_and_spublish_no_longer_reaches_them(self):
        c = self.subscriber("SSUBSCRIBE", "s1", "s2")
        self.assertEqual(self.exchange(c, "SUNSUBSCRIBE", "s1"), frame("sunsubscribe", "s1", 1))
        self.assertEqual(self.r.execute_command("SPUBLISH", "s1", "x"), 0)
        self.assertEqual(self.shardnumsub("s1"), 0)
        self.assertEqual(self.exchange(c, "SUNSUBSCRIBE"), frame("sunsubscribe", "s2", 0))
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDCHANNELS"), [])
        # With no subscription left the connection is a normal one again.
        self.assertEqual(self.exchange(c, "GET", "k"), b"$-1\r\n")

    def test_ssubscribe_inside_a_transaction_is_refused(self):
        c = self.raw_conn()
        c.send(encode_command("MULTI") + encode_command("SSUBSCRIBE", "q")
               + encode_command("EXEC"))
        self.assertEqual(c.read_replies_bytes(3),
                         b"+OK\r\n+QUEUED\r\n*1\r\n-ERR SSUBSCRIBE isn't allowed for a DENY "
                         b"BLOCKING client\r\n")
        self.assertEqual(self.shardnumsub("q"), 0)

    # -- exact bytes --------------------------------------------------------

    def test_resp2_confirmations_and_messages_are_arrays(self):
        c = self.raw_conn()
        self.assertEqual(self.exchange(c, "SUBSCRIBE", "a", "b", replies=2),
                         b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
                         b"*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n")
        self.assertEqual(self.exchange(c, "PSUBSCRIBE", "a*"),
                         b"*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n")
        self.assertEqual(self.r.publish("a", "hello"), 2)
        self.assertEqual(c.read_replies_bytes(2),
                         b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"
                         b"*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n")
        self.assertEqual(self.exchange(c, "UNSUBSCRIBE", "b"),
                         b"*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n")
        self.assertEqual(self.exchange(c, "PUNSUBSCRIBE", "a*"),
                         b"*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:1\r\n")

    def test_resp3_confirmations_and_messages_are_push_frames(self):
        c = self.raw_conn()
        self.exchange(c, "HELLO", "3")
        self.assertEqual(self.exchange(c, "SUBSCRIBE", "a"),
                         b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n")
        self.assertEqual(self.exchange(c, "PSUBSCRIBE", "a*"),
                         b">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n")
        self.assertEqual(self.exchange(c, "SSUBSCRIBE", "s"),
                         b">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n")
        self.assertEqual(self.r.publish("a", "hey"), 2)
        self.assertEqual(self.r.execute_command("SPUBLISH", "s", "sh"), 1)
        self.assertEqual(c.read_replies_bytes(3),
                         b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$3\r\nhey\r\n"
                         b">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$3\r\nhey\r\n"
                         b">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$2\r\nsh\r\n")
        self.assertEqual(self.exchange(c, "UNSUBSCRIBE", "a"),
                         b">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n")

    def test_resp3_subscriber_can_still_run_get_and_ping(self):
        self.r.set("k", "v")
        c = self.subscriber("SUBSCRIBE", "a", resp3=True)
        self.assertEqual(self.exchange(c, "GET", "k"), b"$1\r\nv\r\n")
        self.assertEqual(self.exchange(c, "GET", "missing"), b"_\r\n")
        self.assertEqual(self.exchange(c, "PING"), b"+PONG\r\n")
        self.assertEqual(self.r.publish("a", "m"), 1)
        self.assertEqual(c.read_replies_bytes(1), b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n")
        self.assertEqual(self.exchange(c, "SET", "k", "w"), b"+OK\r\n")
        self.assertEqual(self.r.get("k"), b"w")

    def test_resp3_subscriber_publishing_to_itself_gets_the_message_before_the_reply(self):
        c = self.subscriber("SUBSCRIBE", "a", resp3=True)
        self.assertEqual(self.exchange(c, "PUBLISH", "a", "self", replies=2),
                         b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nself\r\n:1\r\n")

    def test_resp2_subscriber_commands_outside_subscribed_mode_are_refused(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.assertEqual(self.exchange(c, "GET", "k"),
                         b"-" + (SUBSCRIBED_CONTEXT % "get").encode() + b"\r\n")
        self.assertEqual(self.exchange(c, "SET", "k", "v"),
                         b"-" + (SUBSCRIBED_CONTEXT % "set").encode() + b"\r\n")
        self.assertIsNone(self.r.get("k"))
        # Still subscribed, still receiving.
        self.assertEqual(self.r.publish("a", "m"), 1)
        self.assertEqual(c.read_replies_bytes(1), frame("message", "a", "m"))

    def test_resp2_shard_subscriber_is_also_in_subscribed_mode(self):
        c = self.subscriber("SSUBSCRIBE", "s")
        self.assertEqual(self.exchange(c, "GET", "k"),
                         b"-" + (SUBSCRIBED_CONTEXT % "get").encode() + b"\r\n")

    def test_resp2_client_runs_get_again_after_leaving_every_subscription(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.exchange(c, "PSUBSCRIBE", "p*")
        self.exchange(c, "UNSUBSCRIBE")
        self.assertEqual(self.exchange(c, "GET", "k"),
                         b"-" + (SUBSCRIBED_CONTEXT % "get").encode() + b"\r\n")
        self.exchange(c, "PUNSUBSCRIBE")
        self.assertEqual(self.exchange(c, "GET", "k"), b"$-1\r\n")
        self.assertEqual(self.exchange(c, "PING"), b"+PONG\r\n")

    def test_quit_while_subscribed_replies_ok_and_closes(self):
        c = self.subscriber("SUBSCRIBE", "a")
        c.send_command("QUIT")
        out, closed = c.read_until_close(5)
        self.assertEqual(out, b"+OK\r\n")
        self.assertTrue(closed)
        self.wait_for(lambda: self.numsub("a") == 0, msg="NUMSUB 0")

    def test_resp2_ping_while_subscribed_replies_a_pong_pair(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.assertEqual(self.exchange(c, "PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        self.assertEqual(self.exchange(c, "PING", "hi"), b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n")

    def test_reset_replies_reset_drops_subscriptions_and_allows_get(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.exchange(c, "PSUBSCRIBE", "p*")
        self.exchange(c, "SSUBSCRIBE", "s")
        self.assertEqual(self.numsub("a"), 1)
        self.assertEqual(self.exchange(c, "RESET"), b"+RESET\r\n")
        self.assertEqual(self.numsub("a"), 0)
        self.assertEqual(self.r.pubsub_numpat(), 0)
        self.assertEqual(self.shardnumsub("s"), 0)
        self.assertEqual(self.r.publish("a", "gone"), 0)
        self.assertEqual(self.exchange(c, "GET", "k"), b"$-1\r\n")

    def test_reset_returns_a_resp3_subscriber_to_resp2(self):
        c = self.subscriber("SUBSCRIBE", "a", resp3=True)
        self.assertEqual(self.exchange(c, "RESET"), b"+RESET\r\n")
        self.assertEqual(self.exchange(c, "GET", "k"), b"$-1\r\n")
        self.assertEqual(self.r.publish("a", "gone"), 0)

    def test_unsubscribe_with_no_subscriptions_replies_a_null_channel_and_count_zero(self):
        c = self.raw_conn()
        self.assertEqual(self.exchange(c, "UNSUBSCRIBE"),
                         b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        self.assertEqual(self.exchange(c, "PUNSUBSCRIBE"),
                         b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n")
        self.assertEqual(self.exchange(c, "SUNSUBSCRIBE"),
                         b"*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n")
        self.exchange(c, "HELLO", "3")
        self.assertEqual(self.exchange(c, "UNSUBSCRIBE"),
                         b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")
        # The client never entered subscribed mode.
        self.assertEqual(self.exchange(c, "GET", "k"), b"_\r\n")

    def test_a_message_published_before_unsubscribe_arrives_before_its_confirmation(self):
        c = self.subscriber("SUBSCRIBE", "a")
        self.assertEqual(self.r.publish("a", "last"), 1)
        self.assertEqual(self.exchange(c, "UNSUBSCRIBE", "a", replies=2),
                         frame("message", "a", "last") + frame("unsubscribe", "a", 0))

    def test_client_list_shows_a_subscribers_counts_and_flag(self):
        c = self.subscriber("SUBSCRIBE", "a", "b")
        self.exchange(c, "PSUBSCRIBE", "p*")
        self.exchange(c, "SSUBSCRIBE", "s")
        port = c.sock.getsockname()[1]
        line = [entry for entry in self.r.client_list()
                if entry["addr"] == "127.0.0.1:%d" % port]
        self.assertEqual(len(line), 1)
        fields = line[0]
        self.assertEqual((fields["flags"], fields["sub"], fields["psub"], fields["ssub"]),
                         ("P", "2", "1", "1"))

    # -- order and fan-out --------------------------------------------------

    def test_one_publisher_reaches_each_subscriber_exactly_once_in_order(self):
        count = 1000
        subscribers = []
        for _ in range(3):
            p = self.pubsub(ignore_subscribe_messages=True)
            p.subscribe("seq")
            subscribers.append(p)
        p = self.pubsub(ignore_subscribe_messages=True)
        p.psubscribe("se?")
        subscribers.append(p)
        self.wait_for(lambda: self.numsub("seq") == 3 and self.r.pubsub_numpat() == 1,
                      msg="four subscribers")
        publisher = self.server.client()
        self.addCleanup(publisher.close)
        with publisher.pipeline(transaction=False) as pipe:
            for i in range(count):
                pipe.publish("seq", numbered(i))
            self.assertEqual(pipe.execute(), [4] * count)
        expected = [numbered(i) for i in range(count)]
        for p in subscribers:
            got = []
            while len(got) < count:
                m = self.next_message(p)
                got.append(m["data"])
            self.assertEqual(got, expected)
            self.assertNoMoreMessages(p)

    def test_fan_out_to_200_subscribers_delivers_100k_messages_once_in_order(self):
        # One publisher, 200 subscribers spread over the four I/O threads: 20M deliveries
        # (about 8 s on a release build, 20 s under AddressSanitizer).
        n_subs, n_msgs = 200, 100_000
        conns = [self.subscriber("SUBSCRIBE", "fan") for _ in range(n_subs)]
        self.assertEqual(self.numsub("fan"), n_subs)
        expected = b"".join(frame("message", "fan", numbered(i)) for i in range(n_msgs))
        publisher = self.raw_conn(timeout=30)
        publish_errors = []

        def publish():
            try:
                batch = 100
                for start in range(0, n_msgs, batch):
                    publisher.send(b"".join(encode_command("PUBLISH", "fan", numbered(i))
                                            for i in range(start, start + batch)))
                    replies = publisher.read_replies_bytes(batch, timeout=30)
                    if replies != b":%d\r\n" % n_subs * batch:
                        publish_errors.append(replies[:200])
            except Exception as e:  # reported by the main thread
                publish_errors.append(e)

        thread = threading.Thread(target=publish)
        thread.start()
        received = self.read_streams(conns, len(expected), timeout=180)
        thread.join(30)
        self.assertEqual(publish_errors, [])
        for i, data in enumerate(received):
            self.assertEqual(len(data), len(expected), "subscriber %d" % i)
            if data != expected:
                first = next(j for j in range(len(data)) if data[j] != expected[j])
                self.fail("subscriber %d got other messages or another order: %r instead of %r"
                          % (i, data[first - 40:first + 40], expected[first - 40:first + 40]))
        # Nothing more is on its way: each subscriber's next reply is its PING's.
        for c in conns:
            c.send_command("PING")
        for c in conns:
            self.assertEqual(c.read_replies_bytes(1, timeout=10), frame("pong", ""))

    def test_messages_never_land_inside_a_resp3_reply(self):
        value = b"v" * (256 * 1024)
        self.r.set("big", value)
        c = self.subscriber("SUBSCRIBE", "side", resp3=True)
        gets, msgs = 40, 400
        publisher = self.server.client()
        self.addCleanup(publisher.close)

        def publish():
            for i in range(msgs):
                publisher.publish("side", numbered(i))

        thread = threading.Thread(target=publish)
        thread.start()
        c.send(encode_command("GET", "big") * gets)
        replies = c.read_replies(gets + msgs, timeout=30)
        thread.join(30)
        pushes = [r.to_py() for r in replies if r.type == ">"]
        others = [(r.type, r.value) for r in replies if r.type != ">"]
        self.assertEqual(pushes, [[b"message", b"side", numbered(i)] for i in range(msgs)])
        self.assertEqual(others, [("$", value)] * gets)

    @unittest.skipUnless(is_reference_redis(),
                         "cairn: with four publishers on different I/O threads publishing to one "
                         "channel at once, subscribers see the messages interleaved in different "
                         "orders; Redis delivers one order to all")
    def test_concurrent_publishers_messages_reach_every_subscriber_in_the_same_order(self):
        n_subs, n_pubs, n_msgs = 16, 4, 1000
        conns = [self.subscriber("SUBSCRIBE", "shared") for _ in range(n_subs)]

        def publish(tag):
            p = self.server.raw_connection(timeout=30)
            try:
                for start in range(0, n_msgs, 50):
                    p.send(b"".join(encode_command("PUBLISH", "shared", "%s%d" % (tag, i))
                                    for i in range(start, start + 50)))
                    p.read_replies_bytes(50, timeout=30)
            finally:
                p.close()

        threads = [threading.Thread(target=publish, args=(tag,)) for tag in "ABCD"[:n_pubs]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        orders = []
        for c in conns:
            orders.append([r.value[2].value for r in c.read_replies(n_pubs * n_msgs, timeout=30)])
        for tag in "ABCD"[:n_pubs]:  # each publisher's own messages in its order
            self.assertEqual([m for m in orders[0] if m.startswith(tag.encode())],
                             [b"%s%d" % (tag.encode(), i) for i in range(n_msgs)])
        for i, order in enumerate(orders):
            self.assertTrue(order == orders[0], "subscriber %d saw another order" % i)

    def read_streams(self, conns, length, timeout):
        """Reads from every connection at once until each has `length` bytes (or more)."""
        data = [bytearray() for _ in conns]
        sel = selectors.DefaultSelector()
        for i, c in enumerate(conns):
            c.sock.setblocking(False)
            data[i] += c.buf
            c.buf = b""
            sel.register(c.sock, selectors.EVENT_READ, i)
        pending = sum(1 for d in data if len(d) < length)
        deadline = time.time() + timeout
        try:
            while pending and time.time() < deadline:
                for key, _ in sel.select(timeout=1.0):
                    i = key.data
                    try:
                        chunk = key.fileobj.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        self.fail("subscriber %d was disconnected" % i)
                    before = len(data[i])
                    data[i] += chunk
                    if before < length <= len(data[i]):
                        pending -= 1
        finally:
            sel.close()
            for c in conns:
                c.sock.setblocking(True)
        self.assertEqual(pending, 0, "%d subscribers still short of %d bytes after %ds"
                         % (pending, length, timeout))
        return [bytes(d) for d in data]

    # -- slow subscribers and disconnects -----------------------------------

    def server_rss_bytes(self):
        with open("/proc/%d/status" % self.server.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        self.fail("no VmRSS in /proc/%d/status" % self.server.proc.pid)

    def test_a_subscriber_that_stops_reading_is_disconnected_at_the_hard_limit(self):
        # A small receive buffer (set before connect, so the window is small from the start)
        # keeps the kernel from absorbing the messages: they pile up in the server.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", self.port))
        sock.sendall(encode_command("SUBSCRIBE", "firehose"))
        confirmation = frame("subscribe", "firehose", 1)
        got = b""
        while len(got) < len(confirmation):
            got += sock.recv(len(confirmation) - len(got))
        self.assertEqual(got, confirmation)
        addr = "127.0.0.1:%d" % sock.getsockname()[1]
        rss_before = self.server_rss_bytes()

        # 160 MB of 64 KB messages, five times the 32 MB hard limit; the subscriber reads none.
        size, count, batch = 64 * 1024, 2560, 64
        payload = b"x" * (size - 10)
        publisher = self.server.client(socket_timeout=30)
        self.addCleanup(publisher.close)
        receivers = []
        for start in range(0, count, batch):
            with publisher.pipeline(transaction=False) as pipe:
                for i in range(start, start + batch):
                    pipe.publish("firehose", b"%09d|" % i + payload)
                receivers += pipe.execute()
        # The subscriber was dropped while publishing went on: later messages reached no one.
        self.assertEqual(receivers[0], 1)
        self.assertEqual(receivers[-1], 0)
        self.wait_for(lambda: self.numsub("firehose") == 0, timeout=10, msg="NUMSUB 0")
        self.assertNotIn(addr, [c["addr"] for c in self.r.client_list()])

        # What reaches the subscriber is the start of the stream, in order, then the close.
        received = bytearray()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                chunk = sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        else:
            self.fail("the server did not close the slow subscriber")
        self.assertLess(len(received), 40 << 20)
        one = len(frame("message", "firehose", b"%09d|" % 0 + payload))
        whole = len(received) // one
        expected = b"".join(frame("message", "firehose", b"%09d|" % i + payload)
                            for i in range(whole + 1))
        self.assertTrue(expected.startswith(bytes(received)),
                        "the slow subscriber got messages out of order")

        # The server let go of the pending output.
        rss_after = self.server_rss_bytes()
        self.assertLess(rss_after, 200 << 20, "RSS %d MB" % (rss_after >> 20))
        self.assertLess(rss_after - rss_before, 96 << 20,
                        "RSS grew from %d MB to %d MB" % (rss_before >> 20, rss_after >> 20))
        # Other clients carry on.
        self.assertEqual(self.r.publish("firehose", "after"), 0)
        self.assertTrue(self.r.ping())

    def test_closing_a_subscriber_without_unsubscribing_removes_its_subscriptions(self):
        gone = self.subscriber("SUBSCRIBE", "room", "lobby")
        self.exchange(gone, "PSUBSCRIBE", "ro*")
        self.exchange(gone, "SSUBSCRIBE", "shard")
        stays = self.subscriber("SUBSCRIBE", "room")
        self.assertEqual(self.r.pubsub_numsub("room", "lobby"), [(b"room", 2), (b"lobby", 1)])
        self.assertEqual(self.r.publish("room", "x"), 3)
        gone.close()
        self.wait_for(lambda: self.numsub("room") == 1, msg="NUMSUB room 1")
        self.assertEqual(self.r.pubsub_numsub("room", "lobby"), [(b"room", 1), (b"lobby", 0)])
        self.assertEqual(self.r.pubsub_numpat(), 0)
        self.assertEqual(self.shardnumsub("shard"), 0)
        self.assertEqual(sorted(self.r.pubsub_channels()), [b"room"])
        self.assertEqual(self.r.publish("room", "y"), 1)
        self.assertEqual(stays.read_replies_bytes(2),
                         frame("message", "room", "x") + frame("message", "room", "y"))


if __name__ == "__main__":
    unittest.main()
