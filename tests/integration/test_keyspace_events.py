"""Keyspace notifications: which events each command fires, in which order, under which
conditions. Each case runs its setup with notifications off, turns them on, runs its commands
and compares the __keyevent@<db>__ messages (event, key) with Redis 7.0's.

Runs against redis-server 7.0 too (CAIRN_SERVER unset), which is how the tables were checked.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase  # noqa: E402

END = "__end__"  # a key set after each case's commands: its event ends the case

STRINGS = [
    ([], [["SET", "s", "v"]], [("set", "s")]),
    ([], [["SET", "s", "v", "EX", "100"]], [("set", "s"), ("expire", "s")]),
    ([], [["SET", "s", "v", "KEEPTTL"]], [("set", "s")]),
    # A deadline already past: the key is gone, and its "expired" is not lost (Redis reports
    # it when the EXISTS finds the key, cairn as the SET deletes it).
    ([], [["SET", "s", "v", "PXAT", "1"], ["EXISTS", "s"]],
     [("set", "s"), ("expire", "s"), ("expired", "s")]),
    ([["SET", "s", "v"]], [["SET", "s", "w", "NX"]], []),
    ([], [["SET", "s", "w", "XX"]], []),
    ([], [["SETEX", "s", "100", "v"]], [("set", "s"), ("expire", "s")]),
    ([], [["PSETEX", "s", "100000", "v"]], [("set", "s"), ("expire", "s")]),
    ([], [["SETNX", "s", "v"], ["SETNX", "s", "v"]], [("set", "s")]),
    ([["SET", "s", "v"]], [["GETSET", "s", "w"]], [("set", "s")]),
    ([], [["MSET", "a", "1", "b", "2"]], [("set", "a"), ("set", "b")]),
    ([["SET", "b", "x"]], [["MSETNX", "a", "1", "b", "2"]], []),
    ([], [["INCR", "n"], ["DECRBY", "n", "5"]], [("incrby", "n"), ("incrby", "n")]),
    ([["SET", "n", "x"]], [["INCR", "n"]], []),
    ([], [["INCRBYFLOAT", "f", "1.5"]], [("incrbyfloat", "f")]),
    ([], [["APPEND", "s", "ab"], ["APPEND", "s", ""]], [("append", "s"), ("append", "s")]),
    ([], [["SETRANGE", "s", "2", "ab"], ["SETRANGE", "s", "0", ""]], [("setrange", "s")]),
    ([["SET", "s", "v"]], [["GETDEL", "s"], ["GETDEL", "s"]], [("del", "s")]),
    ([["SET", "s", "v"]], [["GETEX", "s", "EX", "100"]], [("expire", "s")]),
    ([["SET", "s", "v"]], [["GETEX", "s", "PERSIST"]], []),
    ([["SET", "s", "v", "EX", "100"]], [["GETEX", "s", "PERSIST"]], [("persist", "s")]),
    ([["SET", "s", "v"]], [["GETEX", "s", "PXAT", "1"]], [("del", "s")]),
    ([["SET", "s", "v"]], [["GETEX", "s"]], []),
    ([], [["SETBIT", "b", "3", "1"], ["SETBIT", "b", "3", "1"], ["SETBIT", "b", "20", "0"]],
     [("setbit", "b"), ("setbit", "b")]),
    ([["SET", "a", "x"]], [["BITOP", "NOT", "d", "a"], ["BITOP", "OR", "d", "none"],
                           ["BITOP", "OR", "d", "none"]], [("set", "d"), ("del", "d")]),
    ([["SET", "a", "x"], ["RPUSH", "l", "x"]], [["BITOP", "OR", "d", "a", "l"]], []),
]

KEYS = [
    ([["SET", "a", "1"], ["SET", "b", "2"]], [["DEL", "a", "x", "b"]], [("del", "a"), ("del", "b")]),
    ([["SET", "a", "1"]], [["UNLINK", "a"]], [("del", "a")]),
    ([["SET", "a", "1"]], [["EXPIRE", "a", "100"]], [("expire", "a")]),
    ([["SET", "a", "1"]], [["EXPIRE", "a", "100", "XX"]], []),
    ([["SET", "a", "1"]], [["PEXPIREAT", "a", "1"]], [("del", "a")]),
    ([["SET", "a", "1"]], [["EXPIRE", "a", "-1"]], [("del", "a")]),
    ([], [["EXPIRE", "nokey", "100"]], []),
    ([["SET", "a", "1", "EX", "100"]], [["PERSIST", "a"], ["PERSIST", "a"]], [("persist", "a")]),
    ([["SET", "a", "1"]], [["RENAME", "a", "b"]], [("rename_from", "a"), ("rename_to", "b")]),
    ([["SET", "a", "1"], ["SET", "b", "2"]], [["RENAMENX", "a", "b"]], []),
    ([["SET", "a", "1"]], [["COPY", "a", "b"]], [("copy_to", "b")]),
    ([["SET", "a", "1"], ["SET", "b", "1"]], [["COPY", "a", "b"]], []),
    ([["SET", "a", "1"]], [["MOVE", "a", "1"]], [("move_from", "a"), ("move_to", "a")]),
    ([["SET", "a", "1"]], [["FLUSHDB"], ["FLUSHALL"]], []),
    ([["SET", "a", "1"]], [["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"]], []),
]

LISTS = [
    ([], [["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"]], [("lpush", "l"), ("rpush", "l")]),
    ([], [["LPUSHX", "l", "a"], ["RPUSHX", "l", "a"]], []),
    ([["RPUSH", "l", "a", "b"]], [["LPOP", "l"], ["RPOP", "l"]],
     [("lpop", "l"), ("rpop", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a", "b", "c"]], [["LPOP", "l", "5"]], [("lpop", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a"]], [["LPOP", "l", "0"]], []),
    ([["RPUSH", "l", "a", "b"]], [["LSET", "l", "0", "x"]], [("lset", "l")]),
    ([["RPUSH", "l", "a", "b"]], [["LINSERT", "l", "BEFORE", "b", "x"],
                                  ["LINSERT", "l", "BEFORE", "zz", "x"]], [("linsert", "l")]),
    ([["RPUSH", "l", "a", "b", "a"]], [["LREM", "l", "0", "zz"], ["LREM", "l", "1", "a"]],
     [("lrem", "l")]),
    ([["RPUSH", "l", "a", "a"]], [["LREM", "l", "0", "a"]], [("lrem", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a", "b", "c"]], [["LTRIM", "l", "0", "-1"], ["LTRIM", "l", "5", "6"]],
     [("ltrim", "l"), ("ltrim", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a", "b"]], [["LMOVE", "l", "m", "LEFT", "RIGHT"]],
     [("rpush", "m"), ("lpop", "l")]),
    ([["RPUSH", "l", "a"]], [["RPOPLPUSH", "l", "m"]],
     [("lpush", "m"), ("rpop", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a", "b"]], [["LMPOP", "2", "x", "l", "RIGHT", "COUNT", "2"]],
     [("rpop", "l"), ("del", "l")]),
    ([["RPUSH", "l", "a", "b"]], [["BLPOP", "x", "l", "0"]], [("lpop", "l")]),
]

HASHES = [
    ([], [["HSET", "h", "f", "v"], ["HSET", "h", "f", "v"]], [("hset", "h"), ("hset", "h")]),
    ([], [["HMSET", "h", "f", "v", "g", "w"]], [("hset", "h")]),
    ([["HSET", "h", "f", "v"]], [["HSETNX", "h", "f", "x"], ["HSETNX", "h", "g", "x"]],
     [("hset", "h")]),
    ([["HSET", "h", "f", "v", "g", "w"]], [["HDEL", "h", "zz"], ["HDEL", "h", "f"],
                                           ["HDEL", "h", "g"]],
     [("hdel", "h"), ("hdel", "h"), ("del", "h")]),
    ([], [["HINCRBY", "h", "n", "2"]], [("hincrby", "h")]),
    ([], [["HINCRBYFLOAT", "h", "n", "2.5"]], [("hincrbyfloat", "h")]),
]

SETS = [
    ([], [["SADD", "s", "a", "b"], ["SADD", "s", "a"]], [("sadd", "s")]),
    ([["SADD", "s", "a", "b"]], [["SREM", "s", "zz"], ["SREM", "s", "a"], ["SREM", "s", "b"]],
     [("srem", "s"), ("srem", "s"), ("del", "s")]),
    ([["SADD", "s", "a"]], [["SPOP", "s"], ["SPOP", "s"]], [("spop", "s"), ("del", "s")]),
    ([["SADD", "s", "a", "b"]], [["SPOP", "s", "0"], ["SPOP", "s", "5"]],
     [("spop", "s"), ("del", "s")]),
    ([["SADD", "s", "a", "b"]], [["SMOVE", "s", "d", "a"], ["SMOVE", "s", "d", "zz"]],
     [("srem", "s"), ("sadd", "d")]),
    ([["SADD", "s", "a"], ["SADD", "d", "a"]], [["SMOVE", "s", "d", "a"]],
     [("srem", "s"), ("del", "s")]),
    ([["SADD", "a", "1", "2"], ["SADD", "b", "2"]],
     [["SINTERSTORE", "d", "a", "b"], ["SUNIONSTORE", "d", "a", "b"], ["SDIFFSTORE", "d", "a", "b"]],
     [("sinterstore", "d"), ("sunionstore", "d"), ("sdiffstore", "d")]),
    ([["SADD", "a", "1"], ["SET", "d", "x"]], [["SINTERSTORE", "d", "a", "nokey"],
                                             ["SDIFFSTORE", "d", "a", "a"]], [("del", "d")]),
]

ZSETS = [
    ([], [["ZADD", "z", "1", "a"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "2", "a"]],
     [("zadd", "z"), ("zadd", "z")]),
    ([], [["ZINCRBY", "z", "1", "a"], ["ZADD", "z", "INCR", "1", "a"]],
     [("zincr", "z"), ("zincr", "z")]),
    ([["ZADD", "z", "1", "a", "2", "b"]], [["ZREM", "z", "zz"], ["ZREM", "z", "a", "b"]],
     [("zrem", "z"), ("del", "z")]),
    ([["ZADD", "z", "1", "a", "2", "b", "3", "c"]],
     [["ZREMRANGEBYSCORE", "z", "1", "1"], ["ZREMRANGEBYRANK", "z", "5", "6"],
      ["ZREMRANGEBYLEX", "z", "-", "+"]],
     [("zremrangebyscore", "z"), ("zremrangebylex", "z"), ("del", "z")]),
    ([["ZADD", "z", "1", "a", "2", "b"]], [["ZREMRANGEBYRANK", "z", "0", "0"]],
     [("zremrangebyrank", "z")]),
    ([["ZADD", "z", "1", "a", "2", "b"]], [["ZPOPMIN", "z"], ["ZPOPMAX", "z", "3"]],
     [("zpopmin", "z"), ("zpopmax", "z"), ("del", "z")]),
    ([["ZADD", "a", "1", "x", "2", "y"], ["ZADD", "b", "1", "y"]],
     [["ZUNIONSTORE", "d", "2", "a", "b"], ["ZINTERSTORE", "d", "2", "a", "b"],
      ["ZDIFFSTORE", "d", "2", "a", "b"], ["ZRANGESTORE", "e", "a", "0", "-1"]],
     [("zunionstore", "d"), ("zinterstore", "d"), ("zdiffstore", "d"), ("zrangestore", "e")]),
    ([["ZADD", "a", "1", "x"], ["SET", "d", "v"]],
     [["ZINTERSTORE", "d", "2", "a", "nokey"], ["ZRANGESTORE", "d", "a", "5", "6"],
      ["ZRANGESTORE", "e", "a", "5", "6"]], [("del", "d")]),
    ([["ZADD", "z", "1", "a"]], [["BZPOPMIN", "z", "0"]], [("zpopmin", "z"), ("del", "z")]),
]

GEO = [
    ([], [["GEOADD", "g", "1", "1", "a"], ["GEOADD", "g", "NX", "1", "1", "a"],
          ["GEOADD", "g", "XX", "2", "2", "a"]], [("zadd", "g"), ("zadd", "g")]),
    ([["GEOADD", "g", "1", "1", "a", "1.1", "1", "b"]],
     [["GEORADIUS", "g", "1", "1", "50", "km", "STORE", "d"],
      ["GEORADIUSBYMEMBER", "g", "a", "50", "km", "STOREDIST", "d"],
      ["GEOSEARCHSTORE", "e", "g", "FROMMEMBER", "a", "BYRADIUS", "1", "m"]],
     [("georadiusstore", "d"), ("georadiusstore", "d"), ("geosearchstore", "e")]),
    ([["GEOADD", "g", "1", "1", "a"], ["SET", "d", "v"], ["SET", "e", "v"]],
     [["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "m"],
      ["GEORADIUS", "nokey", "1", "1", "1", "m", "STORE", "e"],
      ["GEOSEARCHSTORE", "f", "g", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "m"]],
     [("del", "d"), ("del", "e")]),
]

STREAMS = [
    ([], [["XADD", "x", "1-1", "f", "v"]], [("xadd", "x")]),
    ([["XADD", "x", "1-1", "f", "v"]], [["XADD", "x", "MAXLEN", "1", "2-1", "f", "v"],
                                        ["XADD", "x", "MAXLEN", "1", "3-1", "f", "v"]],
     [("xadd", "x"), ("xtrim", "x"), ("xadd", "x"), ("xtrim", "x")]),
    ([["XADD", "x", "1-1", "f", "v"]], [["XADD", "x", "MAXLEN", "5", "2-1", "f", "v"]],
     [("xadd", "x")]),
    ([["XADD", "x", "1-1", "f", "v"], ["XADD", "x", "2-1", "f", "v"]],
     [["XDEL", "x", "9-9"], ["XDEL", "x", "1-1"], ["XTRIM", "x", "MAXLEN", "5"],
      ["XTRIM", "x", "MAXLEN", "0"]], [("xdel", "x"), ("xtrim", "x")]),
    ([["XADD", "x", "1-1", "f", "v"]], [["XSETID", "x", "5-5"]], [("xsetid", "x")]),
    ([["XADD", "x", "1-1", "f", "v"], ["XGROUP", "CREATE", "x", "g", "0"]],
     [["XREADGROUP", "GROUP", "g", "a", "STREAMS", "x", ">"],
      ["XREADGROUP", "GROUP", "g", "a", "STREAMS", "x", ">"],
      ["XCLAIM", "x", "g", "b", "0", "1-1"], ["XAUTOCLAIM", "x", "g", "c", "0", "0"],
      ["XAUTOCLAIM", "x", "g", "c", "0", "0"]],
     [("xgroup-createconsumer", "x"), ("xgroup-createconsumer", "x"),
      ("xgroup-createconsumer", "x")]),
    ([["XADD", "x", "1-1", "f", "v"]],
     [["XGROUP", "CREATE", "x", "g", "0"], ["XGROUP", "CREATE", "x", "g", "0"],
      ["XGROUP", "SETID", "x", "g", "$"], ["XGROUP", "CREATECONSUMER", "x", "g", "c"],
      ["XGROUP", "CREATECONSUMER", "x", "g", "c"], ["XGROUP", "DELCONSUMER", "x", "g", "c"],
      ["XGROUP", "DELCONSUMER", "x", "g", "c"], ["XGROUP", "DESTROY", "x", "g"],
      ["XGROUP", "DESTROY", "x", "g"]],
     [("xgroup-create", "x"), ("xgroup-setid", "x"), ("xgroup-createconsumer", "x"),
      ("xgroup-delconsumer", "x"), ("xgroup-destroy", "x")]),
]

# With the n and m classes: "new" when a command creates a key, "keymiss" when a read misses.
NEW_AND_MISS = [
    ([], [["SET", "s", "v"], ["SET", "s", "w"]], [("new", "s"), ("set", "s"), ("set", "s")]),
    ([], [["MSET", "a", "1", "b", "2"]], [("new", "a"), ("set", "a"), ("new", "b"),
                                          ("set", "b")]),
    ([], [["SET", "s", "v", "GET"]], [("keymiss", "s"), ("new", "s"), ("set", "s")]),
    ([], [["GET", "s"], ["MGET", "a", "b"], ["STRLEN", "s"], ["GETRANGE", "s", "0", "1"]],
     [("keymiss", "s"), ("keymiss", "a"), ("keymiss", "b"), ("keymiss", "s"), ("keymiss", "s")]),
    ([], [["GETDEL", "s"], ["GETEX", "s", "EX", "10"]], [("keymiss", "s"), ("keymiss", "s")]),
    ([], [["SETBIT", "b", "0", "0"], ["GETBIT", "m", "1"], ["BITCOUNT", "m"], ["BITPOS", "m", "1"],
          ["BITOP", "AND", "d", "b", "m"]],
     [("new", "b"), ("setbit", "b"), ("keymiss", "m"), ("keymiss", "m"), ("keymiss", "m"),
      ("keymiss", "m"), ("new", "d"), ("set", "d")]),
    ([], [["BITFIELD", "b", "SET", "u8", "0", "1"], ["BITFIELD", "b", "SET", "u8", "0", "1"],
          ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"],
          ["BITFIELD_RO", "m", "GET", "u8", "0"], ["BITFIELD", "m", "GET", "u8", "0"]],
     [("new", "b"), ("setbit", "b"), ("new", "f"), ("keymiss", "m"), ("keymiss", "m")]),
    ([["RPUSH", "l", "2", "1"]], [["SORT", "l", "STORE", "d"], ["SORT", "none", "STORE", "d"],
                                 ["SORT", "l", "BY", "w_*", "GET", "v_*"]],
     [("new", "d"), ("sortstore", "d"), ("keymiss", "none"), ("del", "d"), ("keymiss", "w_2"),
      ("keymiss", "w_1"), ("keymiss", "v_1"), ("keymiss", "v_2")]),
    ([], [["EXISTS", "a", "b"], ["TYPE", "a"], ["TTL", "a"], ["TOUCH", "a"]],
     [("keymiss", "a"), ("keymiss", "b"), ("keymiss", "a"), ("keymiss", "a"), ("keymiss", "a")]),
    ([], [["INCR", "n"], ["APPEND", "s", "x"], ["SETRANGE", "r", "1", "x"]],
     [("new", "n"), ("incrby", "n"), ("new", "s"), ("append", "s"), ("new", "r"),
      ("setrange", "r")]),
    ([], [["RPUSH", "l", "a"], ["HSET", "h", "f", "v"], ["SADD", "t", "m"], ["ZADD", "z", "1", "m"],
          ["XADD", "x", "1-1", "f", "v"]],
     [("new", "l"), ("rpush", "l"), ("new", "h"), ("hset", "h"), ("new", "t"), ("sadd", "t"),
      ("new", "z"), ("zadd", "z"), ("new", "x"), ("xadd", "x")]),
    ([], [["XGROUP", "CREATE", "x", "g", "$", "MKSTREAM"]], [("new", "x"), ("xgroup-create", "x")]),
    ([["SET", "a", "1"], ["SET", "b", "2"]], [["RENAME", "a", "b"]],
     [("new", "b"), ("rename_from", "a"), ("rename_to", "b")]),
    ([["SET", "a", "1"], ["SET", "b", "2"]], [["COPY", "a", "b", "REPLACE"]],
     [("new", "b"), ("copy_to", "b")]),
    ([["SET", "a", "1"]], [["MOVE", "a", "1"]], [("new", "a"), ("move_from", "a"),
                                                 ("move_to", "a")]),
    ([["RPUSH", "l", "a"]], [["LMOVE", "l", "m", "LEFT", "LEFT"]],
     [("new", "m"), ("lpush", "m"), ("lpop", "l"), ("del", "l")]),
    ([["SADD", "s", "a"]], [["SMOVE", "s", "d", "a"]],
     [("srem", "s"), ("del", "s"), ("new", "d"), ("sadd", "d")]),
    ([["SADD", "a", "1"]], [["SUNIONSTORE", "d", "a"], ["SUNIONSTORE", "d", "a"]],
     [("new", "d"), ("sunionstore", "d"), ("sunionstore", "d")]),
    ([], [["LPOP", "l"], ["SREM", "s", "a"], ["HDEL", "h", "f"], ["DEL", "k"]], []),
]


# With only the m class (and $ for the END marker): every read lookup of a missing key is one
# "keymiss", in the order the command looks its keys up. A key of another type is found, so it
# is no miss (the command's error is the reply). Commands that look up with a write lookup
# (pops, removals, pushes, the stores' destinations) report no miss.
M = "keymiss"
READ_MISSES = [
    ([], [["HGET", "h", "f"], ["HMGET", "h", "f", "g"], ["HGETALL", "h"], ["HLEN", "h"],
          ["HEXISTS", "h", "f"], ["HKEYS", "h"], ["HVALS", "h"], ["HSTRLEN", "h", "f"],
          ["HRANDFIELD", "h"], ["HRANDFIELD", "h", "2"], ["HSCAN", "h", "0"]],
     [(M, "h")] * 11),
    ([], [["HSET", "h", "f", "v"], ["HDEL", "g", "f"], ["HSETNX", "i", "f", "v"],
          ["HINCRBY", "j", "f", "1"], ["HINCRBYFLOAT", "k", "f", "1"]], []),
    ([], [["LRANGE", "l", "0", "-1"], ["LLEN", "l"], ["LINDEX", "l", "0"], ["LPOS", "l", "a"]],
     [(M, "l")] * 4),
    ([], [["LPOP", "l"], ["RPOP", "l", "2"], ["LMOVE", "l", "m", "LEFT", "LEFT"],
          ["RPOPLPUSH", "l", "m"], ["LPUSHX", "l", "a"], ["LSET", "l", "0", "a"],
          ["LINSERT", "l", "BEFORE", "a", "b"], ["LREM", "l", "0", "a"], ["LTRIM", "l", "0", "1"],
          ["LMPOP", "2", "l", "m", "LEFT"]], []),
    ([], [["SMEMBERS", "t"], ["SISMEMBER", "t", "m"], ["SMISMEMBER", "t", "m", "n"], ["SCARD", "t"],
          ["SRANDMEMBER", "t"], ["SRANDMEMBER", "t", "2"], ["SSCAN", "t", "0"]],
     [(M, "t")] * 7),
    ([], [["SINTER", "a", "b"], ["SINTERCARD", "2", "a", "b"], ["SUNION", "a", "b"],
          ["SDIFF", "a", "b"]], [(M, "a"), (M, "b")] * 4),
    ([["SADD", "a", "1"]], [["SINTERSTORE", "d", "a", "b"], ["SUNIONSTORE", "d", "b", "a"],
                            ["SDIFFSTORE", "d", "a", "b"]], [(M, "b")] * 3),
    ([], [["SPOP", "t"], ["SPOP", "t", "2"], ["SREM", "t", "m"], ["SMOVE", "t", "u", "m"],
          ["SADD", "t", "m"]], []),
    ([], [["ZSCORE", "z", "m"], ["ZMSCORE", "z", "m"], ["ZCARD", "z"], ["ZCOUNT", "z", "0", "1"],
          ["ZLEXCOUNT", "z", "-", "+"], ["ZRANK", "z", "m"], ["ZREVRANK", "z", "m"],
          ["ZRANDMEMBER", "z"], ["ZRANDMEMBER", "z", "2"], ["ZSCAN", "z", "0"]],
     [(M, "z")] * 10),
    ([], [["ZRANGE", "z", "0", "-1"], ["ZRANGE", "z", "0", "1", "BYSCORE"],
          ["ZREVRANGE", "z", "0", "-1"], ["ZRANGEBYSCORE", "z", "0", "1"],
          ["ZREVRANGEBYSCORE", "z", "1", "0"], ["ZRANGEBYLEX", "z", "-", "+"],
          ["ZREVRANGEBYLEX", "z", "+", "-"], ["ZRANGESTORE", "d", "z", "0", "-1"]],
     [(M, "z")] * 8),
    ([], [["ZUNION", "2", "a", "b"], ["ZINTER", "2", "a", "b"], ["ZDIFF", "2", "a", "b"],
          ["ZINTERCARD", "2", "a", "b"], ["ZUNIONSTORE", "d", "2", "a", "b"],
          ["ZINTERSTORE", "d", "2", "a", "b"], ["ZDIFFSTORE", "d", "2", "a", "b"]],
     [(M, "a"), (M, "b")] * 7),
    ([], [["ZPOPMIN", "z"], ["ZPOPMAX", "z", "2"], ["ZREM", "z", "m"], ["ZINCRBY", "z", "1", "m"],
          ["ZREMRANGEBYRANK", "y", "0", "1"], ["ZREMRANGEBYSCORE", "y", "0", "1"],
          ["ZREMRANGEBYLEX", "y", "-", "+"], ["ZMPOP", "1", "y", "MIN"]], []),
    ([], [["GEOPOS", "g", "m"], ["GEODIST", "g", "m", "n"], ["GEOHASH", "g", "m"],
          ["GEORADIUS", "g", "1", "1", "1", "km"], ["GEORADIUS_RO", "g", "1", "1", "1", "km"],
          ["GEORADIUSBYMEMBER", "g", "m", "1", "km", "STORE", "d"],
          ["GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
          ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "m", "BYBOX", "1", "1", "km"],
          ["GEOADD", "g", "1", "1", "m"]], [(M, "g")] * 8),
    ([], [["XRANGE", "x", "-", "+"], ["XREVRANGE", "x", "+", "-"], ["XLEN", "x"],
          ["XINFO", "STREAM", "x"], ["XINFO", "GROUPS", "x"], ["XINFO", "CONSUMERS", "x", "g"],
          ["XPENDING", "x", "g"], ["XACK", "x", "g", "1-1"]],
     [(M, "x")] * 8),
    ([], [["XREAD", "STREAMS", "x", "0"], ["XREAD", "COUNT", "1", "STREAMS", "x", "y", "0", "$"]],
     [(M, "x"), (M, "x"), (M, "x"), (M, "y"), (M, "x"), (M, "y")]),
    ([], [["XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"],
          ["XCLAIM", "x", "g", "c", "0", "1-1"], ["XAUTOCLAIM", "x", "g", "c", "0", "0"]],
     [(M, "x")] * 3),
    ([], [["XDEL", "x", "1-1"], ["XTRIM", "x", "MAXLEN", "0"], ["XSETID", "x", "1-1"],
          ["XGROUP", "CREATE", "x", "g", "$"], ["XGROUP", "DESTROY", "x", "g"]], []),
    ([["SET", "s", "v"]], [["HGET", "s", "f"], ["LLEN", "s"], ["SCARD", "s"], ["ZCARD", "s"],
                           ["XLEN", "s"], ["SINTER", "s", "a"], ["ZUNION", "1", "s"]], []),
    ([["SADD", "t", "m"]], [["MGET", "t", "a"], ["GET", "t"], ["STRLEN", "t"]], [(M, "a")]),
    ([["SET", "s", "v"]], [["SINTER", "a", "s"], ["ZUNION", "2", "a", "s"],
                           ["XREAD", "STREAMS", "a", "s", "0", "0"]], [(M, "a")] * 3),
]

class TestKeyspaceEvents(ServerTestCase):

    def events(self, setup, commands, classes="KEA"):
        self.r.config_set("notify-keyspace-events", "")
        for c in setup:
            self.r.execute_command(*c)
        sub = self.server.client().pubsub()
        sub.psubscribe("__keyevent@*__:*")
        self.assertEqual(sub.get_message(timeout=5)["type"], "psubscribe")
        self.r.config_set("notify-keyspace-events", classes)
        for c in commands:
            try:
                self.r.execute_command(*c)
            except Exception:
                pass  # an error reply is part of what a case checks: no events
        self.r.execute_command("SET", END, "1")
        got = []
        deadline = time.time() + 5
        while time.time() < deadline:
            m = sub.get_message(timeout=1)
            if m is None or m["type"] != "pmessage":
                continue
            event = m["channel"].decode().split(":", 1)[1]
            key = m["data"].decode()
            if key == END:
                if event == "set":
                    break
                continue
            got.append((event, key))
        sub.close()
        self.r.config_set("notify-keyspace-events", "")
        return got

    def check(self, table, classes="KEA"):
        for setup, commands, expected in table:
            self.r.flushall()
            with self.subTest(commands=commands):
                self.assertEqual(self.events(setup, commands, classes), expected)

    def test_strings(self):
        self.check(STRINGS)

    def test_a_set_past_its_deadline_counts_as_an_expired_key(self):
        self.r.config_resetstat()
        self.assertTrue(self.r.set("job", "x", pxat=1))
        self.assertEqual(self.r.exists("job"), 0)
        self.assertEqual(self.r.info("stats")["expired_keys"], 1)

    def test_keys(self):
        self.check(KEYS)

    def test_lists(self):
        self.check(LISTS)

    def test_hashes(self):
        self.check(HASHES)

    def test_sets(self):
        self.check(SETS)

    def test_zsets(self):
        self.check(ZSETS)

    def test_geo(self):
        self.check(GEO)

    def test_streams(self):
        self.check(STREAMS)

    def test_new_keys_and_misses(self):
        self.check(NEW_AND_MISS, "KEAnm")

    def test_every_read_of_a_missing_key_is_a_keymiss(self):
        self.check(READ_MISSES, "E$m")

    def test_multi_exec_reports_each_command_in_order(self):
        commands = [["MULTI"], ["SET", "a", "1"], ["RPUSH", "l", "x"], ["DEL", "a"], ["EXEC"]]
        self.assertEqual(self.events([], commands), [("set", "a"), ("rpush", "l"), ("del", "a")])

    def test_keyspace_channel_carries_the_event(self):
        sub = self.server.client().pubsub()
        sub.psubscribe("__keyspace@0__:*")
        self.assertEqual(sub.get_message(timeout=5)["type"], "psubscribe")
        self.r.config_set("notify-keyspace-events", "KA")
        self.r.set("k", "v")
        m = None
        while m is None or m["type"] != "pmessage":
            m = sub.get_message(timeout=5)
        self.assertEqual((m["channel"], m["data"]), (b"__keyspace@0__:k", b"set"))
        sub.close()
        self.r.config_set("notify-keyspace-events", "")

    def test_a_blocked_pop_served_later_fires_the_pop_events(self):
        sub = self.server.client().pubsub()
        sub.psubscribe("__keyevent@*__:*")
        self.assertEqual(sub.get_message(timeout=5)["type"], "psubscribe")
        self.r.config_set("notify-keyspace-events", "KEA")
        conn = self.raw_conn(timeout=10)
        conn.send_command("BLPOP", "q", "0")
        deadline = time.time() + 5
        while self.r.info("clients")["blocked_clients"] != 1 and time.time() < deadline:
            time.sleep(0.01)
        self.r.rpush("q", "a")
        self.assertEqual(conn.read_replies(1)[0].to_py(), [b"q", b"a"])
        got = []
        while len(got) < 3:
            m = sub.get_message(timeout=5)
            if m is None:
                break
            if m["type"] == "pmessage":
                got.append((m["channel"].decode().split(":", 1)[1], m["data"].decode()))
        self.assertEqual(got, [("rpush", "q"), ("lpop", "q"), ("del", "q")])
        sub.close()
        self.r.config_set("notify-keyspace-events", "")


if __name__ == "__main__":
    unittest.main()
