#!/usr/bin/python3
"""compare_with_redis: sends the same random command sequences to cairn and to redis-server
and reports the first reply that differs, with the commands that led to it.

Each seed starts from FLUSHALL on both servers and sends `--steps` commands drawn from a
grammar over four keys, with values, numbers, scores, stream IDs and options chosen to hit
edge cases (overflow, signed zero, bad syntax, wrong types, empty ranges). Replies are
compared after removing what is unordered by nature (SMEMBERS, KEYS, HGETALL, SORT BY nosort,
SET members in RESP3) or time-dependent (TTLs within 2 s, XADD's * IDs, XINFO's idle and
seen times; its radix-tree counts are cairn's own); a whole
SCAN-family iteration is compared as the set of what it returned, and a random pick
(SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP, RANDOMKEY) by its shape. MULTI/EXEC
replies are compared command by command. --resp 3 compares RESP3 reply types too (map, set,
double, null); --lua wraps a third of the commands in EVAL "redis.pcall(...)" (or FCALL of a
function doing the same, with or without no-writes) so that the Lua <-> RESP conversions are
compared; --small-encodings lowers the encoding thresholds on
both servers so that conversions happen after a few elements; --events compares the keyspace
notifications (notify-keyspace-events KEA) each command sends, in order.

Differences accepted on purpose (README, "Where cairn differs on purpose") are not reported:
OBJECT REFCOUNT and FREQ, OBJECT ENCODING of a small set of strings (listpack) and of a small
sorted set after SORT (Redis converts it to a skiplist), BITFIELD OVERFLOW FAIL growth, lex
ranges over members of different scores (unspecified), and SORT after Redis reads a stale
errno from an earlier strtod (a Redis bug that makes it refuse numbers it accepted before).

The grammar and the RESP connection are tests/integration/command_grammar.py, which the
kill -9 replay test (test_replay_random.py) draws from too.

Usage (both servers started by you, with persistence off):
    cairn-server --port 7001 --save "" &  redis-server --port 7002 --save "" &
    scripts/compare_with_redis.py --cairn 7001 --redis 7002 --seeds 0:500
    scripts/compare_with_redis.py --cairn 7001 --redis 7002 --resp 3 --lua --seeds 1000:1500
A report names the seed; --seeds N:N+1 --show 40 prints the whole sequence again.
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                'tests', 'integration'))
from command_grammar import (DEFAULT_ENCODINGS, GRAMMAR, LOAD_LIBRARY,  # noqa: E402
                             NOT_IN_LUA, RANDOM, SMALL_ENCODINGS, UNORDERED, Connection, plain,
                             scan_all, wrap_in_script)

# ---- comparison ---------------------------------------------------------------------------

# XINFO fields that tell time (idle, seen) or the radix tree's shape (cairn's is its own).
XINFO_UNCOMPARED = {b'idle', b'inactive', b'seen-time', b'active-time', b'radix-tree-keys',
                    b'radix-tree-nodes'}


def without_unstable_fields(reply):
    """An XINFO reply without XINFO_UNCOMPARED fields, in RESP2 (flat) or RESP3 (map) form."""
    if isinstance(reply, tuple) and reply[0] == 'map':
        return ('map', [(key, without_unstable_fields(v)) for key, v in reply[1]
                        if key not in XINFO_UNCOMPARED])
    if not isinstance(reply, list):
        return reply
    if len(reply) % 2 == 0 and all(isinstance(x, bytes) for x in reply[0::2]) and \
            any(x in XINFO_UNCOMPARED for x in reply[0::2]):
        return [x for i in range(0, len(reply), 2) if reply[i] not in XINFO_UNCOMPARED
                for x in (reply[i], without_unstable_fields(reply[i + 1]))]
    return [without_unstable_fields(x) for x in reply]


def with_functions_sorted(reply):
    """A FUNCTION LIST reply with each library's functions in one order: Redis lists them
    in its hash table's order, which a random hash seed changes from process to process."""
    if isinstance(reply, tuple) and reply[0] == 'map':
        return ('map', [(key, sorted(v[1] if isinstance(v, tuple) else v, key=repr)
                         if key == b'functions' else with_functions_sorted(v))
                        for key, v in reply[1]])
    if not isinstance(reply, list):
        return reply
    if len(reply) % 2 == 0 and b'functions' in reply[0::2]:
        return [sorted(x, key=repr) if i % 2 and reply[i - 1] == b'functions' else x
                for i, x in enumerate(reply)]
    return [with_functions_sorted(x) for x in reply]


def normalized(cmd, reply):
    if cmd[:2] == ['FUNCTION', 'LIST']:
        reply = with_functions_sorted(reply)
    if cmd[0] == 'XINFO':
        reply = without_unstable_fields(reply)
    if cmd[0] == 'XPENDING' and len(cmd) > 3 and isinstance(reply, list):
        # the extended form's [id, consumer, idle ms, deliveries]: idle tells time
        reply = [e[:2] + e[3:] if isinstance(e, list) and len(e) == 4 else e for e in reply]
    if cmd[0] in UNORDERED and isinstance(reply, list):
        return sorted(reply, key=repr)
    return reply


def shape(reply):
    """What a random pick shows of itself: nil, an error's text, a count of elements."""
    if isinstance(reply, list):
        return ('elements', len(reply))
    if isinstance(reply, tuple) and reply[0] in ('set', 'map'):
        return (reply[0], len(reply[1]))
    if isinstance(reply, str) or reply is None or isinstance(reply, int):
        return reply
    return 'one element'


def random_verdict(cmd, a, b):
    if shape(a) != shape(b):
        return 'differ'
    if cmd[0] == 'SPOP' and a != b:  # different members popped: the sets differ from here
        return 'same' if isinstance(a, list) and sorted(a) == sorted(b) else 'part'
    return 'same'


def verdict(cmd, ours, theirs):
    """'same', 'differ', or 'part' for an accepted difference after which the two keyspaces
    differ (the seed stops there)."""
    a, b = normalized(cmd, ours), normalized(cmd, theirs)
    name = cmd[0]
    if name in RANDOM:
        return random_verdict(cmd, a, b)
    if 'BYLEX' in cmd or name in ('ZRANGEBYLEX', 'ZLEXCOUNT'):
        return 'same'
    if name == 'OBJECT' and cmd[1] in ('FREQ', 'REFCOUNT'):
        # FREQ decays with time; REFCOUNT counts Redis's internal references (a list in
        # EXEC may show 2).
        return 'same'
    if name in ('TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME') and all(
            isinstance(r, int) and r > 0 for r in (a, b)):
        return 'same' if abs(a - b) < 2000 else 'differ'
    if name in ('SORT', 'SORT_RO'):
        if isinstance(b, str) and 'converted' in b and isinstance(a, (list, int)):
            return 'part'  # Redis's stale errno
        if 'nosort' in cmd and isinstance(a, list) and isinstance(b, list):
            return 'same' if sorted(a, key=repr) == sorted(b, key=repr) else 'differ'
    if name == 'XADD' and '*' in cmd and a != b and isinstance(a, bytes):
        return 'part'  # the clock moved a millisecond between the two
    return 'same' if a == b else 'differ'


def compare_dump(conns, key):
    """DUMP on both, then RESTORE each server's payload into the other: the two must agree."""
    lengths = [c.call(['STRLEN', key]) for c in conns]
    if any(isinstance(x, int) and x > 100000 for x in lengths):
        return None
    payloads = [c.call(['DUMP', key]) for c in conns]
    if not all(isinstance(p, bytes) for p in payloads):
        return None
    restored = [conns[0].call(['RESTORE', 'rt', '0', payloads[1], 'REPLACE']),
                conns[1].call(['RESTORE', 'rt', '0', payloads[0], 'REPLACE'])]
    contents = [c.call(['DUMP', 'rt']) for c in conns]
    for c in conns:
        c.call(['DEL', 'rt'])
    if restored[0] != restored[1] or (contents[0] is None) != (contents[1] is None):
        return restored
    return None


class EventWatcher:
    """A connection subscribed to every keyspace and keyevent notification of a server, and to
    MARKER, which the command connection publishes after each command: a publisher's messages
    arrive in order, so the events before the marker are exactly that command's."""

    MARKER = 'compare-marker'

    def __init__(self, port):
        self.conn = Connection(port, 2)
        self.conn.call(['PSUBSCRIBE', '__key*__:*', self.MARKER])
        self.conn.read()  # the second subscription's confirmation

    def events_until_marker(self):
        events = []
        while True:
            message = plain(self.conn.read())
            if message[2] == self.MARKER.encode():
                return events
            events.append((message[2], message[3]))


def compare_events(conns, watchers):
    """The notifications each server sent since the last call, or None when they agree."""
    for c in conns:
        c.call(['PUBLISH', EventWatcher.MARKER, 'x'])
    ours, theirs = (w.events_until_marker() for w in watchers)
    return None if ours == theirs else [('cairn events', ours), ('redis events', theirs)]


def encoding_on_purpose(cmd, ours, theirs, kind_of, sorted_keys):
    """OBJECT ENCODING answers that differ on purpose: a small set of strings is a listpack
    in cairn (a hashtable in Redis 7.0), and SORT makes a small sorted set a skiplist in
    Redis, not in cairn. kind_of() gives the key's TYPE as it was when the command ran."""
    if cmd[:2] != ['OBJECT', 'ENCODING'] or ours == theirs:
        return False
    kind = kind_of()
    return ((kind == b'set' and (ours, theirs) == (b'listpack', b'hashtable')) or
            (kind == b'zset' and (cmd[2] in sorted_keys or '*' in sorted_keys) and
             (ours, theirs) == (b'listpack', b'skiplist')))


def follow_sorted(cmd, sorted_keys):
    """Tracks which keys may hold a sorted set that SORT converted in Redis: the sorted key,
    and where COPY and RENAME take it; after SWAPDB, MOVE or COPY ... DB, any key ('*')."""
    if cmd[0] in ('EVAL', 'FCALL', 'FCALL_RO') and len(cmd) > 3 and cmd[2] == '0':
        cmd = cmd[3:]  # a command run by one of the wrappers
    if cmd[0] in ('SORT', 'SORT_RO'):
        sorted_keys.add(cmd[1])
    elif cmd[0] in ('SWAPDB', 'MOVE') or (cmd[0] == 'COPY' and 'DB' in cmd):
        sorted_keys.add('*')
    elif cmd[0] in ('COPY', 'RENAME', 'RENAMENX') and cmd[1] in sorted_keys:
        sorted_keys.add(cmd[2])


def run_seed(seed, args):
    """None when the servers agreed all along, else the history and the differing replies."""
    random.seed(seed)
    conns = [Connection(args.cairn, args.resp), Connection(args.redis, args.resp)]
    for c in conns:
        c.call(['FLUSHALL'])
        c.call(LOAD_LIBRARY)
    watchers = [EventWatcher(port) for port in (args.cairn, args.redis)] if args.events else []
    if watchers:
        compare_events(conns, watchers)  # FLUSHALL's own
    history, queued, sorted_keys = [], None, set()
    for _ in range(args.steps):
        if watchers and queued is None and (bad := compare_events(conns, watchers)):
            return history + bad
        cmd = random.choice(GRAMMAR)()
        if args.lua and cmd[0] not in NOT_IN_LUA and 'BYLEX' not in cmd \
                and random.random() < 0.3:
            cmd = wrap_in_script(cmd)
        if cmd[0] == 'DUMP-RESTORE':
            if queued is None and (bad := compare_dump(conns, cmd[1])) is not None:
                return history + [['DUMP', cmd[1]], ('RESTORE of each other', bad)]
            continue
        if cmd[0] == 'SCAN-ALL':
            if queued is None:
                history.append(cmd)
                ours, theirs = (scan_all(c, cmd) for c in conns)
                if ours != theirs:
                    return history + [('cairn', ours), ('redis', theirs)]
            continue
        history.append(cmd)
        follow_sorted(cmd, sorted_keys)
        ours, theirs = (c.call(cmd) for c in conns)
        if cmd[0] == 'MULTI' and ours == b'OK':
            queued = []
            continue
        if queued is not None and ours == theirs == b'QUEUED':
            queued.append(cmd)
            if cmd[:2] == ['OBJECT', 'ENCODING']:
                # The key's type when EXEC runs this, for encoding_on_purpose: a TYPE
                # queued right behind it (asked after EXEC, the key may have changed).
                probe = ['TYPE', cmd[2]]
                history.append(probe)
                if [c.call(probe) for c in conns] == [b'QUEUED'] * 2:
                    queued.append(probe)
            continue
        if cmd[0] in ('EXEC', 'DISCARD'):
            transaction, queued = queued, None
            if cmd[0] == 'EXEC' and isinstance(ours, list) and isinstance(theirs, list) \
                    and len(ours) == len(theirs) and transaction is not None:
                for i, (sub, a, b) in enumerate(zip(transaction, ours, theirs)):
                    kind_of = lambda i=i: ours[i + 1] if i + 1 < len(ours) else None  # noqa: E731
                    v = 'same' if encoding_on_purpose(sub, a, b, kind_of, sorted_keys) \
                        else verdict(sub, a, b)
                    if v != 'same':
                        return None if v == 'part' else history + [('in EXEC', sub),
                                                                   ('cairn', a), ('redis', b)]
                continue
        v = 'same' if encoding_on_purpose(cmd, ours, theirs,
                                          lambda: conns[0].call(['TYPE', cmd[2]]), sorted_keys) \
            else verdict(cmd, ours, theirs)
        if v == 'part':
            return None
        if v == 'differ':
            return history + [('cairn', ours), ('redis', theirs)]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cairn', type=int, required=True, help='cairn-server port')
    parser.add_argument('--redis', type=int, required=True, help='redis-server port')
    parser.add_argument('--seeds', default='0:200', help='first:last (exclusive)')
    parser.add_argument('--steps', type=int, default=300, help='commands per seed')
    parser.add_argument('--resp', type=int, choices=(2, 3), default=2)
    parser.add_argument('--lua', action='store_true', help='wrap commands in EVAL too')
    parser.add_argument('--small-encodings', action='store_true',
                        help='CONFIG SET tiny encoding thresholds on both servers')
    parser.add_argument('--events', action='store_true',
                        help='compare the keyspace notifications of every command too')
    parser.add_argument('--show', type=int, default=6, help='commands shown per report')
    parser.add_argument('--max-reports', type=int, default=10)
    args = parser.parse_args()
    # Set either way: a server keeps what an earlier run set.
    for port in (args.cairn, args.redis):
        Connection(port, 2).call(
            ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA' if args.events else ''] +
            (SMALL_ENCODINGS if args.small_encodings else DEFAULT_ENCODINGS))
    first, last = (int(x) for x in args.seeds.split(':'))
    reports = 0
    for seed in range(first, last):
        found = run_seed(seed, args)
        if found is None:
            continue
        reports += 1
        print(f'seed {seed}: differs after {len(found) - 2} commands')
        for line in found[-args.show:]:
            print('   ', line)
        if reports >= args.max_reports:
            break
    print(f'{reports} difference(s) in seeds {first}..{last - 1}')
    return 1 if reports else 0


if __name__ == '__main__':
    sys.exit(main())
