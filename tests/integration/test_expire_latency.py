"""The latency monitor's active expiry events through redis-py, checked against Redis 7.0.

A large set that expires is deleted by the active expire cycle; with latency-monitor-threshold
on, the cycle that freed it is an `expire-cycle` event and the deletion itself an `expire-del`
event (LATENCY LATEST / HISTORY), as Redis's own suite expects ("LATENCY of expire events are
correctly collected"). The threshold is 1 ms: freeing a million members takes longer than
that on any machine, so the tests do not depend on how fast the machine is.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_expire_latency.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main, wait_until  # noqa: E402

MEMBERS = 1000000
CHUNK = 10000


class TestExpireLatencyEvents(ServerTestCase):

    def expire_big_set(self):
        """Builds a set of MEMBERS members, gives it a 50 ms TTL and waits until the active
        expiry has deleted it (nothing reads the key, so only the cycle can)."""
        pipe = self.r.pipeline(transaction=False)
        for start in range(0, MEMBERS, CHUNK):
            pipe.sadd("bigset", *range(start, start + CHUNK))
        pipe.execute()
        self.assertEqual(self.r.scard("bigset"), MEMBERS)
        self.r.pexpire("bigset", 50)
        wait_until(lambda: self.r.dbsize() == 0, "the active expiry to delete the set")

    def latest_events(self):
        return {entry[0]: entry[1:] for entry in self.r.execute_command("LATENCY", "LATEST")}

    def test_expiring_a_big_set_is_an_expire_cycle_and_an_expire_del_event(self):
        self.r.config_set("latency-monitor-threshold", 1)
        self.r.execute_command("LATENCY", "RESET")
        self.expire_big_set()
        # Asked as soon as the key is gone, as the suite does: the cycle that deleted it has
        # been recorded by then.
        events = self.latest_events()
        self.assertIn(b"expire-cycle", events)
        self.assertIn(b"expire-del", events)
        _, latest_ms, max_ms = events[b"expire-cycle"]
        self.assertGreaterEqual(latest_ms, 1)
        self.assertGreaterEqual(max_ms, latest_ms)
        history = self.r.execute_command("LATENCY", "HISTORY", "expire-cycle")
        self.assertGreaterEqual(len(history), 1)
        self.assertTrue(all(latency_ms >= 1 for _, latency_ms in history), history)
        # A whole cycle is never shorter than the one deletion it ran.
        self.assertGreaterEqual(max_ms, events[b"expire-del"][2])
        self.assertIn(b"expire-cycle", self.r.execute_command("LATENCY", "DOCTOR"))

    def test_no_expire_event_while_monitoring_is_off(self):
        self.r.config_set("latency-monitor-threshold", 0)
        self.r.execute_command("LATENCY", "RESET")
        self.expire_big_set()
        self.assertEqual(self.r.execute_command("LATENCY", "LATEST"), [])
        self.assertEqual(self.r.execute_command("LATENCY", "HISTORY", "expire-cycle"), [])


if __name__ == "__main__":
    main()
