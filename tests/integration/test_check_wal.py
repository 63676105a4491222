"""cairn-check-wal: the operator's tool for a WAL directory.

Builds WAL segments with an independent Python writer (the format in store/durability/wal_format.h,
CRC32C implemented here), damages them the way crashes and bad disks do, and runs the real
tool binary: a clean log exits 0, a torn tail or corruption is reported with file and offset
and exits 1, --truncate repairs it and a second run exits 0, bad arguments exit 2.

The binary comes from $CAIRN_CHECK_WAL (CTest sets it); without it the tests are skipped.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TOOL = os.environ.get("CAIRN_CHECK_WAL")

# ---- an independent writer for the WAL format -------------------------------------------

from wal_bytes import HEADER_SIZE, K_EFFECTS, MAGIC, VERSION, crc32c  # noqa: E402,F401
from wal_bytes import encode_record as record  # noqa: E402


def segment_name(first_lsn):
    return "wal-%020d.log" % first_lsn


class Segment:
    """One segment file's bytes and the offset of each record in it."""

    def __init__(self, first_lsn, count):
        self.first_lsn = first_lsn
        self.data = bytearray(MAGIC + struct.pack("<I", VERSION))
        self.offsets = []
        for lsn in range(first_lsn, first_lsn + count):
            self.offsets.append(len(self.data))
            self.data += record(lsn, b"payload-%d-" % lsn + b"v" * (lsn * 7 % 40))

    @property
    def name(self):
        return segment_name(self.first_lsn)


# ---- the tests ---------------------------------------------------------------------------


@unittest.skipUnless(TOOL, "set CAIRN_CHECK_WAL to the cairn-check-wal binary")
class TestCheckWal(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairn-wal-")

    def tearDown(self):
        if os.environ.get("CAIRN_KEEP_TMP"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, segment):
        return os.path.join(self.dir, segment.name)

    def write(self, *segments):
        for s in segments:
            with open(self.path(s), "wb") as f:
                f.write(bytes(s.data))

    def run_tool(self, *args):
        out = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout, out.stderr

    def check(self, *flags):
        return self.run_tool(*flags, self.dir)

    def test_python_writer_uses_the_standard_crc32c(self):
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)

    def test_clean_log_is_ok_and_each_segment_is_listed(self):
        a, b = Segment(1, 3), Segment(4, 2)
        self.write(a, b)
        code, out, err = self.check()
        self.assertEqual(code, 0, out + err)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "ok: 5 records, last LSN 5")
        self.assertEqual(lines[0], "%s  3 records  LSN 1-3  %d bytes" % (a.name, len(a.data)))
        self.assertEqual(lines[1], "%s  2 records  LSN 4-5  %d bytes" % (b.name, len(b.data)))

    def test_empty_directory_is_an_empty_ok_log(self):
        code, out, _ = self.check()
        self.assertEqual(code, 0)
        self.assertEqual(out.splitlines(), ["ok: 0 records, last LSN 0"])

    def test_torn_tail_is_reported_with_offset_and_exits_1(self):
        a, b = Segment(1, 3), Segment(4, 4)
        b.data = b.data[:-5]  # the last record lost its last 5 bytes
        self.write(a, b)
        code, out, _ = self.check()
        self.assertEqual(code, 1, out)
        cut = b.offsets[-1]
        self.assertIn("torn tail: %s at offset %d, %d bytes dropped"
                      % (self.path(b), cut, len(b.data) - cut), out.splitlines())
        self.assertNotIn("ok:", out)

    def test_truncate_cuts_the_torn_tail_and_a_second_run_is_clean(self):
        a, b = Segment(1, 3), Segment(4, 4)
        b.data = b.data[:-5]
        self.write(a, b)
        cut = b.offsets[-1]
        code, out, err = self.check("--truncate")
        self.assertEqual(code, 0, out + err)
        self.assertIn("truncated %s at offset %d" % (self.path(b), cut), out.splitlines())
        self.assertEqual(os.path.getsize(self.path(b)), cut)
        code, out, _ = self.check()
        self.assertEqual(code, 0, out)
        self.assertEqual(out.splitlines()[-1], "ok: 6 records, last LSN 6")

    def test_flipped_middle_byte_is_corruption_with_file_and_offset(self):
        a, b = Segment(1, 4), Segment(5, 3)
        bad = a.offsets[2]
        a.data[bad + 16] ^= 0x10  # inside the payload of LSN 3
        self.write(a, b)
        code, out, _ = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("corruption: %s at offset %d: checksum mismatch" % (self.path(a), bad),
                      out.splitlines())
        self.assertIn("%s  not checked (after the damage)" % b.name, out.splitlines())

    def test_corruption_in_the_last_segment_is_not_mistaken_for_a_torn_tail(self):
        a = Segment(1, 6)
        bad = a.offsets[2]
        a.data[bad + 4] = 0xFF  # the size of LSN 3 now runs past the end of the file
        a.data[bad + 5] = 0x7F
        self.write(a)
        code, out, _ = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("corruption: %s at offset %d: " % (self.path(a), bad), out)
        self.assertIn("intact record with LSN 4", out)

    def test_truncate_cuts_corruption_and_removes_later_segments(self):
        a, b, c = Segment(1, 4), Segment(5, 3), Segment(8, 2)
        bad = a.offsets[2]
        a.data[bad + 16] ^= 0x10
        self.write(a, b, c)
        code, out, err = self.check("--truncate")
        self.assertEqual(code, 0, out + err)
        lines = out.splitlines()
        self.assertIn("removed %s" % self.path(c), lines)
        self.assertIn("removed %s" % self.path(b), lines)
        self.assertIn("truncated %s at offset %d" % (self.path(a), bad), lines)
        self.assertEqual(sorted(os.listdir(self.dir)), [a.name])
        code, out, _ = self.check()
        self.assertEqual(code, 0, out)
        self.assertEqual(out.splitlines()[-1], "ok: 2 records, last LSN 2")

    def test_new_segment_with_a_torn_header_is_removed_by_truncate(self):
        a, b = Segment(1, 3), Segment(4, 0)
        b.data = b.data[:5]
        self.write(a, b)
        code, out, _ = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("torn tail: %s at offset 0, 5 bytes dropped" % self.path(b),
                      out.splitlines())
        code, out, _ = self.check("--truncate")
        self.assertEqual(code, 0, out)
        self.assertIn("removed %s" % self.path(b), out.splitlines())
        self.assertFalse(os.path.exists(self.path(b)))
        self.assertEqual(self.check()[0], 0)

    def test_lsn_gap_between_segments_is_corruption(self):
        a, b = Segment(1, 3), Segment(5, 2)
        self.write(a, b)
        code, out, _ = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("corruption: %s at offset 0: " % self.path(b), out)

    def test_truncate_on_a_clean_log_changes_nothing(self):
        a = Segment(1, 3)
        self.write(a)
        code, out, _ = self.check("--truncate")
        self.assertEqual(code, 0, out)
        self.assertEqual(out.splitlines()[-1], "ok: 3 records, last LSN 3")
        with open(self.path(a), "rb") as f:
            self.assertEqual(f.read(), bytes(a.data))

    def test_usage_errors_exit_2(self):
        for args in ([], ["--bogus", self.dir], [self.dir, self.dir],
                     [os.path.join(self.dir, "missing")]):
            code, out, err = self.run_tool(*args)
            self.assertEqual(code, 2, (args, out, err))
            self.assertIn("cairn-check-wal", err)
        code, out, _ = self.run_tool("--help")
        self.assertEqual(code, 0)
        self.assertIn("usage: cairn-check-wal", out)


if __name__ == "__main__":
    unittest.main()
