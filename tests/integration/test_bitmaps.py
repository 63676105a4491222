"""Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP), checked against Redis 7.0.
Their keyspace events are in test_keyspace_events.py.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_bitmaps.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BITPOS_ARG = "ERR The bit argument must be 1 or 0."
BITOP_NOT = "ERR BITOP NOT must be called with a single source key."


class BitmapTestCase(ServerTestCase):
    def assertError(self, args, text):
        self.assertReply(args, "-", text.encode())

    def assertInt(self, args, n):
        self.assertReply(args, ":", n)


class TestSetBitGetBit(BitmapTestCase):
    def test_setbit_returns_the_old_bit_and_grows_the_string(self):
        self.assertInt(["SETBIT", "b", "7", "1"], 0)
        self.assertEqual(self.r.get("b"), b"\x01")
        self.assertInt(["SETBIT", "b", "7", "1"], 1)
        self.assertInt(["SETBIT", "b", "20", "1"], 0)
        self.assertEqual(self.r.get("b"), b"\x01\x00\x08")
        self.assertInt(["SETBIT", "b", "7", "0"], 1)
        self.assertEqual(self.r.get("b"), b"\x00\x00\x08")

    def test_setbit_to_zero_still_creates_the_key(self):
        self.assertInt(["SETBIT", "z", "15", "0"], 0)
        self.assertEqual(self.r.get("z"), b"\x00\x00")

    def test_setbit_keeps_the_ttl(self):
        self.r.set("b", "a", ex=100)
        self.r.setbit("b", 0, 1)
        self.assertGreater(self.r.ttl("b"), 0)

    def test_getbit_reads_bits_and_zero_past_the_end(self):
        self.r.set("b", b"\x80")
        self.assertInt(["GETBIT", "b", "0"], 1)
        self.assertInt(["GETBIT", "b", "1"], 0)
        self.assertInt(["GETBIT", "b", "1000"], 0)
        self.assertInt(["GETBIT", "missing", "3"], 0)

    def test_bad_offsets_and_values(self):
        for offset in ["-1", "x", "4294967296", "1.5"]:
            self.assertError(["SETBIT", "b", offset, "1"], BIT_OFFSET)
            self.assertError(["GETBIT", "b", offset], BIT_OFFSET)
        for value in ["2", "-1", "x"]:
            self.assertError(["SETBIT", "b", "0", value], BIT_VALUE)
        self.assertEqual(self.r.exists("b"), 0)

    def test_the_last_offset_is_accepted(self):
        self.assertInt(["GETBIT", "b", "4294967295"], 0)

    def test_numbers_are_checked_before_the_type(self):
        self.r.rpush("l", "x")
        self.assertError(["SETBIT", "l", "x", "1"], BIT_OFFSET)
        self.assertError(["SETBIT", "l", "0", "2"], BIT_VALUE)
        self.assertError(["SETBIT", "l", "0", "1"], WRONGTYPE)
        self.assertError(["GETBIT", "l", "0"], WRONGTYPE)


class TestBitCount(BitmapTestCase):
    def setUp(self):
        super().setUp()
        self.r.set("b", b"\xff\xf0\x00")

    def test_whole_string_and_byte_ranges(self):
        self.assertInt(["BITCOUNT", "b"], 12)
        self.assertInt(["BITCOUNT", "b", "1", "1"], 4)
        self.assertInt(["BITCOUNT", "b", "-2", "-1"], 4)
        self.assertInt(["BITCOUNT", "b", "-1", "-2"], 0)
        self.assertInt(["BITCOUNT", "b", "-100", "100", "BYTE"], 12)
        # Both ends before the string's start: empty, though both would clamp to byte 0.
        self.assertInt(["BITCOUNT", "b", "-100", "-200"], 0)

    def test_an_all_negative_backward_range_is_zero_before_the_unit_is_read(self):
        self.assertInt(["BITCOUNT", "b", "-1", "-2", "WORD"], 0)
        self.assertError(["BITCOUNT", "b", "-2", "-1", "WORD"], SYNTAX)

    def test_bit_ranges(self):
        self.assertInt(["BITCOUNT", "b", "5", "10", "BIT"], 6)
        self.assertInt(["BITCOUNT", "b", "9", "9", "bit"], 1)
        self.assertInt(["BITCOUNT", "b", "12", "-1", "BIT"], 0)

    def test_missing_key_is_zero_whatever_the_arguments(self):
        self.assertInt(["BITCOUNT", "none"], 0)
        self.assertInt(["BITCOUNT", "none", "1"], 0)
        self.assertInt(["BITCOUNT", "none", "x", "y", "z"], 0)

    def test_errors(self):
        self.assertError(["BITCOUNT", "b", "1"], SYNTAX)
        self.assertError(["BITCOUNT", "b", "1", "2", "BIT", "x"], SYNTAX)
        self.assertError(["BITCOUNT", "b", "1", "2", "WORD"], SYNTAX)
        self.assertError(["BITCOUNT", "b", "x", "2"], NOT_INT)
        self.r.rpush("l", "x")
        self.assertError(["BITCOUNT", "l", "x"], WRONGTYPE)


class TestBitPos(BitmapTestCase):
    def setUp(self):
        super().setUp()
        self.r.set("b", b"\xff\xf0\x00")
        self.r.set("ones", b"\xff\xff")

    def test_first_set_and_clear_bit(self):
        self.assertInt(["BITPOS", "b", "0"], 12)
        self.assertInt(["BITPOS", "b", "1"], 0)
        self.assertInt(["BITPOS", "b", "1", "2"], -1)
        self.assertInt(["BITPOS", "b", "1", "3", "20", "BIT"], 3)

    def test_clear_bit_past_the_end_only_without_an_explicit_end(self):
        self.assertInt(["BITPOS", "ones", "0"], 16)
        self.assertInt(["BITPOS", "ones", "0", "1"], 16)
        self.assertInt(["BITPOS", "ones", "0", "0", "-1"], -1)
        self.assertInt(["BITPOS", "b", "0", "3", "11", "BIT"], -1)
        self.assertInt(["BITPOS", "b", "0", "3", "12", "BIT"], 12)

    def test_missing_key_and_empty_ranges(self):
        self.assertInt(["BITPOS", "none", "1"], -1)
        self.assertInt(["BITPOS", "none", "0", "x", "y", "z", "w"], 0)
        self.assertInt(["BITPOS", "b", "1", "2", "1"], -1)
        # No BITCOUNT rule here: ends before the string's start clamp to its first byte.
        self.assertInt(["BITPOS", "b", "1", "-100", "-200"], 0)
        self.assertInt(["BITPOS", "b", "0", "-1", "-9223372036854775808", "BYTE"], -1)
        self.r.set("empty", "")
        self.assertInt(["BITPOS", "empty", "0"], -1)

    def test_errors(self):
        self.assertError(["BITPOS", "b", "2"], BITPOS_ARG)
        self.assertError(["BITPOS", "b", "x"], NOT_INT)
        self.assertError(["BITPOS", "b", "1", "x"], NOT_INT)
        self.assertError(["BITPOS", "b", "1", "0", "x"], NOT_INT)
        self.assertError(["BITPOS", "b", "1", "0", "x", "WORD"], SYNTAX)
        self.assertError(["BITPOS", "b", "1", "0", "1", "BIT", "x"], SYNTAX)
        self.r.rpush("l", "x")
        self.assertError(["BITPOS", "l", "2"], BITPOS_ARG)
        self.assertError(["BITPOS", "l", "1"], WRONGTYPE)


class TestBitOp(BitmapTestCase):
    def setUp(self):
        super().setUp()
        self.r.set("a", b"\xf0\x0f")
        self.r.set("b", b"\xff")

    def test_the_four_operations(self):
        self.assertInt(["BITOP", "AND", "d", "a", "b"], 2)
        self.assertEqual(self.r.get("d"), b"\xf0\x00")
        self.assertInt(["BITOP", "or", "d", "a", "b"], 2)
        self.assertEqual(self.r.get("d"), b"\xff\x0f")
        self.assertInt(["BITOP", "Xor", "d", "a", "b"], 2)
        self.assertEqual(self.r.get("d"), b"\x0f\x0f")
        self.assertInt(["BITOP", "NOT", "d", "a"], 2)
        self.assertEqual(self.r.get("d"), b"\x0f\xf0")

    def test_the_result_is_a_raw_string_even_when_it_reads_as_a_number(self):
        self.r.set("one", "1")
        self.assertInt(["BITOP", "AND", "d", "one", "one"], 1)
        self.assertEqual(self.r.get("d"), b"1")
        self.assertEqual(self.r.object("encoding", "d"), b"raw")
        self.assertEqual(self.r.object("refcount", "d"), 1)  # not a shared integer

    def test_missing_sources_are_empty_and_the_destination_may_be_a_source(self):
        self.assertInt(["BITOP", "AND", "a", "a", "none"], 2)
        self.assertEqual(self.r.get("a"), b"\x00\x00")

    def test_an_empty_result_deletes_the_destination_and_the_ttl_goes(self):
        self.r.set("d", "x", ex=100)
        self.assertInt(["BITOP", "OR", "d", "none"], 0)
        self.assertEqual(self.r.exists("d"), 0)
        self.r.set("d", "x", ex=100)
        self.assertInt(["BITOP", "OR", "d", "b"], 1)
        self.assertEqual(self.r.ttl("d"), -1)

    def test_errors(self):
        self.assertError(["BITOP", "NAND", "d", "a"], SYNTAX)
        self.assertError(["BITOP", "NOT", "d", "a", "b"], BITOP_NOT)
        self.r.rpush("l", "x")
        self.r.set("d", "keep")
        self.assertError(["BITOP", "OR", "d", "a", "l"], WRONGTYPE)
        self.assertEqual(self.r.get("d"), b"keep")


class TestCommandInfo(BitmapTestCase):
    def test_flags_and_key_positions(self):
        info = self.cmd("COMMAND", "INFO", "setbit", "getbit", "bitcount", "bitpos",
                        "bitop").to_py()
        got = [(i[0], i[1], sorted(i[2]), i[3], i[4], i[5], sorted(i[6])) for i in info]
        self.assertEqual(got, [
            (b"setbit", 4, [b"denyoom", b"write"], 1, 1, 1, [b"@bitmap", b"@slow", b"@write"]),
            (b"getbit", 3, [b"fast", b"readonly"], 1, 1, 1, [b"@bitmap", b"@fast", b"@read"]),
            (b"bitcount", -2, [b"readonly"], 1, 1, 1, [b"@bitmap", b"@read", b"@slow"]),
            (b"bitpos", -3, [b"readonly"], 1, 1, 1, [b"@bitmap", b"@read", b"@slow"]),
            (b"bitop", -4, [b"denyoom", b"write"], 2, -1, 1,
             [b"@bitmap", b"@slow", b"@write"]),
        ])


if __name__ == "__main__":
    main()
