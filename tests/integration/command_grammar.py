"""command_grammar: random Redis commands over four keys, and a raw RESP connection that
reads replies as comparable trees (RESP3 types kept).

Shared by scripts/compare_with_redis.py (cairn against redis-server, reply by reply) and
test_replay_random.py (cairn against itself across kill -9). The grammar draws values,
numbers, scores, stream IDs and options that hit edge cases: overflow, signed zero, bad
syntax, wrong types, empty ranges. 'DUMP-RESTORE' is a pseudo-command each user interprets.
"""
import random
import socket

# ---- the grammar --------------------------------------------------------------------------

DEFAULT_KEYS = ('a', 'b', 'c', '{a}x')
KEYS = list(DEFAULT_KEYS)  # the keys commands name; use_keys changes them
FIELDS = ['f1', 'f2', 'f3', '1', '2', '-1', '']
VALUES = ['1', '2', '-3', '0', 'x', 'abc', '', '3.5', '1e3', '9223372036854775807',
          '-9223372036854775808', '10', 'inf', ' 1', '01', 'nan']
NUMBERS = ['0', '1', '-1', '2', '3', '-2', '100', '-100', 'x', '', '1.5', '9223372036854775807',
           '-9223372036854775808', '18446744073709551615', '4294967296', '0x10', '+1', ' 2']
SCORES = ['1', '2', '-1', '0', '1.5', 'inf', '-inf', '+inf', '(1', '(2', 'x', '', '-0', '1e400',
          '3', '(inf', '( 1']
LEX = ['-', '+', '[a', '(a', '[b', '(b', 'a', '[', '(', '[1', '[x']
# TTLs stay far from the present: a key must not expire between the two servers' commands.
TTLS = ['100000', '0', '-1', 'x', '9223372036854775807', '9223372036854775', '1e3',
        '4611686018427387']
BIT_OFFSETS = ['0', '1', '7', '8', '15', '100', '-1', 'x', '4294967296', '23', '#1', '#3']
FIELD_TYPES = ['i8', 'u8', 'i16', 'u1', 'i64', 'u63', 'u64', 'i0', 'x', 'i5']
FIELD_VALUES = ['0', '1', '-1', '100', '-100', '127', '128', '255', '-129', '9223372036854775807',
                '-9223372036854775807', 'x']
STREAM_IDS = ['0', '0-1', '1-0', '1-1', '2-0', '*', '-', '+', '1', '5-5', 'x', '$', '>', '0-0',
              '18446744073709551615-18446744073709551615', '1-18446744073709551615', '1-*',
              '3-*', '-*']
MEMBERS = ['m1', 'm2', 'm3']


def one(choices):
    return random.choice(choices)


def use_keys(names):
    """Commands drawn from now on name these keys (same-slot names keep {a}x's role)."""
    KEYS[:] = names


def k():
    return one(KEYS)


def v():
    return one(VALUES)


def n():
    return one(NUMBERS)


def sc():
    return one(SCORES)


def sid():
    return one(STREAM_IDS)


def some(gen, lo=1, hi=3):
    return [gen() for _ in range(random.randint(lo, hi))]


def maybe(*words):
    return list(words) if random.random() < 0.5 else []


def geo_item():
    return [one(['13.361389', '15.087269', '-180', '180', '181', '0', '85.05112878', 'x']),
            one(['38.115556', '37.502669', '0', '-85', '86', 'x']), one(MEMBERS)]


def bitfield_op():
    return one([['GET', one(FIELD_TYPES), one(BIT_OFFSETS)],
                ['SET', one(FIELD_TYPES), one(BIT_OFFSETS), one(FIELD_VALUES)],
                ['INCRBY', one(FIELD_TYPES), one(BIT_OFFSETS), one(FIELD_VALUES)],
                ['OVERFLOW', one(['WRAP', 'SAT', 'X'])]])


STRINGS = [
    lambda: ['SET', k(), v()] + one([[], ['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['EX', one(TTLS)],
                                      ['PX', one(TTLS)], ['NX', 'GET'], ['XX', 'GET', 'KEEPTTL'],
                                      ['EXAT', one(['9999999999', '0', 'x'])],
                                      ['PXAT', one(['99999999999999', '-1'])],
                                      ['EX', '5', 'PX', '5'],
                                      ['KEEPTTL', 'EX', '100']]),
    lambda: ['GET', k()], lambda: ['GETDEL', k()], lambda: ['GETSET', k(), v()],
    lambda: ['GETEX', k()] + one([[], ['PERSIST'], ['EX', one(TTLS)], ['PXAT', one(TTLS)]]),
    lambda: ['APPEND', k(), v()], lambda: ['STRLEN', k()], lambda: ['SETRANGE', k(), n(), v()],
    lambda: ['GETRANGE', k(), n(), n()], lambda: ['SUBSTR', k(), n(), n()],
    lambda: ['INCR', k()], lambda: ['DECR', k()], lambda: ['INCRBY', k(), n()],
    lambda: ['DECRBY', k(), n()], lambda: ['INCRBYFLOAT', k(), v()],
    lambda: ['MSET', k(), v(), k(), v()], lambda: ['MGET'] + some(k),
    lambda: ['MSETNX', k(), v(), k(), v()], lambda: ['SETNX', k(), v()],
    lambda: ['SETEX', k(), one(TTLS), v()], lambda: ['PSETEX', k(), one(TTLS), v()],
    lambda: ['LCS', k(), k()] + one([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'],
                                     ['IDX', 'MINMATCHLEN', n()]]),
    lambda: ['SETBIT', k(), one(BIT_OFFSETS), one(['0', '1', '2', 'x'])],
    lambda: ['GETBIT', k(), one(BIT_OFFSETS)],
    lambda: ['BITCOUNT', k()] + one([[], [n(), n()], [n(), n(), 'BIT'], [n(), n(), 'BYTE'], [n()],
                                     [n(), n(), 'X']]),
    lambda: ['BITPOS', k(), one(['0', '1', '2'])] + one([[], [n()], [n(), n()], [n(), n(), 'BIT'],
                                                         [n(), n(), 'BYTE']]),
    lambda: ['BITOP', one(['AND', 'OR', 'XOR', 'NOT', 'FOO']), k()] + some(k),
    lambda: ['BITFIELD', k()] + sum(some(bitfield_op, 0, 3), []),
    lambda: ['BITFIELD_RO', k()] + sum((['GET', one(FIELD_TYPES), one(BIT_OFFSETS)]
                                        for _ in range(random.randint(0, 2))), []),
    lambda: ['PFADD', k()] + some(v, 0, 3), lambda: ['PFCOUNT'] + some(k),
    lambda: ['PFMERGE', k()] + some(k, 0, 2),
]

KEYSPACE = [
    lambda: ['DEL'] + some(k), lambda: ['UNLINK'] + some(k), lambda: ['EXISTS'] + some(k),
    lambda: ['TOUCH'] + some(k), lambda: ['TYPE', k()], lambda: ['RENAME', k(), k()],
    lambda: ['RENAMENX', k(), k()], lambda: ['COPY', k(), k()] + maybe('REPLACE'),
    lambda: ['EXPIRE', k(), one(['100', '1000', '-1', '0', 'x', '9223372036854775807',
                                 '9223372036854775'])]
    + one([[], ['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'XX']]),
    lambda: ['EXPIREAT', k(), one(['1', '9999999999', 'x', '-1'])] + one([[], ['GT'], ['LT']]),
    lambda: ['PEXPIRE', k(), one(['100000', '0', '-5', 'x', '9223372036854775807'])]
    + one([[], ['NX'], ['GT'], ['LT', 'XX']]),
    lambda: ['PEXPIREAT', k(), one(['1', '99999999999999', '-1', '9223372036854775807'])],
    lambda: ['COPY', k(), k(), 'DB', one(['0', '1', '16', 'x'])] + maybe('REPLACE'),
    lambda: ['PERSIST', k()], lambda: ['TTL', k()], lambda: ['EXPIRETIME', k()],
    lambda: ['PEXPIRETIME', k()], lambda: ['DBSIZE'],
    lambda: ['KEYS', one(['*', 'a*', '?', '[ab]', '{a}*', '*x'])],
    lambda: ['MOVE', k(), one(['1', '0', '16', 'x'])], lambda: ['SWAPDB', '0', one(['1', 'x'])],
    lambda: ['OBJECT', one(['ENCODING', 'FREQ', 'REFCOUNT']), k()], lambda: ['DUMP-RESTORE', k()],
]

LISTS = [
    lambda: ['LPUSH', k()] + some(v), lambda: ['RPUSH', k()] + some(v),
    lambda: ['LPUSHX', k()] + some(v), lambda: ['RPUSHX', k()] + some(v),
    lambda: ['LPOP', k()] + maybe(n()), lambda: ['RPOP', k()] + maybe(n()),
    lambda: ['LRANGE', k(), n(), n()], lambda: ['LINDEX', k(), n()], lambda: ['LLEN', k()],
    lambda: ['LSET', k(), n(), v()], lambda: ['LREM', k(), n(), v()],
    lambda: ['LTRIM', k(), n(), n()],
    lambda: ['LINSERT', k(), one(['BEFORE', 'AFTER', 'X']), v(), v()],
    lambda: ['LPOS', k(), v()] + one([[], ['RANK', n()], ['COUNT', n()], ['MAXLEN', n()],
                                      ['RANK', n(), 'COUNT', n()]]),
    lambda: ['LMOVE', k(), k(), one(['LEFT', 'RIGHT']), one(['LEFT', 'RIGHT', 'UP'])],
    lambda: ['RPOPLPUSH', k(), k()],
    lambda: ['LMPOP', one(['1', '2', '0', 'x']), k(), k(), one(['LEFT', 'RIGHT'])]
    + maybe('COUNT', n()),
    lambda: ['BLPOP', k(), k(), '0.01'], lambda: ['BRPOP', k(), '0.01'],
    lambda: ['BLMOVE', k(), k(), 'LEFT', 'RIGHT', '0.01'],
    lambda: ['BLMPOP', '0.01', '2', k(), k(), 'LEFT'],
    lambda: ['SORT', k()] + one([[], ['ALPHA'], ['DESC'], ['LIMIT', n(), n()],
                                 ['ALPHA', 'DESC', 'LIMIT', '0', '2'], ['BY', 'nosort'],
                                 ['BY', '*'], ['GET', '#'], ['GET', 'a'], ['BY', 'h*->f1'],
                                 ['STORE', k()], ['ALPHA', 'STORE', k()]]),
    lambda: ['SORT_RO', k()] + one([[], ['ALPHA'], ['STORE', 'x']]),
]

HASHES_AND_SETS = [
    lambda: ['HSET', k()] + sum(([one(FIELDS), v()] for _ in range(random.randint(1, 2))), []),
    lambda: ['HGET', k(), one(FIELDS)], lambda: ['HDEL', k()] + some(lambda: one(FIELDS)),
    lambda: ['HLEN', k()], lambda: ['HINCRBY', k(), one(FIELDS), n()],
    lambda: ['HINCRBYFLOAT', k(), one(FIELDS), v()], lambda: ['HSETNX', k(), one(FIELDS), v()],
    lambda: ['HMGET', k()] + some(lambda: one(FIELDS)), lambda: ['HEXISTS', k(), one(FIELDS)],
    lambda: ['HSTRLEN', k(), one(FIELDS)], lambda: ['HGETALL', k()], lambda: ['HKEYS', k()],
    lambda: ['HVALS', k()], lambda: ['HRANDFIELD', k(), one(['0', '-0'])],
    lambda: ['SADD', k()] + some(v), lambda: ['SREM', k()] + some(v),
    lambda: ['SMEMBERS', k()], lambda: ['SISMEMBER', k(), v()],
    lambda: ['SMISMEMBER', k()] + some(v), lambda: ['SCARD', k()],
    lambda: ['SRANDMEMBER', k(), '0'], lambda: ['SMOVE', k(), k(), v()],
    lambda: [one(['SINTER', 'SUNION', 'SDIFF'])] + some(k),
    lambda: [one(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), k()] + some(k),
    lambda: ['SINTERCARD', one(['1', '2', '0', 'x', '3'])] + some(k) + maybe('LIMIT', n()),
]

SORTED_SETS = [
    lambda: ['ZADD', k()] + one([[], ['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['INCR'],
                                 ['NX', 'GT'], ['XX', 'CH']])
    + sum(([sc(), v()] for _ in range(random.randint(1, 2))), []),
    lambda: ['ZINCRBY', k(), sc(), v()], lambda: ['ZSCORE', k(), v()],
    lambda: ['ZMSCORE', k()] + some(v), lambda: ['ZRANK', k(), v()],
    lambda: ['ZREVRANK', k(), v()], lambda: ['ZCARD', k()], lambda: ['ZREM', k()] + some(v),
    lambda: ['ZRANGE', k(), one([n(), sc(), one(LEX)]), one([n(), sc(), one(LEX)])]
    + one([[], ['WITHSCORES'], ['REV'], ['BYSCORE'], ['BYLEX'], ['BYSCORE', 'REV', 'WITHSCORES'],
           ['BYSCORE', 'LIMIT', n(), n()], ['BYLEX', 'LIMIT', n(), n()], ['LIMIT', '0', '1']]),
    lambda: ['ZRANGEBYSCORE', k(), sc(), sc()] + one([[], ['WITHSCORES'], ['LIMIT', n(), n()]]),
    lambda: ['ZREVRANGEBYSCORE', k(), sc(), sc()],
    lambda: ['ZRANGEBYLEX', k(), one(LEX), one(LEX)],
    lambda: ['ZLEXCOUNT', k(), one(LEX), one(LEX)],
    lambda: ['ZCOUNT', k(), sc(), sc()], lambda: ['ZREMRANGEBYSCORE', k(), sc(), sc()],
    lambda: ['ZREMRANGEBYRANK', k(), n(), n()],
    lambda: [one(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), k(), one(['1', '2', '0', 'x'])]
    + some(k) + one([[], ['WEIGHTS', sc(), sc()],
                     ['AGGREGATE', one(['SUM', 'MIN', 'MAX', 'X'])]]),
    lambda: [one(['ZUNION', 'ZINTER', 'ZDIFF']), one(['1', '2', '0'])] + some(k)
    + one([[], ['WITHSCORES'], ['WEIGHTS', '2', '3']]),
    lambda: ['ZPOPMIN', k()] + maybe(n()), lambda: ['ZPOPMAX', k()] + maybe(n()),
    lambda: ['ZMPOP', one(['1', '2']), k(), k(), one(['MIN', 'MAX'])] + maybe('COUNT', n()),
    lambda: ['BZPOPMIN', k(), '0.01'],
    lambda: ['BZMPOP', '0.01', '1', k(), 'MAX', 'COUNT', n()],
    lambda: ['ZRANGESTORE', k(), k(), n(), n()] + one([[], ['BYSCORE'], ['REV']]),
    lambda: ['ZINTERCARD', one(['1', '2'])] + some(k), lambda: ['ZRANDMEMBER', k(), '0'],
    lambda: ['GEOADD', k()] + one([[], ['NX'], ['XX'], ['CH']]) + geo_item(),
    lambda: ['GEOPOS', k()] + some(lambda: one(MEMBERS)),
    lambda: ['GEOHASH', k()] + some(lambda: one(MEMBERS)),
    lambda: ['GEODIST', k(), 'm1', one(['m2', 'm3'])] + one([[], ['km'], ['mi'], ['x']]),
    lambda: ['GEOSEARCH', k()] + one([['FROMMEMBER', 'm1'], ['FROMLONLAT', '15', '37']])
    + one([['BYRADIUS', one(['200', '0', '-1', '1000']), 'km'], ['BYBOX', '400', '400', 'km']])
    + one([[], ['ASC'], ['DESC'], ['WITHCOORD', 'WITHDIST', 'WITHHASH'], ['COUNT', '1'],
           ['COUNT', '1', 'ANY']]),
    lambda: ['GEOSEARCHSTORE', k(), k(), 'FROMMEMBER', 'm1', 'BYRADIUS', '500', 'km']
    + one([[], ['STOREDIST'], ['COUNT', '1']]),
    lambda: ['GEORADIUS', k(), '15', '37', '200', 'km']
    + one([[], ['WITHDIST', 'ASC'], ['STORE', k()], ['STOREDIST', k()]]),
    lambda: ['GEORADIUSBYMEMBER', k(), 'm1', one(['100', '500', 'x']), 'km']
    + one([[], ['WITHDIST'], ['COUNT', '1'], ['STORE', k()]]),
]

STREAMS = [
    lambda: ['XADD', k()] + one([[], ['NOMKSTREAM'], ['MAXLEN', n()], ['MAXLEN', '~', n()],
                                 ['MINID', sid()]]) + [sid(), 'f', v()],
    lambda: ['XLEN', k()], lambda: ['XRANGE', k(), sid(), sid()] + maybe('COUNT', n()),
    lambda: ['XREVRANGE', k(), sid(), sid()], lambda: ['XDEL', k()] + some(sid),
    lambda: ['XTRIM', k(), one(['MAXLEN', 'MINID']), n()],
    lambda: ['XGROUP', one(['CREATE', 'SETID', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER']),
             k(), 'g', one([sid(), 'c1'])] + maybe('MKSTREAM'),
    lambda: ['XGROUP', 'SETID', k(), 'g', sid()] + maybe('ENTRIESREAD', n()),
    lambda: ['XREADGROUP', 'GROUP', 'g', one(['c1', 'c2'])] + maybe('COUNT', n()) + maybe('NOACK')
    + ['STREAMS', k(), one(['>', '0', sid()])],
    lambda: ['XREAD', 'COUNT', one(['1', '2', 'x']), 'STREAMS', k(), one(['0', '1-0', '$'])],
    lambda: ['XACK', k(), 'g'] + some(sid),
    lambda: ['XPENDING', k(), 'g'] + one([[], ['-', '+', '10'], ['-', '+', '10', 'c1'],
                                         ['IDLE', '0', '-', '+', '10'],
                                         ['IDLE', 'x', '-', '+', '1'], ['-', '+', '-1'],
                                         ['(1-0', '(2-0', '10']]),
    lambda: ['XCLAIM', k(), 'g', 'c2', one(['0', '-1', 'x'])] + some(sid)
    + one([[], ['JUSTID'], ['FORCE'], ['RETRYCOUNT', n()], ['LASTID', sid()], ['IDLE', '0'],
           ['TIME', '0'], ['FORCE', 'JUSTID', 'RETRYCOUNT', '5']]),
    lambda: ['XINFO', 'CONSUMERS', k(), one(['g', 'nog'])],
    lambda: ['XAUTOCLAIM', k(), 'g', 'c2', '0', sid()] + one([[], ['COUNT', n()], ['JUSTID']]),
    lambda: ['XINFO', one(['STREAM', 'GROUPS']), k()],
    lambda: ['XSETID', k(), sid()] + one([[], ['ENTRIESADDED', n()], ['MAXDELETEDID', sid()],
                                          ['ENTRIESADDED', n(), 'MAXDELETEDID', sid()]]),
    lambda: ['XGROUP', 'CREATE', k(), one(['g', 'g2']), sid(), 'ENTRIESREAD', n()]
    + maybe('MKSTREAM'),
]

TRANSACTIONS = [
    lambda: ['WATCH'] + some(k), lambda: ['UNWATCH'], lambda: ['MULTI'], lambda: ['EXEC'],
    lambda: ['DISCARD'],
]

# Iteration and random picks. 'SCAN-ALL' is a pseudo-command: a whole SCAN/HSCAN/SSCAN/ZSCAN
# iteration (scan_all). Random replies can only be compared by shape (RANDOM).
ITERATION_AND_RANDOM = [
    lambda: ['SCAN-ALL', 'SCAN'] + maybe('MATCH', one(['*', 'a*', '?', '[ab]', '*x']))
    + maybe('COUNT', one(['1', '2', '10', '0', 'x'])) + maybe('TYPE', one(
        ['string', 'list', 'hash', 'set', 'zset', 'stream', 'none', 'foo'])),
    lambda: ['SCAN-ALL', one(['HSCAN', 'SSCAN', 'ZSCAN']), k()]
    + maybe('MATCH', one(['*', 'f*', '?', '[1m]*', '*1'])) + maybe('COUNT', one(['1', '3', '0'])),
    lambda: ['SRANDMEMBER', k(), one(['1', '3', '-3', '-10', '100', 'x'])],
    lambda: ['HRANDFIELD', k(), one(['1', '3', '-3', '-10', '100', 'x'])] + maybe('WITHVALUES'),
    lambda: ['ZRANDMEMBER', k(), one(['1', '3', '-3', '-10', '100', 'x'])] + maybe('WITHSCORES'),
    lambda: ['SPOP', k()] + maybe(one(['0', '1', '2', '100', '-1', 'x'])),
    lambda: ['RANDOMKEY'],
]

# The function library LOAD_LIBRARY loads: FCALL runs a command through redis.pcall, as the
# EVAL wrappers do, with and without the no-writes flag.
LIBRARY = '''#!lua name=grammar
redis.register_function('pcall_any', function(keys, args) return redis.pcall(unpack(args)) end)
redis.register_function{function_name='pcall_ro', flags={'no-writes'},
                        callback=function(keys, args) return redis.pcall(unpack(args)) end}
redis.register_function('call_key', function(keys, args) return redis.call(args[1], keys[1]) end)
'''
LOAD_LIBRARY = ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]

# Scripts and functions: how errors, arities and flags come back, as Redis words them.
SCRIPTING = [
    lambda: ['EVAL', "return redis.call('GET', KEYS[1])", one(['1', '0', '-1', 'x', '2'])]
    + some(k, 0, 1),
    lambda: ['EVAL', 'return redis.call(ARGV[1])', '0', one(['GET', 'NOSUCH', 'PING', '',
                                                            'EVAL', 'MULTI', 'BLPOP'])],
    lambda: ['EVAL', one(["return redis.error_reply('My Error')",
                          "return redis.error_reply('-WRONG thing')",
                          "return redis.status_reply('FINE')", "error('boom')",
                          "error({err='TABLE err'})", "return redis.call('INCR')",
                          "return redis.pcall('INCR')", 'x = 1', 'return y',
                          "return {1, 2.9, 'x', true, false, {ok='st'}, nil, 5}",
                          "return redis.sha1hex('')", "return tostring(math.random())",
                          "redis.setresp(4)", 'return {err=1}', 'return',
                          "return redis.call('SET', KEYS[1], 'v')"]),
             one(['0', '1']), k()],
    lambda: ['EVALSHA', one(['ffffffffffffffffffffffffffffffffffffffff', 'x',
                             'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'])] + ['0'],
    lambda: ['EVAL_RO', one(["return redis.call('SET', KEYS[1], 'x')",
                             "return redis.call('GET', KEYS[1])",
                             "return redis.pcall('DEL', KEYS[1])"]), '1', k()],
    lambda: ['FCALL', one(['pcall_any', 'pcall_ro', 'nosuch']), one(['0', '-1', 'x', '9'])],
    lambda: [one(['FCALL', 'FCALL_RO']), 'call_key', '1', k(),
             one(['GET', 'INCR', 'DEL', 'LLEN', 'TYPE', 'XLEN'])],
    lambda: ['SCRIPT', 'EXISTS', one(['e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'x'])],
    lambda: ['FUNCTION', 'LIST'] + one([[], ['LIBRARYNAME', one(['gram*', 'x'])],
                                        ['WITHCODE'], ['LIBRARYNAME']]),
]

GRAMMAR = (STRINGS + KEYSPACE + LISTS + HASHES_AND_SETS + SORTED_SETS + STREAMS + TRANSACTIONS +
           ITERATION_AND_RANDOM + SCRIPTING)
# Not real commands: each user of the grammar interprets (or skips) them.
PSEUDO = {'DUMP-RESTORE', 'SCAN-ALL'}
# Replies that pick at random: comparable by shape (length, nil, error) only.
RANDOM = {'SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER', 'SPOP', 'RANDOMKEY'}

LUA_WRAPPERS = [
    'return redis.pcall(unpack(ARGV))',
    'redis.setresp(3); return redis.pcall(unpack(ARGV))',
    'local r = redis.pcall(unpack(ARGV)); '
    'if type(r) == "table" and r.err == nil then return {type(r), #r, r} end return r',
]

# Redis 7.0's defaults of the same thresholds.
DEFAULT_ENCODINGS = ['hash-max-listpack-entries', '128', 'zset-max-listpack-entries', '128',
                     'set-max-intset-entries', '512', 'list-max-listpack-size', '-2',
                     'hash-max-listpack-value', '64', 'zset-max-listpack-value', '64']
SMALL_ENCODINGS = ['hash-max-listpack-entries', '3', 'zset-max-listpack-entries', '3',
                   'set-max-intset-entries', '3', 'list-max-listpack-size', '2',
                   'hash-max-listpack-value', '4', 'zset-max-listpack-value', '4']

# Replies whose order is the server's own (hash tables): compared as sorted lists.
UNORDERED = {'SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'HKEYS', 'HVALS', 'KEYS', 'HGETALL'}
# Not wrapped in EVAL: their replies are unordered, time-dependent or encoding details, which
# the comparison can only forgive for the command itself.
NOT_IN_LUA = UNORDERED | PSEUDO | RANDOM | {
    'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'OBJECT', 'XINFO', 'XADD', 'TTL', 'PTTL',
    'EXPIRETIME', 'PEXPIRETIME', 'SORT', 'SORT_RO', 'ZRANGEBYLEX', 'ZLEXCOUNT'}
# Function wrappers (FCALL of LIBRARY's functions) for commands that may run inside EVAL.
FCALL_WRAPPERS = [['FCALL', 'pcall_any', '0'], ['FCALL', 'pcall_ro', '0'],
                  ['FCALL_RO', 'pcall_ro', '0']]


def wrap_in_script(cmd):
    """cmd run through redis.pcall: by EVAL of a LUA_WRAPPERS script, or (three times in ten)
    by FCALL of a LIBRARY function."""
    return (['EVAL', random.choice(LUA_WRAPPERS), '0'] if random.random() < 0.7
            else random.choice(FCALL_WRAPPERS)) + cmd


# ---- a raw RESP connection ----------------------------------------------------------------

class Connection:
    """Replies as (type character, value) trees, so RESP3 types are compared too."""

    def __init__(self, port, resp):
        self.sock = socket.create_connection(('127.0.0.1', port))
        self.buf = b''
        if resp == 3:
            self.call(['HELLO', '3'])

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError('the server closed the connection')
        self.buf += data

    def _line(self):
        while b'\r\n' not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def _bulk(self, size):
        while len(self.buf) < size + 2:
            self._fill()
        data, self.buf = self.buf[:size], self.buf[size + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = chr(line[0]), line[1:]
        if kind in '+-:,(#':
            return (kind, rest)
        if kind == '_':
            return ('_', None)
        size = int(rest)
        if size < 0:
            return (kind, None)
        if kind in '$=!':
            return (kind, self._bulk(size))
        if kind in '*~>':
            return (kind, [self.read() for _ in range(size)])
        if kind == '%':
            return (kind, [(self.read(), self.read()) for _ in range(size)])
        if kind == '|':  # attributes: skipped
            [(self.read(), self.read()) for _ in range(size)]
            return self.read()
        raise ValueError(f'bad reply line {line!r}')

    def call(self, args):
        out = [b'*%d\r\n' % len(args)]
        for arg in args:
            arg = arg.encode() if isinstance(arg, str) else arg
            out.append(b'$%d\r\n%s\r\n' % (len(arg), arg))
        self.sock.sendall(b''.join(out))
        reply = self.read()
        while reply[0] == '>':  # pushes
            reply = self.read()
        return plain(reply)


def plain(reply):
    """A tree comparable with ==: strings, ints and lists, typed RESP3 values tagged."""
    kind, value = reply
    if value is None or kind == '_':
        return None
    if kind == ':':
        return int(value)
    if kind in '$+':
        return value
    if kind == '-':
        return 'error: ' + value.decode(errors='replace')
    if kind == '*':
        return [plain(x) for x in value]
    if kind == '~':
        return ('set', sorted((plain(x) for x in value), key=repr))
    if kind == '%':
        return ('map', sorted(((plain(a), plain(b)) for a, b in value), key=repr))
    return ({',': 'double', '#': 'bool', '(': 'big number', '=': 'verbatim',
             '!': 'blob error'}[kind], value)


def scan_all(conn, cmd):
    """Runs the iteration cmd = ['SCAN-ALL', SCAN|HSCAN|SSCAN|ZSCAN, (key,) options...] to its
    end: ('scanned', sorted elements; pairs for HSCAN/ZSCAN), or the first reply that is not
    a cursor step (an error)."""
    name, rest = cmd[1], cmd[2:]
    key, options = (rest[:1], rest[1:]) if name != 'SCAN' else ([], rest)
    cursor, seen = b'0', set()
    for _ in range(10000):
        reply = conn.call([name] + key + [cursor] + options)
        if not (isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], list)):
            return reply
        cursor, items = reply
        if name in ('HSCAN', 'ZSCAN'):
            items = list(zip(items[0::2], items[1::2]))
        seen.update(items)
        if cursor == b'0':
            return ('scanned', sorted(seen))
    return 'error: the iteration did not end'
