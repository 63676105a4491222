"""The cmsgpack and struct libraries inside Lua scripts, checked byte for byte against Redis 7.0:
the encodings pack produces, what unpack makes of Redis-generated and of hostile bytes, and the
exact error texts. Includes the cmsgpack cases of Redis's own unit/scripting suite.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_script_libs.py
"""

import os
import struct as pystruct
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main  # noqa: E402

HEX = ("local function hex(s) local h = '' for i = 1, #s do "
       "h = h .. string.format('%02x', s:byte(i)) end return h end\n")


class LibTestCase(ServerTestCase):
    def hex(self, expression, *args):
        """The hex of the string a Lua expression gives (ARGV holds args)."""
        return self.r.eval(HEX + "return hex(%s)" % expression, 0, *args).decode()

    def run_lua(self, body, *args):
        return self.r.eval(HEX + body, 0, *args)

    def assertLuaError(self, body, text, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.eval(body, 0, *args)
        self.assertIn(text, str(cm.exception))


class TestCmsgpackPack(LibTestCase):
    def test_numbers_use_float32_when_exact_else_float64(self):
        self.assertEqual(self.hex("cmsgpack.pack(0.1)"), "cb3fb999999999999a")  # suite case
        self.assertEqual(self.hex("cmsgpack.pack(1.5)"), "ca3fc00000")
        self.assertEqual(self.hex("cmsgpack.pack(1/0)"), "ca7f800000")
        self.assertEqual(self.hex("cmsgpack.pack(-1/0)"), "caff800000")
        self.assertEqual(self.hex("cmsgpack.pack(1e300)"), "cb7e37e43c8800759c")
        self.assertEqual(self.hex("cmsgpack.pack(2^63)"), "ca5f000000")  # past int64
        self.assertEqual(self.hex("cmsgpack.pack(-0.0)"), "00")  # integral: an integer
        self.assertTrue(self.hex("cmsgpack.pack(0/0)").startswith("cb"))

    def test_integers_use_the_smallest_width(self):
        cases = [
            ("0", "00"), ("127", "7f"), ("128", "cc80"), ("255", "ccff"), ("256", "cd0100"),
            ("65535", "cdffff"), ("65536", "ce00010000"), ("4294967295", "ceffffffff"),
            ("4294967296", "cf0000000100000000"), ("2^62", "cf4000000000000000"),
            ("-1", "ff"), ("-32", "e0"), ("-33", "d0df"), ("-128", "d080"),
            ("-129", "d1ff7f"), ("-32768", "d18000"), ("-32769", "d2ffff7fff"),
            ("-2147483648", "d280000000"), ("-2147483649", "d3ffffffff7fffffff"),
            ("-1099511627776", "d3ffffff0000000000"),  # suite case
            ("-2^63", "d38000000000000000"),
        ]
        for lua, expected in cases:
            self.assertEqual(self.hex("cmsgpack.pack(%s)" % lua), expected, lua)

    def test_strings_use_fixstr_str8_str16_str32(self):
        self.assertEqual(self.hex("cmsgpack.pack('')"), "a0")
        self.assertEqual(self.hex("cmsgpack.pack('abc')"), "a3616263")
        for n, header in [(31, "bf"), (32, "d920"), (255, "d9ff"), (256, "da0100"),
                          (65535, "daffff"), (65536, "db00010000")]:
            packed = self.hex("cmsgpack.pack(string.rep('x', %d))" % n)
            self.assertEqual(packed[:len(header)], header, n)
            self.assertEqual(len(packed), len(header) + 2 * n, n)

    def test_binary_strings_stay_str_not_bin(self):
        self.assertEqual(self.hex("cmsgpack.pack(ARGV[1])", b"\x00\xff"), "a200ff")

    def test_booleans_nil_and_unpackable_values(self):
        self.assertEqual(self.hex("cmsgpack.pack(true, false, nil, function() end, "
                                  "coroutine.create(function() end))"), "c3c2c0c0c0")

    def test_tables_with_keys_one_to_n_are_arrays(self):
        self.assertEqual(self.hex("cmsgpack.pack({})"), "90")
        self.assertEqual(self.hex("cmsgpack.pack({1, 'a', true})"), "9301a161c3")
        self.assertEqual(self.hex("cmsgpack.pack({[1]=1, [2]=2})"), "920102")
        t16 = self.hex("(function() local t = {} for i = 1, 16 do t[i] = i end "
                       "return cmsgpack.pack(t) end)()")
        self.assertEqual(t16[:6], "dc0010")
        big = self.hex("(function() local t = {} for i = 1, 70000 do t[i] = 0 end "
                       "return cmsgpack.pack(t) end)():sub(1, 6)")
        self.assertEqual(big, "dd0001117000")

    def test_tables_with_holes_or_other_keys_are_maps(self):
        self.assertEqual(self.hex("cmsgpack.pack({[1]=1, [3]=3})"), "8201010303")
        self.assertEqual(self.hex("cmsgpack.pack({[2]=7})"), "810207")
        self.assertEqual(self.hex("cmsgpack.pack({[1.5]=1})"), "81ca3fc0000001")
        self.assertEqual(self.hex("cmsgpack.pack({[true]=1})"), "81c301")
        self.assertEqual(self.hex("cmsgpack.pack({a=1})"), "81a16101")
        self.assertEqual(self.hex("cmsgpack.pack({1, 2, nil, 4})")[:2], "83")
        m16 = self.hex("(function() local t = {} for i = 1, 16 do t['k'..i] = i end "
                       "return cmsgpack.pack(t) end)():sub(1, 3)")
        self.assertEqual(m16, "de0010")
        m32 = self.hex("(function() local t = {} for i = 1, 70000 do t['k'..i] = i end "
                       "return cmsgpack.pack(t) end)():sub(1, 5)")
        self.assertEqual(m32, "df00011170")

    def test_map_order_matches_redis(self):
        # Keys come out in the interpreter's table order; the bytes must be Redis's.
        self.assertEqual(
            self.hex("cmsgpack.pack({a=1, b=2, c={1, 2, {x='y'}}, [10]=false})"),
            "84a161010ac2a16393010281a178a179a16202")
        self.assertEqual(self.hex("cmsgpack.pack({a=1, b=2})"), "82a16101a16202")

    def test_circular_references_stop_at_depth_16(self):
        # Redis's suite: "cmsgpack can pack and unpack circular references?"
        result = self.run_lua("""
            local a = {x=nil,y=5}
            local b = {x=a}
            a['x'] = b
            local encoded = cmsgpack.pack(a)
            local re = cmsgpack.unpack(encoded)
            assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.y == re.y)
            assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x)
            assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x == nil)
            return {hex(encoded), re.x.x.x.x.x.x.x.x.y == re.y, re.y == 5}""")
        self.assertEqual(result, [
            b"82a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a179"
            b"05a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a178c0", 1, 1])
        self.assertEqual(self.hex("(function() local t = {} t[1] = t "
                                  "return cmsgpack.pack(t) end)()"), "91" * 16 + "c0")

    def test_pack_concatenates_its_arguments(self):
        self.assertEqual(self.hex("cmsgpack.pack(1, 'a', {2})"), "01a1619102")

    def test_pack_needs_input(self):
        self.assertLuaError("return cmsgpack.pack()",
                            "bad argument #0 to 'pack' (MessagePack pack needs input.)")

    def test_pack_refuses_more_arguments_than_the_stack_holds(self):
        self.assertLuaError(
            "local t = {} for i = 1, 5000 do t[i] = i end return cmsgpack.pack(unpack(t))",
            "bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)")
        self.assertEqual(self.r.eval(
            "local t = {} for i = 1, 3000 do t[i] = i end return #cmsgpack.pack(unpack(t))",
            0), 127 + 128 * 2 + (3000 - 255) * 3)

    def test_library_metadata(self):
        self.assertEqual(
            self.run_lua("return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._DESCRIPTION}"),
            [b"cmsgpack", b"lua-cmsgpack 0.4.0", b"MessagePack C implementation for Lua"])

    def test_cmsgpack_table_is_read_only(self):
        # Redis's suite: "Try trick readonly table on cmsgpack table"
        self.assertLuaError("cmsgpack.pack = function() return 1 end",
                            "Attempt to modify a readonly table")
        self.assertLuaError("cmsgpack.extra = 1", "Attempt to modify a readonly table")
        self.assertLuaError("cmsgpack = nil", "Attempt to modify a readonly table")
        # raised inside rawset / setmetatable, so no script line in front, as in Redis
        for body in ("rawset(cmsgpack, 'pack', 1)", "setmetatable(struct, {})"):
            with self.assertRaises(redis.ResponseError) as cm:
                self.r.eval(body, 0)
            self.assertTrue(str(cm.exception).startswith("Attempt to modify a readonly table"),
                            str(cm.exception))


class TestCmsgpackUnpack(LibTestCase):
    def test_smoke_round_trip(self):
        # Redis's suite: "cmsgpack pack/unpack smoke test"
        self.run_lua("""
            local str_lt_32 = string.rep("x", 30)
            local str_lt_255 = string.rep("x", 250)
            local str_lt_65535 = string.rep("x", 65530)
            local str_long = string.rep("x", 100000)
            local array_big = {}
            for i=1, 100000 do array_big[i] = i end
            local map_big = {}
            for i=1, 100000 do map_big[tostring(i)] = i end
            local some_map = {
                s1=str_lt_32, s2=str_lt_255, s3=str_lt_65535, s4=str_long, d1=0.1, i1=1,
                i2=250, i3=65530, i4=100000, i5=2^40, i6=-1, i7=-120, i8=-32000, i9=-100000,
                i10=-3147483648, a1={1, 2, 3, 4, 5}, a2={1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                12, 13, 14, 15, 16, 17, 18}, a3=array_big, m1={a=1, b=2}, m2=map_big,
                b1=false, b2=true, n=nil
            }
            local encoded = cmsgpack.pack(some_map)
            local decoded = cmsgpack.unpack(encoded)
            assert(table.concat(some_map) == table.concat(decoded))
            local offset, decoded_one = cmsgpack.unpack_one(encoded, 0)
            assert(table.concat(some_map) == table.concat(decoded_one))
            assert(offset == -1)
            for k, v in pairs(some_map) do
                if type(v) ~= 'table' then assert(decoded[k] == v, k) end
            end
            assert(decoded.a3[100000] == 100000 and decoded.m2['77'] == 77)
            local encoded_multiple = cmsgpack.pack(str_lt_32, str_lt_255, str_lt_65535, str_long)
            local offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, 0)
            assert(obj == str_lt_32)
            offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
            assert(obj == str_lt_255)
            offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
            assert(obj == str_lt_65535)
            offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
            assert(obj == str_long)
            assert(offset == -1)""")

    def unpack(self, data, expression="{cmsgpack.unpack(ARGV[1])}"):
        return self.r.eval("return " + expression, 0, data)

    def test_unpacks_every_type_redis_writes(self):
        data = bytes.fromhex(
            "7f" "e0" "cc80" "cd0100" "ceffffffff" "d0df" "d1ff7f" "d2ffff7fff" "c3"
            "a3616263" "d903616263" "da0003616263" "db00000003616263")
        self.assertEqual(self.unpack(data), [127, -32, 128, 256, 4294967295, -33, -129,
                                              -32769, 1, b"abc", b"abc", b"abc", b"abc"])
        self.assertEqual(self.unpack(bytes.fromhex("d3ffffff0000000000"),
                                     "tostring(cmsgpack.unpack(ARGV[1]))"), b"-1099511627776")
        self.assertEqual(self.unpack(bytes.fromhex("cb3fb999999999999a"),
                                     "tostring(cmsgpack.unpack(ARGV[1]))"), b"0.1")
        self.assertEqual(self.unpack(bytes.fromhex("ca3fc00000"),
                                     "tostring(cmsgpack.unpack(ARGV[1]))"), b"1.5")
        self.assertEqual(self.unpack(bytes.fromhex("c0c2c3"),
                                     "{type(cmsgpack.unpack(ARGV[1]))}"), [b"nil"])

    def test_arrays_and_maps_become_tables(self):
        self.assertEqual(self.unpack(bytes.fromhex("93010203"), "cmsgpack.unpack(ARGV[1])"),
                         [1, 2, 3])
        self.assertEqual(self.unpack(bytes.fromhex("dc0003010203"),
                                     "cmsgpack.unpack(ARGV[1])"), [1, 2, 3])
        self.assertEqual(self.unpack(bytes.fromhex("dd00000003010203"),
                                     "cmsgpack.unpack(ARGV[1])"), [1, 2, 3])
        for data in ("82a16101a16202", "de0002a16101a16202", "df00000002a16101a16202"):
            self.assertEqual(self.unpack(bytes.fromhex(data),
                                         "(function(t) return {t.a, t.b} end)"
                                         "(cmsgpack.unpack(ARGV[1]))"), [1, 2])
        # nil elements leave holes
        self.assertEqual(self.unpack(bytes.fromhex("94c002c004"),
                                     "(function(t) return {#t == 4 or #t == 0, t[2], t[4]} end)"
                                     "(cmsgpack.unpack(ARGV[1]))"), [1, 2, 4])

    def test_unsigned_64_bit_values_wrap_as_in_redis(self):
        self.assertEqual(self.unpack(bytes.fromhex("cfffffffffffffffff")), [-1])
        self.assertEqual(self.unpack(bytes.fromhex("cf8000000000000000")),
                         [-9223372036854775808])
        self.assertEqual(self.unpack(bytes.fromhex("cf0000000100000000")), [4294967296])
        # 2^63-1 rounds to the double 2^63, which a reply turns into INT64_MIN as Redis does
        self.assertEqual(self.unpack(bytes.fromhex("cf7fffffffffffffff")),
                         [-9223372036854775808])

    def test_unpack_one_and_unpack_limit_return_the_next_offset(self):
        data = b"\x01\x02\x03"
        cases = [
            ("{cmsgpack.unpack_one(ARGV[1])}", [1, 1]),
            ("{cmsgpack.unpack_one(ARGV[1], 1)}", [2, 2]),
            ("{cmsgpack.unpack_one(ARGV[1], 2)}", [-1, 3]),
            ("{cmsgpack.unpack_one(ARGV[1], 3)}", [-1]),
            ("{cmsgpack.unpack_one(ARGV[1], '1')}", [2, 2]),
            ("{cmsgpack.unpack_limit(ARGV[1], 2)}", [2, 1, 2]),
            ("{cmsgpack.unpack_limit(ARGV[1], 5, 1)}", [-1, 2, 3]),
            ("{cmsgpack.unpack_limit(ARGV[1], 0)}", [1, 2, 3]),  # limit 0, offset 0: all
            ("{cmsgpack.unpack_limit(ARGV[1], 0, 1)}", [1]),
            ("{cmsgpack.unpack(ARGV[1])}", [1, 2, 3]),
        ]
        for expression, expected in cases:
            self.assertEqual(self.unpack(data, expression), expected, expression)
        self.assertEqual(self.r.eval("return {cmsgpack.unpack('')}", 0), [])

    def test_bad_offsets_and_arguments(self):
        self.assertLuaError("return cmsgpack.unpack_one('\\1\\2\\3', 4)",
                            "Start offset 4 greater than input length 3.")
        # Redis prints the input length after "limit"
        self.assertLuaError("return cmsgpack.unpack_one('\\1\\2\\3', -1)",
                            "Invalid request to unpack with offset of -1 and limit of 3.")
        self.assertLuaError("return cmsgpack.unpack_limit('\\1\\2\\3', -1)",
                            "Invalid request to unpack with offset of 0 and limit of 3.")
        self.assertLuaError("return cmsgpack.unpack_one('\\1', 'x')",
                            "bad argument #2 to 'unpack_one' (number expected, got string)")
        self.assertLuaError("return cmsgpack.unpack_limit('\\1')",
                            "bad argument #2 to 'unpack_limit' (number expected, got no value)")
        self.assertLuaError("return cmsgpack.unpack()",
                            "bad argument #1 to 'unpack' (string expected, got no value)")
        self.assertLuaError("return cmsgpack.unpack({})",
                            "bad argument #1 to 'unpack' (string expected, got table)")
        self.assertLuaError("return cmsgpack.unpack_one(nil, 1)",
                            "bad argument #1 to 'unpack_one' (string expected, got nil)")

    def test_every_truncation_is_missing_bytes(self):
        full = self.r.eval("return cmsgpack.pack({1, 300, 70000, 5000000000, -5, -300, "
                           "-70000, -5000000000, 0.1, 1.5, 'abc', string.rep('x', 40), "
                           "string.rep('y', 300), {a=true, b=false}})", 0)
        for cut in range(1, len(full)):
            self.assertLuaError("return cmsgpack.unpack(ARGV[1])", "Missing bytes in input.",
                                full[:cut])

    def test_types_redis_does_not_read_are_bad_format(self):
        for data in ("c1", "c40161", "c5000161", "c600000001", "c70101", "d40101", "d801",
                     "9201c1"):
            self.assertLuaError("return cmsgpack.unpack(ARGV[1])", "Bad data format in input.",
                                bytes.fromhex(data))

    def test_huge_declared_lengths_fail_without_allocating(self):
        for data in ("dbffffffff616263", "dbffff", "ddffffffff0102", "dfffffffff0102",
                     "dcffff", "deffff01"):
            self.assertLuaError("return cmsgpack.unpack(ARGV[1])", "Missing bytes in input.",
                                bytes.fromhex(data))
        self.assertEqual(self.r.ping(), True)

    def test_nil_map_key_is_lua_s_error(self):
        self.assertLuaError("return cmsgpack.unpack(ARGV[1])", "table index is nil",
                            bytes.fromhex("81c001"))

    def test_deep_nesting_is_an_error_not_a_crash(self):
        self.assertLuaError("return cmsgpack.unpack(ARGV[1])",
                            "stack overflow (in function mp_decode_to_lua_array)",
                            b"\x91" * 5000 + b"\x01")
        self.assertLuaError("return cmsgpack.unpack(ARGV[1])",
                            "stack overflow (too many return values at once; "
                            "use unpack_one or unpack_limit instead.)",
                            b"\x81\x01" * 5000 + b"\x01")
        self.assertEqual(self.r.eval("return cmsgpack.unpack(ARGV[1]) ~= nil", 0,
                                     b"\x91" * 3990 + b"\x01"), 1)

    def test_too_many_values_at_once_is_an_error(self):
        self.assertLuaError("return #{cmsgpack.unpack(ARGV[1])}",
                            "too many return values at once; "
                            "use unpack_one or unpack_limit instead.", b"\x01" * 9000)
        self.assertEqual(self.r.eval("return #{cmsgpack.unpack(ARGV[1])}", 0, b"\x01" * 7990),
                         7990)
        self.assertEqual(self.r.eval("return select('#', cmsgpack.unpack_limit(ARGV[1], 100))",
                                     0, b"\x01" * 9000), 101)


class TestStruct(LibTestCase):
    def test_integer_formats_and_endianness(self):
        self.assertEqual(self.hex("struct.pack('>i2', -2)"), "fffe")
        self.assertEqual(self.hex("struct.pack('<i2', -2)"), "feff")
        self.assertEqual(self.hex("struct.pack('i', 1)"), "01000000")  # native: little
        values = "-1, 255, -2, 65535, -3, 2^40, 7, -4, 4294967295"
        expected_le = pystruct.pack("<bBhHqQQiI", -1, 255, -2, 65535, -3, 2**40, 7, -4,
                                    4294967295).hex()
        expected_be = pystruct.pack(">bBhHqQQiI", -1, 255, -2, 65535, -3, 2**40, 7, -4,
                                    4294967295).hex()
        self.assertEqual(self.hex("struct.pack('bBhHlLTiI', %s)" % values), expected_le)
        self.assertEqual(self.hex("struct.pack('>bBhHlLTiI', %s)" % values), expected_be)
        self.assertEqual(self.run_lua("return {struct.unpack('>bBhHlLTiI', "
                                      "struct.pack('>bBhHlLTiI', %s))}" % values),
                         [-1, 255, -2, 65535, -3, 2**40, 7, -4, 4294967295, 39])

    def test_sized_integers(self):
        self.assertEqual(self.hex("struct.pack('i3', 70000)"), "701101")
        self.assertEqual(self.hex("struct.pack('>I3', 70000)"), "011170")
        self.assertEqual(self.hex("struct.pack('i0', 5)"), "")
        self.assertEqual(self.run_lua("return {struct.unpack('>i3', '\\255\\255\\255'), "
                                      "struct.unpack('I3', '\\255\\255\\255')}"),
                         [-1, 16777215, 4])
        # wider than 8 bytes: the high bytes are zero, the sign comes from the low 8 bytes
        self.assertEqual(self.hex("struct.pack('<i16', -2)"), "fe" + "ff" * 7 + "00" * 8)
        self.assertEqual(self.hex("struct.pack('>i12', 5)"), "00" * 11 + "05")
        self.assertEqual(self.run_lua(
            "return {tostring(struct.unpack('<i12', string.rep('\\255', 12))), "
            "tostring(struct.unpack('<i12', '\\0\\0\\0\\128' .. string.rep('\\0', 8))), "
            "tostring(struct.unpack('<i12', '\\0\\0\\128\\127' .. string.rep('\\0', 8)))}"),
            [b"-1", b"-2147483648", b"2139095040"])

    def test_out_of_range_numbers_give_redis_s_bytes(self):
        cases = [("'<L', 0/0", "0000000000000080"), ("'<L', 2^64", "0000000000000000"),
                 ("'<L', 2^63", "0000000000000080"), ("'<L', 1/0", "0000000000000000"),
                 ("'<l', -1/0", "0000000000000080"), ("'<l', -2^70", "0000000000000080"),
                 ("'<i', 2^32 + 5", "05000000"), ("'<b', 3.9", "03"), ("'<b', -3.9", "fd")]
        for args, expected in cases:
            self.assertEqual(self.hex("struct.pack(%s)" % args), expected, args)

    def test_floats_and_doubles(self):
        self.assertEqual(self.hex("struct.pack('<fd', 1.5, 0.1)"),
                         pystruct.pack("<fd", 1.5, 0.1).hex())
        self.assertEqual(self.hex("struct.pack('>fd', 1.5, 0.1)"),
                         pystruct.pack(">fd", 1.5, 0.1).hex())
        self.assertEqual(self.hex("struct.pack('f', 1e300)"), "0000807f")
        self.assertEqual(self.run_lua(
            "return {tostring(struct.unpack('f', struct.pack('f', 1.5))), "
            "tostring(struct.unpack('>d', struct.pack('>d', -2.25)))}"), [b"1.5", b"-2.25"])

    def test_strings(self):
        self.assertEqual(self.hex("struct.pack('c', 'abc')"), "61")
        self.assertEqual(self.hex("struct.pack('c3', 'abc')"), "616263")
        self.assertEqual(self.hex("struct.pack('c0', 'abcd')"), "61626364")
        self.assertEqual(self.hex("struct.pack('s', 'a\\0b')"), "61006200")
        self.assertEqual(self.hex("struct.pack('c', 12)"), "31")
        self.assertEqual(self.run_lua("return {struct.unpack('c3', 'abcdef', 2)}"),
                         [b"bcd", 5])
        self.assertEqual(self.run_lua("return {struct.unpack('ss', 'ab\\0cd\\0')}"),
                         [b"ab", b"cd", 7])
        self.assertEqual(self.run_lua("return {struct.unpack('bc0', '\\3abcdef')}"),
                         [b"abc", 5])
        # c0 takes its length from a numeric string too
        self.assertEqual(self.run_lua("return {struct.unpack('c1c0', '3abcdef')}"),
                         [b"abc", 5])
        self.assertEqual(self.run_lua("return {struct.unpack('xxb', '\\1\\2\\3')}"), [3, 4])

    def test_alignment(self):
        self.assertEqual(self.hex("struct.pack('!bi', 1, 2)"), "0100000002000000")
        self.assertEqual(self.hex("struct.pack('!2bi', 1, 2)"), "010002000000")
        self.assertEqual(self.hex("struct.pack('!4bd', 1, 2)"), "01000000" +
                         pystruct.pack("<d", 2).hex())
        self.assertEqual(self.hex("struct.pack('!bd', 1, 2)"), "01" + "00" * 7 +
                         pystruct.pack("<d", 2).hex())
        # sizes that are not powers of 2 pad as the library computes it
        self.assertEqual(self.hex("struct.pack('!8bi3bi5bi6', 1, 2, 3, 4, 5, 6)"),
                         "0100000200000304000000000500060000000000")
        self.assertEqual(self.hex("struct.pack('!8bcbi', 1, 'a', 2, 3)"), "0161020003000000")
        self.assertEqual(self.run_lua("return {struct.unpack('!4bi', "
                                      "'\\1\\0\\0\\0\\2\\0\\0\\0')}"), [1, 2, 9])
        self.assertEqual(self.run_lua("return {struct.size('!bBhHlLTiIfdx'), "
                                      "struct.size('bBhHlLTiIfdx'), struct.size('!4bd'), "
                                      "struct.size('c10i'), struct.size('<>!2 i')}"),
                         [57, 51, 12, 14, 4])

    def test_size_ignores_unknown_letters(self):
        self.assertEqual(self.r.eval("return struct.size('zq5')", 0), 0)

    def test_errors(self):
        cases = [
            ("struct.pack('i33', 1)", "integral size 33 is larger than limit of 32"),
            ("struct.pack('i99999999999', 1)", "integral size overflow"),
            ("struct.pack('c5', 'ab')", "bad argument #3 to 'pack' (string too short)"),
            ("struct.pack('!3i', 1)", "alignment 3 is not a power of 2"),
            ("struct.pack('!0i', 1)", "alignment 0 is not a power of 2"),
            ("struct.pack('=i', 1)", "bad argument #1 to 'pack' (invalid format option '=')"),
            ("struct.pack('z', 1)", "bad argument #1 to 'pack' (invalid format option 'z')"),
            ("struct.pack('ii', 1)", "bad argument #3 to 'pack' (number expected, got nil)"),
            ("struct.pack('iii', 1)",
             "bad argument #3 to 'pack' (number expected, got nil)"),
            ("struct.pack('i', 'x')", "bad argument #2 to 'pack' (number expected, got string)"),
            ("struct.pack()", "bad argument #1 to 'pack' (string expected, got no value)"),
            ("struct.unpack('c3', 'abcdef', 5)",
             "bad argument #2 to 'unpack' (data string too short)"),
            ("struct.unpack('c3', 'abcdef', -1)",
             "bad argument #2 to 'unpack' (data string too short)"),
            ("struct.unpack('c3', 'abcdef', 0)",
             "bad argument #3 to 'unpack' (offset must be 1 or greater)"),
            ("struct.unpack('i', 'abc')", "bad argument #2 to 'unpack' (data string too short)"),
            ("struct.unpack('bc0', '\\9abc')",
             "bad argument #2 to 'unpack' (data string too short)"),
            ("struct.unpack('c0', 'abc')", "format 'c0' needs a previous size"),
            ("struct.unpack('c1c0', 'zabc')", "format 'c0' needs a previous size"),
            ("struct.unpack('s', 'abcd')", "unfinished string in data"),
            ("struct.unpack('z', 'abc')",
             "bad argument #1 to 'unpack' (invalid format option 'z')"),
            ("struct.unpack('i')", "bad argument #2 to 'unpack' (string expected, got no value)"),
            ("struct.size('s')", "bad argument #1 to 'size' (option 's' has no fixed size)"),
            ("struct.size('c0')", "bad argument #1 to 'size' (option 'c0' has no fixed size)"),
            ("struct.size('#')", "bad argument #1 to 'size' (invalid format option '#')"),
            ("struct.size('i40')", "integral size 40 is larger than limit of 32"),
        ]
        for expression, text in cases:
            with self.subTest(expression):
                self.assertLuaError("return " + expression, text)

    def test_too_many_results_is_an_error(self):
        self.assertLuaError("return struct.unpack(string.rep('b', 9000), string.rep('\\1', 9000))",
                            "stack overflow (too many results)")
        self.assertEqual(self.r.eval("return select('#', struct.unpack(string.rep('b', 3000), "
                                     "string.rep('\\1', 3000)))", 0), 3001)

    def test_struct_table_is_read_only(self):
        self.assertLuaError("struct.pack = 1", "Attempt to modify a readonly table")
        self.assertLuaError("struct = nil", "Attempt to modify a readonly table")


# Feeds random bytes (biased towards msgpack type bytes) and random struct formats to every
# function and digests what each call gives: the values (re-packed) or the error text. The
# script seeds math.random itself (ARGV[2]), so the digest is the same on every run and server.
FUZZ_SCRIPT = """
    math.randomseed(tonumber(ARGV[2]))
    local out = {}
    local function record(ok, ...)
      if ok then
        out[#out + 1] = 'ok' .. select('#', ...)
        local n = select('#', ...)
        if n > 0 then
          local packed = {pcall(cmsgpack.pack, ...)}
          out[#out + 1] = tostring(packed[2])
        end
      else
        out[#out + 1] = tostring((...))
      end
    end
    local types = {'\192', '\194', '\195', '\204', '\205', '\206', '\207', '\208', '\209', '\210',
                   '\211', '\202', '\203', '\217', '\218', '\219', '\220', '\221', '\222', '\223',
                   '\145', '\130', '\161', '\1', '\255', '\193', '\196'}
    for i = 1, tonumber(ARGV[1]) do
      local n = math.random(0, 16)
      local t = {}
      for j = 1, n do
        if math.random(1, 3) == 1 then
          t[j] = types[math.random(1, #types)]
        else
          t[j] = string.char(math.random(0, 255))
        end
      end
      local s = table.concat(t)
      record(pcall(cmsgpack.unpack, s))
      record(pcall(cmsgpack.unpack_limit, s, math.random(0, 3), math.random(0, n)))
      local opts = {'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I3', 'i12', 'f', 'd', 'c2', 'c0', 's',
                    'x', '<', '>', '!', '!2', '!4', ' ', 'z'}
      local f = {}
      for j = 1, math.random(0, 5) do f[j] = opts[math.random(1, #opts)] end
      local fmt = table.concat(f)
      record(pcall(struct.unpack, fmt, s, math.random(1, 4)))
      record(pcall(struct.size, fmt))
      record(pcall(struct.pack, fmt, math.random(-300, 300), s, math.random() * 1e6, 'ab', 7))
    end
    return {#out, redis.sha1hex(table.concat(out, '|'))}
"""


class TestRandomInput(LibTestCase):
    def test_random_inputs_give_redis_s_values_and_errors(self):
        # the digest redis-server 7.0.15 gives for this script
        self.assertEqual(self.r.eval(FUZZ_SCRIPT, 0, 3000, 7),
                         [22855, b"fff51c7f65c0a55e17110a592b897bc9b7fc4108"])
        self.assertEqual(self.r.eval(FUZZ_SCRIPT, 0, 3000, 8),
                         [22938, b"1d6ed41edc12caa91167adfa85d8f7642e68cd76"])
        self.assertEqual(self.r.ping(), True)


if __name__ == "__main__":
    main()
