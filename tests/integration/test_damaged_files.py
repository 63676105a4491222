"""Damaged files at startup: the real server, given a WAL or a snapshot whose lengths and
counts were forged, refuses to start with an error that names the file and the offset, and
exits non-zero by itself: no crash, no sanitizer report, no memory sized by the forged field.

The files are written here by an independent Python writer (formats in store/durability/wal_format.h and
store/durability/snapshot.h); a control test per format shows the writer's good files load.

Environment: CAIRN_SERVER (the binary; skipped for redis-server, whose files are another
format).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ServerProcess, free_port, is_reference_redis, server_binary,  # noqa: E402
                     track_process)
from wal_bytes import MAGIC, VERSION, crc32c, encode_record, mask_crc, varint  # noqa: E402

SKIP_REASON = "redis-server reads RDB and AOF files, not cairn's"
STARTUP_TIMEOUT = 30.0
# A server that refuses a damaged file never grows past this; one that trusted a forged
# length would reach gigabytes (or die trying).
MAX_RSS_MB = 400

# ---- an independent writer for WAL payloads and snapshots --------------------------------

OP_SET, OP_SETRANGE, OP_OBJECT = 1, 6, 13
LIST_TYPE, LIST_PUSH, TAIL = 1, 1, 1


def lengths(a, b):
    """wal_format.h's packed pair of lengths: one byte of byte counts, then both lengths."""
    na, nb = (a.bit_length() + 7) // 8, (b.bit_length() + 7) // 8
    return bytes([na << 4 | nb]) + a.to_bytes(na, "little") + b.to_bytes(nb, "little")


def set_op(key, value):
    return bytes([OP_SET, 0]) + lengths(len(key), len(value)) + key + value + varint(0)


def setrange_op(key, patch, offset):
    return bytes([OP_SETRANGE, 0]) + lengths(len(key), len(patch)) + key + patch + varint(offset)


def list_push_op(key, count, elements):
    body = bytes([LIST_TYPE, LIST_PUSH, TAIL]) + varint(count)
    body += b"".join(varint(len(e)) + e for e in elements)
    return bytes([OP_OBJECT, 0]) + lengths(len(key), len(body)) + key + body


def segment(*records):
    return MAGIC + struct.pack("<I", VERSION) + b"".join(records)


def forged_size_record(lsn, size, body):
    """A record whose size field says `size` but which holds only `body` (CRC over it)."""
    full = struct.pack("<BQ", 1, lsn) + body
    return struct.pack("<I", mask_crc(crc32c(full))) + varint(size) + full


SNAPSHOT_HEADER_SIZE = 8 + 4 + 8 + 4


def snapshot_entry(key, value, type_=0, value_len=None):
    value_len = len(value) if value_len is None else value_len
    return bytes([1, 0, type_]) + lengths(len(key), value_len) + key + value + varint(0)


def snapshot(entries, count=None, lsn=0, key_counts=None):
    """snapshot.cairn's bytes: header, entries, end marker (count), CRC. With key_counts
    (one per database), version 2, whose header declares them; else version 1."""
    count = len(entries) if count is None else count
    if key_counts is None:
        header = struct.pack("<IQI", 1, lsn, 16)
    else:
        header = struct.pack("<IQI", 2, lsn, len(key_counts))
        header += b"".join(struct.pack("<Q", n) for n in key_counts)
    data = b"CAIRNSNP" + header + b"".join(entries)
    data += b"\xff" + struct.pack("<Q", count)
    return data + struct.pack("<I", mask_crc(crc32c(data)))


# ---- starting the server on a prepared directory -----------------------------------------


class Outcome:
    def __init__(self, code, output, max_rss_mb):
        self.code, self.output, self.max_rss_mb = code, output, max_rss_mb


class ServerOn(ServerProcess):
    """The harness's server process, started on an existing data directory, as a context
    manager that yields a redis-py client."""

    def __init__(self, data_dir, appendonly="yes"):
        super().__init__(["--appendonly", appendonly])
        self.data_dir = data_dir

    def start(self):
        self.port = free_port()
        self.dir = self.data_dir
        self.log_path = os.path.join(os.path.dirname(self.data_dir), "good.log")
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.data_dir, "--save", ""] + self.extra_args
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.data_dir)
        track_process(self.proc)
        self._wait_ready()
        return self

    def cleanup(self):  # the data directory belongs to the test
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        self.start()
        self.r = self.client()
        return self.r

    def __exit__(self, *exc):
        self.r.close()
        self.stop()


@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class DamagedFileTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairn-damaged-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)

    def tearDown(self):
        if os.environ.get("CAIRN_KEEP_TMP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.data, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def start(self, appendonly="yes"):
        """Runs the server on the data directory until it exits by itself; fails the test if
        it is still running after STARTUP_TIMEOUT."""
        args = [server_binary(), "--port", str(free_port()), "--bind", "127.0.0.1",
                "--dir", self.data, "--save", "", "--appendonly", appendonly]
        log_path = os.path.join(self.dir, "server.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.data)
            deadline = time.time() + STARTUP_TIMEOUT
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid != 0:
                    break
                if time.time() > deadline:
                    proc.kill()
                    os.wait4(proc.pid, 0)
                    self.fail("the server started although its files are damaged")
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, for its rusage
        with open(log_path, "rb") as f:
            output = f.read().decode("utf-8", "replace")
        return Outcome(proc.returncode, output, usage.ru_maxrss // 1024)

    def assertRefused(self, outcome, *expected):
        """Exited by itself with an error status, no sanitizer report, little memory, and an
        output that contains every expected text."""
        text = outcome.output
        self.assertGreater(outcome.code, 0, "exit status %d (a signal?); output:\n%s"
                           % (outcome.code, text))
        for marker in ("Sanitizer", "runtime error", "terminate called", "Aborted"):
            self.assertNotIn(marker, text)
        self.assertIn("Cannot start", text)
        for e in expected:
            self.assertIn(e, text)
        self.assertLess(outcome.max_rss_mb, MAX_RSS_MB, "peak RSS %d MB" % outcome.max_rss_mb)


class TestDamagedWal(DamagedFileTestCase):
    def good_records(self, n):
        return [encode_record(i + 1, set_op(b"key%d" % i, b"value%d" % i)) for i in range(n)]

    def test_the_independent_writer_makes_a_log_the_server_replays(self):
        self.write("wal-%020d.log" % 1, segment(*self.good_records(3)))
        with ServerOn(self.data) as r:
            self.assertEqual(r.mget(["key0", "key1", "key2"]), [b"value0", b"value1", b"value2"])

    def test_a_record_size_forged_past_the_limit_stops_startup_at_its_offset(self):
        good = self.good_records(3)
        offset = len(segment(*good))
        forged = forged_size_record(4, (1 << 40) + 1, set_op(b"k", b"v"))  # kMaxRecordBodyBytes + 1
        path = self.write("wal-%020d.log" % 1, segment(*good, forged))
        outcome = self.start()
        self.assertRefused(outcome, os.path.basename(path), "offset %d" % offset,
                           "exceeds the limit")

    def test_a_record_size_forged_to_a_gigabyte_before_intact_records_is_corruption(self):
        good = self.good_records(3)
        offset = len(segment(*good))
        forged = forged_size_record(4, 1 << 30, set_op(b"k", b"v"))
        after = encode_record(5, set_op(b"later", b"x"))
        path = self.write("wal-%020d.log" % 1, segment(*good, forged, after))
        outcome = self.start()
        self.assertRefused(outcome, os.path.basename(path), "offset %d" % offset,
                           "runs past the end of the segment")

    def test_a_setrange_past_512_mb_in_a_checksummed_record_does_not_decode(self):
        good = self.good_records(2)
        offset = len(segment(*good))
        bad = encode_record(3, setrange_op(b"s", b"x", 1 << 50))
        path = self.write("wal-%020d.log" % 1, segment(*good, bad))
        outcome = self.start()
        self.assertRefused(outcome, os.path.basename(path), "offset %d" % offset,
                           "WAL record 3", "does not decode")

    def test_a_list_push_counting_more_elements_than_its_bytes_is_refused(self):
        good = self.good_records(2)
        offset = len(segment(*good))
        bad = encode_record(3, list_push_op(b"l", 1 << 60, [b"a", b"b"]))
        path = self.write("wal-%020d.log" % 1, segment(*good, bad))
        outcome = self.start()
        self.assertRefused(outcome, os.path.basename(path), "offset %d" % offset,
                           "WAL record 3", 'OBJECT db=0 list key="l"', "does not apply")


class TestDamagedSnapshot(DamagedFileTestCase):
    def test_the_independent_writer_makes_a_snapshot_the_server_loads(self):
        self.write("snapshot.cairn", snapshot([snapshot_entry(b"k", b"v"),
                                               snapshot_entry(b"l", b"\x01\x01x", type_=1)]))
        with ServerOn(self.data, appendonly="no") as r:
            self.assertEqual(r.get("k"), b"v")
            self.assertEqual(r.lrange("l", 0, -1), [b"x"])

    def test_a_version_2_snapshot_with_its_key_counts_loads(self):
        self.write("snapshot.cairn", snapshot([snapshot_entry(b"k", b"v"),
                                               snapshot_entry(b"l", b"\x01\x01x", type_=1)],
                                              key_counts=[2] + [0] * 15))
        with ServerOn(self.data, appendonly="no") as r:
            self.assertEqual(r.get("k"), b"v")
            self.assertEqual(r.dbsize(), 2)

    def test_key_counts_forged_huge_cost_no_more_than_the_file_can_hold(self):
        """The tables are sized by the header's counts only as far as the file has room for
        keys: a count of 2^60 must not become an allocation (the server would die there)."""
        entry = snapshot_entry(b"k", b"v" * 8, value_len=1 << 60)
        self.write("snapshot.cairn", snapshot([entry], key_counts=[1 << 60] * 16))
        outcome = self.start("no")
        self.assertRefused(outcome, "snapshot.cairn",
                           "malformed entry at offset %d" % (SNAPSHOT_HEADER_SIZE + 16 * 8))

    def test_a_database_count_larger_than_the_file_stops_startup_at_the_header(self):
        data = bytearray(snapshot([snapshot_entry(b"k", b"v")], key_counts=[1] * 16))
        struct.pack_into("<I", data, 8 + 4 + 8, 1 << 30)  # 8 GB of counts, in a small file
        data[-4:] = struct.pack("<I", mask_crc(crc32c(bytes(data[:-4]))))
        self.write("snapshot.cairn", bytes(data))
        outcome = self.start("no")
        self.assertRefused(outcome, "snapshot.cairn", "bad header")

    def test_a_value_length_forged_huge_stops_startup_at_the_entry(self):
        entry = snapshot_entry(b"k", b"v" * 8, value_len=1 << 60)
        self.write("snapshot.cairn", snapshot([entry]))
        for appendonly in ("no", "yes"):
            outcome = self.start(appendonly)
            self.assertRefused(outcome, "snapshot.cairn",
                               "malformed entry at offset %d" % SNAPSHOT_HEADER_SIZE)

    def test_a_list_count_forged_huge_stops_startup_at_the_entry(self):
        good = snapshot_entry(b"k", b"v")
        bad = snapshot_entry(b"l", varint(1 << 60) + b"\x01a", type_=1)
        self.write("snapshot.cairn", snapshot([good, bad]))
        outcome = self.start("no")
        self.assertRefused(outcome, "snapshot.cairn",
                           "malformed entry at offset %d" % (SNAPSHOT_HEADER_SIZE + len(good)))

    def test_an_entry_count_forged_in_the_end_marker_stops_startup(self):
        entries = [snapshot_entry(b"k%d" % i, b"v") for i in range(3)]
        self.write("snapshot.cairn", snapshot(entries, count=1 << 62))
        outcome = self.start("no")
        end = SNAPSHOT_HEADER_SIZE + sum(len(e) for e in entries)
        self.assertRefused(outcome, "snapshot.cairn", "malformed entry at offset %d" % end)

    def test_a_truncated_snapshot_stops_startup_as_incomplete(self):
        data = snapshot([snapshot_entry(b"k%d" % i, b"v" * 100) for i in range(20)])
        self.write("snapshot.cairn", data[:len(data) // 2])
        outcome = self.start("no")
        self.assertRefused(outcome, "snapshot.cairn", "incomplete or damaged")


if __name__ == "__main__":
    unittest.main(verbosity=2)
