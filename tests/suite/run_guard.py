"""Compatibility ratchet: runs units of Redis 7.0.15's own test suite against cairn-server and
fails when a unit passes fewer tests than recorded in tests/suite/expected.txt.

The suite lives outside the repository (../shared/redis-tests beside the repo root, or
$CAIRN_REDIS_TESTS); when it is absent the guard says "skipped" and succeeds, so the project
builds and tests without it. Each unit gets a fresh server (units change config and leave data
behind) started by the integration harness: a free port, --save "", --dir <tmpdir>, the WAL
on for the units in WITH_WAL. The
suite runs with its own runner's flags (durable mode), needs:debug tests included. A unit
that passes more than recorded only prints a hint: raise its line in expected.txt in the
same change, so compatibility only ratchets up.

    /usr/bin/python3 tests/suite/run_guard.py --server build/asan/src/cairn-server
    /usr/bin/python3 tests/suite/run_guard.py --server build/rel/src/cairn-server unit/type/incr

Exit status: 0 all units at or above their record (or suite absent), 1 a unit below its record,
a unit that timed out or a server that died, 2 bad usage.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import harness  # noqa: E402  (the integration tests' server launcher)

EXPECTED = os.path.join(REPO, "tests", "suite", "expected.txt")
DEFAULT_SUITE = os.path.join(os.path.dirname(REPO), "shared", "redis-tests")
UNIT_TIMEOUT_S = 300     # one unit; the slowest guarded unit takes well under a minute
TOTAL_TIMEOUT_S = 900    # the whole guard, whatever the number of units
KILL_GRACE_S = 5
# How the suite marks a passed and a failed test in its log (the runner's patterns).
PASSED_LINE = re.compile(r"^\[.*ok.*\]:", re.M)
FAILED_LINE = re.compile(r"^\[.*(err|exception).*\]:")
# The flags of the suite's own runner (../shared/redis-tests/run), except that tests tagged
# needs:debug run too (Redis's external mode leaves them out for servers without DEBUG; cairn
# has it) and, with them, the digest checks (no --ignore-digest: DEBUG DIGEST gives Redis's).
SUITE_FLAGS = ["--tags", "-needs:repl", "--singledb", "--ignore-encoding", "--clients", "1",
               "--timeout", "60", "--durable"]
# Units run with the WAL on from the start (cairn's default; the harness's servers run
# without it): their server blocks `CONFIG SET appendonly yes` and check what DEBUG LOADAOF
# reads back from the log, so they test the log as users run it, not one switched on midway
# (tests/integration/test_appendonly_switch.py covers the switch).
WITH_WAL = {"unit/type/stream", "unit/type/stream-cgroups", "unit/expire", "unit/other"}
LOG_TAIL_LINES = 25


class Terminated(Exception):
    """Raised from SIGTERM/SIGINT so that servers and suite processes are still cleaned up."""


def read_expected(path):
    """{unit: recorded passes} in file order, from 'unit count' lines ('#' starts a comment)."""
    records = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                sys.exit("%s:%d: expected 'unit count', got %r" % (path, number, line.strip()))
            records[fields[0]] = int(fields[1])
    return records


def stop_group(proc):
    """Ends the suite runner and every tclsh it started (they share its process group)."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, KILL_GRACE_S)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            pass


def prepare_suite(suite):
    """A private, writable copy of the suite's tests: its harness writes into tests/tmp and
    calls src/redis-cli and src/redis-benchmark."""
    work = tempfile.mkdtemp(prefix="cairn-suite-")
    shutil.copytree(os.path.join(suite, "suite", "tests"), os.path.join(work, "tests"))
    for root, dirs, files in os.walk(work):
        for name in dirs + files:
            path = os.path.join(root, name)
            os.chmod(path, os.stat(path).st_mode | 0o200)
    os.makedirs(os.path.join(work, "tests", "tmp"), exist_ok=True)
    os.makedirs(os.path.join(work, "src"))
    for tool in ("redis-cli", "redis-benchmark"):
        os.symlink(shutil.which(tool) or "/usr/bin/" + tool, os.path.join(work, "src", tool))
    return work


def run_unit(work, port, unit, timeout_s, logs):
    """Runs one unit against the server on port. Returns (passed, log text) or (None, reason)."""
    log = os.path.join(logs, unit.replace("/", "_") + ".log")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["tclsh", "tests/test_helper.tcl", "--host", "127.0.0.1", "--port", str(port),
             "--single", unit] + SUITE_FLAGS,
            cwd=work, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None, "timed out after %d s" % timeout_s
        finally:
            stop_group(proc)
    with open(log, errors="replace") as f:
        text = f.read()
    return len(PASSED_LINE.findall(text)), text


def failure_summary(logs, unit):
    """The suite log's failed tests for unit, then its tail: a unit can also stop early on an
    error outside any test, which only the tail shows."""
    path = os.path.join(logs, unit.replace("/", "_") + ".log")
    try:
        with open(path, errors="replace") as f:
            lines = [line.rstrip() for line in f]
    except OSError:
        return ["(no suite log)"]
    failed = [line for line in lines if FAILED_LINE.match(line)]
    return failed + ["--- end of the suite log:"] + lines[-LOG_TAIL_LINES:]


def guard_unit(args, work, unit, recorded, timeout_s, logs):
    """Runs unit on a fresh server; returns an error message, or None when it holds its record."""
    # Redis's suite uses DEBUG (its own servers run with enable-debug-command yes).
    server_args = ["--enable-debug-command", "yes"]
    if unit in WITH_WAL:
        server_args += ["--appendonly", "yes", "--appendfsync", "always"]
    server = harness.ServerProcess(server_args, binary=args.server)
    try:
        server.start()
    except RuntimeError as e:
        return "%s: the server did not start: %s" % (unit, e)
    died = None
    try:
        started = time.time()
        passed, detail = run_unit(work, server.port, unit, timeout_s, logs)
        elapsed = time.time() - started
    finally:
        try:
            server.stop()
        except RuntimeError as e:  # the server died during the unit
            died = str(e)
    if died:
        return "%s: %s" % (unit, died)
    if passed is None:
        return "%s: %s" % (unit, detail)
    print("%-28s passed %4d  recorded %4d  %5.0f s" % (unit, passed, recorded, elapsed))
    if passed < recorded:
        return "%s: passed %d, fewer than the %d recorded; failing now:\n  %s" % (
            unit, passed, recorded, "\n  ".join(failure_summary(logs, unit)))
    if passed > recorded:
        print("  hint: %s now passes %d; raise its record in tests/suite/expected.txt"
              % (unit, passed))
    return None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", default=os.environ.get("CAIRN_SERVER"),
                   help="cairn-server binary (default $CAIRN_SERVER)")
    p.add_argument("--suite", default=os.environ.get("CAIRN_REDIS_TESTS", DEFAULT_SUITE),
                   help="the redis-tests folder (default ../shared/redis-tests)")
    p.add_argument("--expected", default=EXPECTED, help="recorded counts")
    p.add_argument("units", nargs="*", help="units to run (default: every recorded unit)")
    args = p.parse_args()
    if not args.server:
        p.error("--server (or $CAIRN_SERVER) is required")
    args.server = os.path.abspath(args.server)
    return args


def main():
    args = parse_args()
    if not os.path.isfile(os.path.join(args.suite, "run")):
        print("suite guard skipped: %s not found" % args.suite)
        return 0
    for tool in ("tclsh", "redis-cli"):
        if shutil.which(tool) is None:
            print("suite guard: %s not found (scripts/test installs tcl and redis-tools)" % tool)
            return 1
    records = read_expected(args.expected)
    units = args.units or list(records)
    unknown = [u for u in units if u not in records]
    if unknown:
        print("suite guard: no record for %s in %s" % (" ".join(unknown), args.expected))
        return 2

    def terminate(signum, _frame):
        raise Terminated("signal %d" % signum)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)

    deadline = time.time() + TOTAL_TIMEOUT_S
    logs = tempfile.mkdtemp(prefix="cairn-suite-logs-")
    work = prepare_suite(args.suite)
    errors = []
    try:
        for unit in units:
            left = deadline - time.time()
            if left <= 0:
                errors.append("%s: not run, the guard's %d s budget is spent"
                              % (unit, TOTAL_TIMEOUT_S))
                continue
            error = guard_unit(args, work, unit, records[unit], min(UNIT_TIMEOUT_S, left), logs)
            if error:
                errors.append(error)
    except Terminated as e:
        errors.append("interrupted by %s" % e)
    finally:
        shutil.rmtree(logs, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    for error in errors:
        print("FAIL " + error)
    print("suite guard: %d of %d units hold their record" % (len(units) - len(errors), len(units)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
