"""Recovery that must stop, and say precisely why and how to go on, with the real server.

* A WAL record that decodes but does not apply to what replay has built (a set op on a key
  that holds a string) stops startup with the record's LSN, file, offset, op, key and what
  the key held; `cairn-check-wal --show LSN` prints the record; with
  `wal-replay-skip-bad-records yes` the server starts, logs the skip, and keeps every other
  record.
* A snapshot whose cut is past the end of the WAL (it cannot come from this log: the server
  publishes a snapshot only once the log is synced through its cut) stops startup and
  deletes nothing.

The logs are built by hand from a live server's own records (wal_bytes.py) so that the
damage is exactly what the test says. cairn-only: these are cairn's files.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DurableServer, skip_on_reference  # noqa: E402
from wal_bytes import encode_record, varint  # noqa: E402

TOOL = os.environ.get("CAIRN_CHECK_WAL")
HEADER = b"CAIRNWAL" + (1).to_bytes(4, "little")
OP_SET = 1
OP_OBJECT = 13
TYPE_SET = 2  # ValueType::kSet
SET_ADD = 1   # the set family's add op


def set_op(key, value):
    """kOpSet db 0, no expiry (lengths byte: one byte for each length)."""
    return (bytes([OP_SET]) + varint(0) + bytes([0x11, len(key), len(value)]) + key + value +
            varint(0))


def sadd_op(key, member):
    family = bytes([SET_ADD]) + varint(1) + varint(len(member)) + member
    body = bytes([TYPE_SET]) + family
    return bytes([OP_OBJECT]) + varint(0) + bytes([0x11, len(key), len(body)]) + key + body


def write_segment(data_dir, records):
    path = os.path.join(data_dir, "wal-%020d.log" % 1)
    with open(path, "wb") as f:
        f.write(HEADER)
        for lsn, payload in enumerate(records, start=1):
            f.write(encode_record(lsn, payload))
    return path


@skip_on_reference("cairn's WAL and snapshot files")
class TestRecordThatDoesNotApply(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-refusal-")
        self.server = DurableServer(self.root)

    def tearDown(self):
        self.server.stop()
        if not os.environ.get("CAIRN_KEEP_TMP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def write_log(self):
        # LSN 2 adds a set member to "k", which LSN 1 made a string: no server writes that.
        return write_segment(self.server.data_dir, [
            set_op(b"k", b"a string"), sadd_op(b"k", b"x"), set_op(b"after", b"kept")])

    def test_startup_names_the_record_and_the_way_to_start_anyway(self):
        path = self.write_log()
        offset = len(HEADER) + len(encode_record(1, set_op(b"k", b"a string")))
        code, log = self.server.start_expecting_failure()
        self.assertNotEqual(code, 0)
        self.assertIn("WAL record 2 in ./%s at offset %d" % (os.path.basename(path), offset),
                      log)
        self.assertIn('OBJECT db=0 set key="k"', log)
        self.assertIn("a string of 8 bytes", log)
        self.assertIn("cairn-check-wal --show 2", log)
        self.assertIn("wal-replay-skip-bad-records yes", log)
        self.assertNotIn("AddressSanitizer", log)
        self.assertEqual(os.path.getsize(path), offset +
                         len(encode_record(2, sadd_op(b"k", b"x"))) +
                         len(encode_record(3, set_op(b"after", b"kept"))))  # untouched

    @unittest.skipUnless(TOOL, "set CAIRN_CHECK_WAL to the cairn-check-wal binary")
    def test_check_wal_shows_the_record(self):
        self.write_log()
        out = subprocess.run([TOOL, "--show", "2", self.server.data_dir], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("record 2 in", out.stdout)
        self.assertIn('  OBJECT db=0 set key="k"', out.stdout)
        missing = subprocess.run([TOOL, "--show", "9", self.server.data_dir],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no record with LSN 9", missing.stderr)

    def test_skip_option_starts_and_keeps_every_other_record(self):
        self.write_log()
        self.server = DurableServer(self.root, ["--wal-replay-skip-bad-records", "yes"])
        self.server.start()
        r = self.server.client()
        self.assertEqual(r.get("k"), b"a string")
        self.assertEqual(r.get("after"), b"kept")
        r.set("new", "write")  # the log goes on after the skipped record
        r.close()
        self.assertIn("Skipped WAL record 2", self.server.log_text())
        self.server.terminate()
        self.server.start()  # and the next start skips it again, quietly correct
        r = self.server.client()
        self.assertEqual(r.get("new"), b"write")
        r.close()


@skip_on_reference("cairn's WAL and snapshot files")
class TestSnapshotAheadOfTheLog(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-refusal-")

    def tearDown(self):
        if not os.environ.get("CAIRN_KEEP_TMP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def test_recovery_deletes_nothing_and_says_which_files_disagree(self):
        # A snapshot taken by one server, next to the shorter log of another.
        donor = DurableServer(os.path.join(self.root, "donor"))
        donor.start()
        r = donor.client()
        for i in range(20):
            r.set("k%d" % i, i)
        r.save()
        r.close()
        donor.terminate()
        server = DurableServer(os.path.join(self.root, "server"))
        server.start()
        r = server.client()
        r.set("only-in-log", "v")
        r.close()
        server.terminate()
        shutil.copy(os.path.join(donor.data_dir, "snapshot.cairn"), server.data_dir)
        before = {p: os.path.getsize(p) for p in glob.glob(server.data_dir + "/wal-*.log")}
        self.assertTrue(before)

        code, log = server.start_expecting_failure()
        self.assertNotEqual(code, 0)
        self.assertIn("is cut at LSN 20 but the WAL ends at LSN 1", log)
        self.assertIn("nothing was changed", log)
        after = {p: os.path.getsize(p) for p in glob.glob(server.data_dir + "/wal-*.log")}
        self.assertEqual(after, before)


if __name__ == "__main__":
    unittest.main()
