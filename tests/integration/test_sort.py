"""SORT and SORT_RO, checked against Redis 7.0: numeric and ALPHA order over lists, sets and
sorted sets, ASC/DESC, LIMIT, BY patterns (string keys, hash fields, nosort), GET patterns
(#, keys, hash fields, repeated), STORE (its list, its count, deleting the destination), error
texts and the order they are judged in, key positions, and that a SORT reading other keys is
atomic, survives a crash when it stores, and wakes a client blocked on its destination.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_sort.py
"""

import os
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def b(*items):
    return [x if x is None or isinstance(x, bytes) else str(x).encode() for x in items]


class SortTestCase(ServerTestCase):
    def sort(self, *args):
        return self.r.execute_command("SORT", *args)

    def sort_ro(self, *args):
        return self.r.execute_command("SORT_RO", *args)


class TestSortOrder(SortTestCase):
    def test_numeric_order_of_a_list_set_and_sorted_set(self):
        self.r.rpush("l", 3, 1, 10, 2, "-1.5", 2)
        self.r.sadd("s", 3, 1, 10, 2, "-1.5")
        self.r.zadd("z", {"3": 1, "1": 2, "10": 3, "2": 4, "-1.5": 5})
        self.assertEqual(self.sort("l"), b("-1.5", 1, 2, 2, 3, 10))
        self.assertEqual(self.sort("s"), b("-1.5", 1, 2, 3, 10))
        self.assertEqual(self.sort("z", "DESC"), b(10, 3, 2, 1, "-1.5"))
        self.assertEqual(self.sort_ro("l", "desc", "asc"), b("-1.5", 1, 2, 2, 3, 10))

    def test_numbers_are_read_as_strtod_reads_them(self):
        self.r.rpush("l", "0x10", " 12", "", "1e2", "-inf", "3.", "+4", "2.2250738585072014e-308")
        self.assertEqual(self.sort("l"), b("-inf", "", "2.2250738585072014e-308", "3.", "+4",
                                           " 12", "0x10", "1e2"))

    def test_equal_numbers_order_by_element_bytes(self):
        self.r.rpush("l", "1.0", "1", "01", "1e0", "0.5")
        self.assertEqual(self.sort("l"), b("0.5", "01", "1", "1.0", "1e0"))
        self.assertEqual(self.sort("l", "DESC"), b("1e0", "1.0", "1", "01", "0.5"))

    def test_alpha_order(self):
        self.r.rpush("l", "banana", "Apple", "apple", "b", "", "10", "9")
        self.assertEqual(self.sort("l", "ALPHA"),
                         b("", "10", "9", "Apple", "apple", "b", "banana"))
        self.assertEqual(self.sort("l", "ALPHA", "DESC"),
                         b("banana", "b", "apple", "Apple", "9", "10", ""))

    def test_non_numbers_are_an_error_even_outside_the_limit(self):
        self.r.rpush("l", 1, "x", 2)
        self.assertErrorReply(["SORT", "l"], NOT_DOUBLE)
        self.assertErrorReply(["SORT", "l", "LIMIT", "0", "0"], NOT_DOUBLE)
        for bad in ["nan", "1e400", "1abc", "1e-310", "-4.9e-324"]:  # strtod's ERANGE too
            self.r.delete("n")
            self.r.rpush("n", bad)
            self.assertErrorReply(["SORT", "n"], NOT_DOUBLE)
        self.assertEqual(self.sort("l", "ALPHA"), b(1, 2, "x"))

    def test_missing_key_sorts_as_an_empty_list(self):
        self.assertEqual(self.sort("none"), [])
        self.assertEqual(self.sort_ro("none", "BY", "w_*", "GET", "#", "LIMIT", "0", "5"), [])


class TestSortLimit(SortTestCase):
    def setUp(self):
        super().setUp()
        self.r.rpush("l", *range(10, 0, -1))

    def test_offset_and_count(self):
        self.assertEqual(self.sort("l", "LIMIT", "2", "3"), b(3, 4, 5))
        self.assertEqual(self.sort("l", "LIMIT", "2", "3", "DESC"), b(8, 7, 6))
        self.assertEqual(self.sort("l", "LIMIT", "8", "100"), b(9, 10))
        self.assertEqual(self.sort("l", "LIMIT", "-5", "2"), b(1, 2))
        self.assertEqual(self.sort("l", "LIMIT", "7", "-1"), b(8, 9, 10))
        self.assertEqual(self.sort("l", "LIMIT", "7", "-8"), b(8, 9, 10))
        self.assertEqual(self.sort("l", "LIMIT", "3", "0"), [])
        self.assertEqual(self.sort("l", "LIMIT", "10", "1"), [])
        self.assertEqual(self.sort("l", "LIMIT", "1000", "-1"), [])

    def test_a_small_range_of_a_long_list_is_the_same_slice_of_the_whole_order(self):
        # Long enough that only the range is ordered; duplicates, and ALPHA texts that
        # differ only after a NUL, so ties meet the range's edges.
        import random
        rng = random.Random(4)
        values = [str(rng.randrange(300)) for _ in range(1000)]
        texts = ["t%03d" % rng.randrange(200) + ("\0" + "x" * rng.randrange(3)) *
                 rng.randrange(2) for _ in range(1000)]
        self.r.rpush("long", *values)
        self.r.rpush("texts", *texts)
        for i, v in enumerate(values):
            self.r.set("w_%d" % i, 1000 - i)  # unique weights for BY
        self.r.rpush("idx", *range(len(values)))
        for key, extra in (("long", []), ("long", ["DESC"]), ("texts", ["ALPHA"]),
                           ("texts", ["ALPHA", "DESC"]), ("idx", ["BY", "w_*"])):
            whole = self.sort(key, *extra)
            for start, count in ((0, 10), (5, 3), (990, 20), (400, 1), (0, 1), (17, 100)):
                self.assertEqual(self.sort(key, *extra, "LIMIT", start, count),
                                 whole[start:start + count], (key, extra, start, count))

    def test_limit_on_unsorted_lists_and_sorted_sets(self):
        self.r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
        self.assertEqual(self.sort("l", "BY", "nosort", "LIMIT", "1", "3"), b(9, 8, 7))
        self.assertEqual(self.sort("l", "BY", "nosort", "LIMIT", "1", "3", "DESC"), b(2, 3, 4))
        self.assertEqual(self.sort("z", "BY", "nosort", "LIMIT", "1", "2"), b("b", "c"))
        self.assertEqual(self.sort("z", "BY", "nosort", "LIMIT", "1", "2", "DESC"), b("c", "b"))
        self.assertEqual(self.sort("z", "BY", "nosort", "LIMIT", "3", "10", "DESC"), b("a"))
        self.assertEqual(self.sort("z", "BY", "nosort", "LIMIT", "4", "10"), [])


class TestSortPatterns(SortTestCase):
    def setUp(self):
        super().setUp()
        self.r.rpush("l", "a", "b", "c", "d")
        self.r.mset({"w_a": 30, "w_b": 10, "w_c": 20, "v_a": "A", "v_c": "C"})
        self.r.hset("h_a", mapping={"w": 2, "name": "ha"})
        self.r.hset("h_b", mapping={"w": 1})
        self.r.hset("h_d", mapping={"w": 3, "name": "hd"})

    def test_by_string_keys_missing_weights_count_as_zero(self):
        self.assertEqual(self.sort("l", "BY", "w_*"), b("d", "b", "c", "a"))
        self.assertEqual(self.sort("l", "BY", "w_*", "DESC"), b("a", "c", "b", "d"))

    def test_by_hash_fields(self):
        self.assertEqual(self.sort("l", "BY", "h_*->w"), b("c", "b", "a", "d"))
        self.assertEqual(self.sort("l", "BY", "h_*->name", "ALPHA"), b("b", "c", "a", "d"))

    def test_by_alpha_puts_missing_weights_first(self):
        self.r.mset({"t_a": "pear", "t_b": "apple"})
        self.assertEqual(self.sort("l", "BY", "t_*", "ALPHA"), b("c", "d", "b", "a"))
        self.assertEqual(self.sort("l", "BY", "t_*", "ALPHA", "DESC"), b("a", "b", "c", "d"))

    def test_by_a_weight_that_is_not_a_number(self):
        self.r.set("w_d", "heavy")
        self.assertErrorReply(["SORT", "l", "BY", "w_*"], NOT_DOUBLE)

    def test_by_nosort_keeps_the_stored_order(self):
        self.assertEqual(self.sort("l", "BY", "nosort"), b("a", "b", "c", "d"))
        self.assertEqual(self.sort("l", "BY", "nosort", "DESC"), b("d", "c", "b", "a"))
        self.r.zadd("z", {"x": 3, "y": 1, "z": 2})
        self.assertEqual(self.sort("z", "BY", "nosort"), b("y", "z", "x"))
        self.assertEqual(self.sort("z", "BY", "nosort", "DESC", "GET", "#"), b("x", "z", "y"))

    def test_get_patterns(self):
        self.assertEqual(self.sort("l", "BY", "w_*", "GET", "#", "GET", "v_*", "GET", "h_*->name"),
                         b("d", None, "hd", "b", None, None, "c", "C", None, "a", "A", "ha"))
        self.assertEqual(self.sort("l", "ALPHA", "GET", "v_*", "LIMIT", "1", "2"), b(None, "C"))
        self.assertEqual(self.sort("l", "ALPHA", "GET", "constant"), b(None, None, None, None))

    def test_get_of_a_key_of_another_type_is_null(self):
        self.assertEqual(self.sort("l", "ALPHA", "GET", "h_*", "GET", "v_*->f"),
                         b(None, None, None, None, None, None, None, None))

    def test_hash_arrow_needs_a_field_after_the_star(self):
        self.r.set("k->", "arrow-key")
        self.r.rpush("one", "k")
        self.assertEqual(self.sort("one", "GET", "*->", "BY", "nosort"), b("arrow-key"))
        self.r.hset("x->y", "f", "v")
        self.r.rpush("two", "y")
        self.assertEqual(self.sort("two", "GET", "x->*->f", "BY", "nosort"), b("v"))

    def test_only_the_first_star_is_replaced(self):
        self.r.set("p_a_*", "first-star")
        self.assertEqual(self.sort("l", "ALPHA", "GET", "p_*_*", "LIMIT", "0", "1"),
                         b("first-star"))


class TestSortStore(SortTestCase):
    def test_store_writes_a_list_and_replies_its_length(self):
        self.r.rpush("l", 3, 1, 2)
        self.r.set("dst", "old", ex=100)
        self.assertEqual(self.sort("l", "STORE", "dst"), 3)
        self.assertEqual(self.r.lrange("dst", 0, -1), b(1, 2, 3))
        self.assertEqual(self.r.ttl("dst"), -1)
        self.assertEqual(self.r.type("dst"), b"list")

    def test_store_with_get_stores_empty_strings_for_missing_values(self):
        self.r.rpush("l", "a", "b")
        self.r.set("v_b", "B")
        self.assertEqual(self.sort("l", "ALPHA", "GET", "#", "GET", "v_*", "STORE", "dst"), 4)
        self.assertEqual(self.r.lrange("dst", 0, -1), b("a", "", "b", "B"))

    def test_an_empty_result_deletes_the_destination(self):
        self.r.rpush("dst", "x")
        self.assertEqual(self.sort("none", "STORE", "dst"), 0)
        self.assertEqual(self.r.exists("dst"), 0)
        self.r.rpush("l", 1)
        self.r.rpush("dst", "x")
        self.assertEqual(self.sort("l", "LIMIT", "5", "5", "STORE", "dst"), 0)
        self.assertEqual(self.r.exists("dst"), 0)

    def test_store_onto_the_source_and_the_last_store_wins(self):
        self.r.rpush("l", 3, 1, 2)
        self.assertEqual(self.sort("l", "STORE", "x", "DESC", "STORE", "l"), 3)
        self.assertEqual(self.r.lrange("l", 0, -1), b(3, 2, 1))
        self.assertEqual(self.r.exists("x"), 0)

    def test_an_unsorted_set_is_stored_in_alpha_order(self):
        self.r.sadd("s", "c", "a", "b", "10", "9")
        self.assertEqual(self.sort("s", "BY", "nosort", "STORE", "dst"), 5)
        self.assertEqual(self.r.lrange("dst", 0, -1), b("10", "9", "a", "b", "c"))

    def test_store_compares_whole_strings(self):
        self.r.rpush("l", b"a\x00b", b"a\x00a", b"a")
        self.sort("l", "ALPHA", "STORE", "dst")
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"a", b"a\x00a", b"a\x00b"])

    def test_a_conversion_error_stores_nothing(self):
        self.r.rpush("l", "x")
        self.r.rpush("dst", "kept")
        self.assertErrorReply(["SORT", "l", "STORE", "dst"], NOT_DOUBLE)
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"kept"])

    def test_store_wakes_a_client_blocked_on_the_destination(self):
        self.r.rpush("l", 2, 1)
        blocked = self.server.client()
        got = []
        t = threading.Thread(target=lambda: got.append(blocked.blpop("dst", 10)), daemon=True)
        t.start()
        self.wait_blocked(1)
        self.assertEqual(self.sort("l", "STORE", "dst"), 2)
        t.join(15)
        blocked.close()
        self.assertEqual(got, [(b"dst", b"1")])
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"2"])


class TestSortErrors(SortTestCase):
    def test_syntax(self):
        self.r.rpush("l", 1)
        for args in (["LIMIT", "1"], ["BY"], ["GET"], ["STORE"], ["FOO"], ["ASC", "x"]):
            self.assertErrorReply(["SORT", "l"] + args, SYNTAX)
        self.assertErrorReply(["SORT_RO", "l", "STORE", "dst"], SYNTAX)
        self.assertErrorReply(["SORT", "l", "LIMIT", "x", "1"], NOT_INT)
        self.assertErrorReply(["SORT", "l", "LIMIT", "0", "1.5"], NOT_INT)

    def test_wrong_type_after_the_options(self):
        self.r.set("str", "x")
        self.r.hset("h", "f", "v")
        self.assertErrorReply(["SORT", "str", "FOO"], SYNTAX)
        self.assertErrorReply(["SORT", "str"], WRONGTYPE)
        self.assertErrorReply(["SORT_RO", "h", "BY", "nosort"], WRONGTYPE)
        self.assertErrorReply(["SORT", "h", "STORE", "dst"], WRONGTYPE)
        self.assertEqual(self.r.exists("dst"), 0)


class TestSortIntrospection(SortTestCase):
    def test_command_info(self):
        info = self.cmd("COMMAND", "INFO", "sort", "sort_ro").to_py()
        self.assertEqual(info[0][:7], [b"sort", -2, [b"write", b"denyoom", b"movablekeys"], 1, 1,
                                       1, [b"@write", b"@set", b"@sortedset", b"@list", b"@slow",
                                           b"@dangerous"]])
        self.assertEqual(info[1][:7], [b"sort_ro", -2, [b"readonly", b"movablekeys"], 1, 1, 1,
                                       [b"@read", b"@set", b"@sortedset", b"@list", b"@slow",
                                        b"@dangerous"]])

    def test_key_specs(self):
        def unknown(notes, flags):
            return [b"notes", notes, b"flags", flags,
                    b"begin_search", [b"type", b"unknown", b"spec", []],
                    b"find_keys", [b"type", b"unknown", b"spec", []]]
        sorted_key = [b"flags", [b"RO", b"access"],
                      b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
                      b"find_keys", [b"type", b"range", b"spec",
                                     [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]
        patterns = unknown(b"For the optional BY/GET keyword. It is marked 'unknown' because the "
                           b"key names derive from the content of the key we sort",
                           [b"RO", b"access"])
        store = unknown(b"For the optional STORE keyword. It is marked 'unknown' because the "
                        b"keyword can appear anywhere in the argument array", [b"OW", b"update"])
        info = self.cmd("COMMAND", "INFO", "sort", "sort_ro").to_py()
        self.assertEqual(info[0][8], [sorted_key, patterns, store])
        self.assertEqual(info[1][8], [sorted_key, patterns])

    def test_getkeys_finds_the_last_store_destination(self):
        def getkeys(*args):
            return self.cmd("COMMAND", "GETKEYS", *args).to_py()
        self.assertEqual(getkeys("SORT", "a"), [b"a"])
        self.assertEqual(getkeys("SORT", "a", "STORE", "b", "BY", "c", "GET", "d"), [b"a", b"b"])
        self.assertEqual(getkeys("SORT", "a", "STORE", "b", "store", "c"), [b"a", b"c"])
        self.assertEqual(getkeys("SORT", "a", "GET", "store", "x"), [b"a"])
        self.assertEqual(getkeys("SORT", "a", "LIMIT", "store", "x", "STORE"), [b"a"])
        self.assertEqual(getkeys("SORT_RO", "a", "BY", "x", "STORE", "y"), [b"a"])


class TestSortAtomicity(SortTestCase):
    def test_sort_inside_multi_exec(self):
        self.r.rpush("l", "a", "b")
        p = self.r.pipeline(transaction=True)
        p.mset({"w_a": 2, "w_b": 1})
        p.execute_command("SORT", "l", "BY", "w_*", "GET", "w_*", "STORE", "dst")
        p.execute_command("SORT_RO", "l", "BY", "w_*")
        self.assertEqual(p.execute(), [True, 2, [b"b", b"a"]])
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"1", b"2"])

    def test_sort_from_a_script(self):
        self.r.rpush("l", "a", "b")
        self.r.mset({"w_a": 2, "w_b": 1})
        self.r.sadd("s", "c", "10", "a", "9", "b")
        script = "return redis.call('sort', KEYS[1], 'by', ARGV[1], 'get', '#', 'get', 'w_*')"
        self.assertEqual(self.r.eval(script, 1, "l", "w_*"), [b"b", b"1", b"a", b"2"])
        # An unsorted set is sorted ALPHA from a script, so the result is deterministic.
        self.assertEqual(self.r.eval("return redis.call('sort', KEYS[1], 'by', 'nosort')", 1, "s"),
                         [b"10", b"9", b"a", b"b", b"c"])

    def test_a_sort_never_sees_half_of_an_mset(self):
        self.r.rpush("l", "a", "b")
        self.r.mset({"w_a": 1, "w_b": 2})
        stop = threading.Event()

        def writer():
            w = self.server.client()
            flip = False
            while not stop.is_set():
                w.mset({"w_a": 2, "w_b": 1} if flip else {"w_a": 1, "w_b": 2})
                flip = not flip
            w.close()

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        try:
            for _ in range(300):
                # Sorted by weight, the weights read back must be 1 then 2 in every state.
                self.assertEqual(self.sort("l", "BY", "w_*", "GET", "w_*"), [b"1", b"2"])
        finally:
            stop.set()
            t.join(10)


class TestSortStoreSurvivesACrash(unittest.TestCase):
    def test_stored_lists_come_back_after_kill_9(self):
        root = tempfile.mkdtemp(prefix="cairn-sort-")
        server = DurableServer(root)
        try:
            server.start()
            r = server.client()
            r.rpush("l", *range(200, 0, -1))
            r.mset({"v_%d" % i: "val%d" % i for i in range(0, 200, 3)})
            r.execute_command("SORT", "l", "STORE", "sorted")
            r.execute_command("SORT", "l", "DESC", "GET", "v_*", "GET", "#", "STORE", "got")
            r.rpush("gone", "x")
            r.execute_command("SORT", "none", "STORE", "gone")
            expected = {k: r.lrange(k, 0, -1) for k in ("sorted", "got", "gone")}
            server.kill9()
            server.start()
            r = server.client()
            self.assertEqual({k: r.lrange(k, 0, -1) for k in expected}, expected)
            self.assertEqual(r.exists("gone"), 0)
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
