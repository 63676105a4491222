"""bench_memory: the memory table of scripts/bench.

How many bytes redis and cairn spend per element of a big collection, and per key of many small
hashes. Both servers get the same data, in the same commands, over one connection each:

  list          RPUSH list element:<i>                    i < N (1,000,000; --quick 100,000)
  compressed list RPUSH clist event:<i>:action:click:page:/home/index.html
                                                          i < N, with list-compress-depth 1 on
                                                          both servers for this list only
  hash          HSET hash field:<i> value:<i>             i < N
  set           SADD set element:<i>                      i < N
  sorted set    ZADD zset <i> member:<i>                  i < N (score i)
  integer set   SADD intset <i>                           i < N
  small hashes  HSET hash:<k> field:<j> value:<j> ...     k < K (100,000; --quick 10,000),
                                                          j < 10: 10 fields per key, few enough
                                                          for redis's compact (listpack) form
  small int sets SADD ids:<k> <id_j> ...                  k < K, 5 integers (ids of 5 digits)
  small zsets   ZADD rank:<k> <j> member:<j> ...          k < K, j < 5 (whole-number scores)
  geo set       GEOADD geo <lon_i> <lat_i> member:<i>    i < N (points spread over the globe)
  dense HLLs    PFADD dense:<k> element:<i> ...           k < K/20, i < 5,000 (dense HLLs)
  small HLLs    PFADD hll:<k> element:<j> ...             k < K, j < 10 (sparse HLLs)
  strings       SET key:<i> value:<i>                     i < N keys
  strings + TTL SET ttl:<i> value:<i> EX 1000000         i < N keys, each with an expiry

A big collection is sent as commands of ELEMENTS_PER_COMMAND elements, BATCH_COMMANDS commands
per round trip; each small hash is one HSET of its 10 fields. For each data set and server,
used_memory (INFO memory) is read before and after the load; the load connection is closed
(and gone from INFO clients) before the second reading, so its query buffer is not counted.
The data sets stay loaded one after another in the same server; each one's figure is its own
difference. Loading is deterministic, so there is one pass, not rounds.
"""

import socket
import time

from bench_harness import (HarnessError, format_markdown_table, format_text_table, log,
                           resp_command, start_all, stop_all)

ELEMENTS = 1000000
QUICK_ELEMENTS = 100000
SMALL_HASH_KEYS = 100000
QUICK_SMALL_HASH_KEYS = 10000
SMALL_HASH_FIELDS = 10
SMALL_HLL_ELEMENTS = 10
SMALL_SET_MEMBERS = 5  # small integer sets and small sorted sets
STRING_TTL_S = 1000000
DENSE_HLL_BYTES = 16 + 16384 * 6 // 8   # header + 16384 six-bit registers
DENSE_HLL_ELEMENTS = 5000               # far past the sparse limit (hll-sparse-max-bytes)
ELEMENTS_PER_COMMAND = 1000
BATCH_COMMANDS = 100                # commands sent before their replies are read
LOAD_TIMEOUT_S = 300
SETTLE_TIMEOUT_S = 5                # for used_memory to settle after a load (see used_memory)
SETTLE_POLL_S = 0.2                 # twice redis's timer period at its default hz 10

HEADERS = ["data set", "size", "bytes per", "redis", "cairn", "ratio", "redis encoding",
           "cairn encoding"]


def big_collection(name, command, key, patterns, count):
    """A data set of one key holding `count` elements; element i is added by the arguments
    `patterns` with %d replaced by i (b"element:%d" -> b"element:7")."""
    def commands():
        for start in range(0, count, ELEMENTS_PER_COMMAND):
            args = [command.encode(), key.encode()]
            for i in range(start, min(start + ELEMENTS_PER_COMMAND, count)):
                args += [p % i for p in patterns]
            yield resp_command(args)

    length = {"RPUSH": "LLEN", "HSET": "HLEN", "SADD": "SCARD", "ZADD": "ZCARD",
              "PFADD": "PFCOUNT"}[command]
    what = " ".join([command, key] + [p.decode().replace("%d", "<i>") for p in patterns])
    return {"name": name, "what": what, "count": count, "unit": "element", "commands": commands,
            "check": (length, key), "expect": count, "sample_key": key}


def compressed_list(count):
    """A list of log lines, its inner nodes compressed (list-compress-depth 1 while it is
    loaded; a list keeps the depth it was created with)."""
    data = big_collection("compressed list", "RPUSH", "clist",
                          [b"event:%d:action:click:page:/home/index.html"], count)
    data["what"] += " (list-compress-depth 1)"
    data["config"] = ("list-compress-depth", "1", "0")  # name, while loading, afterwards
    return data


def small_hashes(count):
    fields = []
    for j in range(SMALL_HASH_FIELDS):
        fields += [b"field:%d" % j, b"value:%d" % j]

    def commands():
        for k in range(count):
            yield resp_command([b"HSET", b"hash:%d" % k] + fields)

    return {"name": "small hashes", "what": f"HSET hash:<k> with {SMALL_HASH_FIELDS} fields "
            "field:<j> value:<j>", "count": count, "unit": "key", "commands": commands,
            "check": ("HLEN", "hash:0"), "expect": SMALL_HASH_FIELDS, "sample_key": "hash:0"}


def geo_point(i):
    """Point i of the geo set: deterministic, spread over every longitude and the latitudes
    Redis accepts, so the geohash scores are all different."""
    lon = -179.0 + (i * 7919 % 358000) / 1000.0
    lat = -84.0 + (i * 104729 % 168000) / 1000.0
    return b"%.3f" % lon, b"%.3f" % lat


def geo_set(count):
    def commands():
        for start in range(0, count, ELEMENTS_PER_COMMAND):
            args = [b"GEOADD", b"geo"]
            for i in range(start, min(start + ELEMENTS_PER_COMMAND, count)):
                args += [*geo_point(i), b"member:%d" % i]
            yield resp_command(args)

    return {"name": "geo set", "what": "GEOADD geo <lon> <lat> member:<i>", "count": count,
            "unit": "element", "commands": commands, "check": ("ZCARD", "geo"),
            "expect": count, "sample_key": "geo"}


def many_keys(name, what, count, prefix, make_command, check, expect):
    """A data set of `count` keys, one command each (make_command(i) -> arguments)."""
    def commands():
        for i in range(count):
            yield resp_command(make_command(i))

    return {"name": name, "what": what, "count": count, "unit": "key", "commands": commands,
            "check": check, "expect": expect, "sample_key": prefix + "0"}


def dense_hlls(count):
    """`count` HLLs of DENSE_HLL_ELEMENTS elements each: dense, 12,304 bytes in Redis's format
    whatever their count (so their size is checked). Many keys, because one HLL is too small
    for used_memory to measure: with 1,000 of them a server's fixed costs (about 100 KB here)
    still showed as 100 bytes per key, almost the whole difference between the servers."""
    def commands():
        for k in range(count):
            for start in range(0, DENSE_HLL_ELEMENTS, ELEMENTS_PER_COMMAND):
                yield resp_command([b"PFADD", b"dense:%d" % k] +
                                   [b"element:%d" % i for i in
                                    range(start, start + ELEMENTS_PER_COMMAND)])

    return {"name": "dense HLLs", "what": f"PFADD dense:<k> with {DENSE_HLL_ELEMENTS:,} "
            "elements", "count": count, "unit": "key", "commands": commands,
            "check": ("STRLEN", "dense:0"), "expect": DENSE_HLL_BYTES, "sample_key": "dense:0"}


def small_hlls(count):
    elements = [b"element:%d" % j for j in range(SMALL_HLL_ELEMENTS)]
    return many_keys("small HLLs", f"PFADD hll:<k> with {SMALL_HLL_ELEMENTS} elements", count,
                     "hll:", lambda k: [b"PFADD", b"hll:%d" % k] + elements,
                     ("PFCOUNT", "hll:0"), SMALL_HLL_ELEMENTS)


def small_int_sets(count):
    ids = [b"%d" % (10007 + 7919 * j) for j in range(SMALL_SET_MEMBERS)]
    return many_keys("small integer sets", f"SADD ids:<k> with {SMALL_SET_MEMBERS} integers",
                     count, "ids:", lambda k: [b"SADD", b"ids:%d" % k] + ids,
                     ("SCARD", "ids:0"), SMALL_SET_MEMBERS)


def small_zsets(count):
    pairs = []
    for j in range(SMALL_SET_MEMBERS):
        pairs += [b"%d" % j, b"member:%d" % j]
    return many_keys("small sorted sets", f"ZADD rank:<k> with {SMALL_SET_MEMBERS} members",
                     count, "rank:", lambda k: [b"ZADD", b"rank:%d" % k] + pairs,
                     ("ZCARD", "rank:0"), SMALL_SET_MEMBERS)


def strings(count, ttl):
    if ttl:
        return many_keys("strings + TTL", f"SET ttl:<i> value:<i> EX {STRING_TTL_S}", count,
                         "ttl:", lambda i: [b"SET", b"ttl:%d" % i, b"value:%d" % i, b"EX",
                                            b"%d" % STRING_TTL_S],
                         ("EXISTS", "ttl:%d" % (count - 1)), 1)
    return many_keys("strings", "SET key:<i> value:<i>", count, "key:",
                     lambda i: [b"SET", b"key:%d" % i, b"value:%d" % i],
                     ("GET", "key:%d" % (count - 1)), "value:%d" % (count - 1))


def data_sets(elements, keys):
    return [
        big_collection("list", "RPUSH", "list", [b"element:%d"], elements),
        compressed_list(elements),
        big_collection("hash", "HSET", "hash", [b"field:%d", b"value:%d"], elements),
        big_collection("set", "SADD", "set", [b"element:%d"], elements),
        big_collection("sorted set", "ZADD", "zset", [b"%d", b"member:%d"], elements),
        big_collection("integer set", "SADD", "intset", [b"%d"], elements),
        small_hashes(keys),
        small_int_sets(keys),
        small_zsets(keys),
        geo_set(elements),
        dense_hlls(keys // 20),
        small_hlls(keys),
        strings(elements, ttl=False),
        strings(elements, ttl=True),
    ]


# ---------------------------------------------------------------------------------------------
# Loading and measuring
# ---------------------------------------------------------------------------------------------

def read_integer_replies(sock, count, buf):
    """Read `count` integer (:n) or status (+OK) replies; raise HarnessError on any other.
    Returns leftover."""
    seen = 0
    while seen < count:
        while b"\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise HarnessError("connection closed during the load")
            buf += chunk
        line, buf = buf.split(b"\r\n", 1)
        if not line.startswith((b":", b"+")):
            raise HarnessError(f"unexpected reply during the load: {line[:200]!r}")
        seen += 1
    return buf


def send_batches(server, batches):
    """Send each batch (a list of encoded commands) and read its replies, on one connection."""
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=LOAD_TIMEOUT_S) as s:
            leftover = b""
            for batch in batches:
                s.sendall(b"".join(batch))
                leftover = read_integer_replies(s, len(batch), leftover)
    except (OSError, HarnessError) as e:
        raise server.error(f"failed while loading: {e}")


def batched(commands):
    batch = []
    for command in commands:
        batch.append(command)
        if len(batch) == BATCH_COMMANDS:
            yield batch
            batch = []
    if batch:
        yield batch


def used_memory(server):
    """used_memory once only the INFO connection itself is connected (a closed connection
    may take a moment to be noticed, and its buffers count until then) and two readings
    SETTLE_POLL_S apart agree: redis grows its key table by an incremental rehash, finished
    by its timer, and holds both tables until then."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while (int(server.info("clients").get("connected_clients", "1")) > 1
           and time.monotonic() < deadline):
        time.sleep(0.05)
    last = int(server.info("memory")["used_memory"])
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_S)
        now = int(server.info("memory")["used_memory"])
        if now == last:
            break
        last = now
    return last


def encoding(server, key):
    try:
        return server.call("OBJECT", "ENCODING", key) or "?"
    except HarnessError:
        return "?"


def measure_one(server, data, batches):
    config = data.get("config")
    if config:
        server.call("CONFIG", "SET", config[0], config[1])
    try:
        before = used_memory(server)
        started = time.monotonic()
        send_batches(server, batches)
        seconds = time.monotonic() - started
        after = used_memory(server)
    finally:
        if config:
            server.call("CONFIG", "SET", config[0], config[2])
    got = server.call(*data["check"], timeout=60)
    if got != data["expect"]:
        raise server.error(f"{' '.join(data['check'])} is {got} after loading the "
                           f"{data['name']}, expected {data['expect']}")
    result = {"bytes": after - before, "per": (after - before) / data["count"],
              "encoding": encoding(server, data["sample_key"])}
    log(f"bench: memory {data['name']:<15} {server.name:<5} {data['count']:>9,} "
        f"{data['unit']}s in {seconds:5.1f} s: {result['bytes']:>12,} bytes, "
        f"{result['per']:7.1f} per {data['unit']} ({result['encoding']})")
    return result


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), load every data set into each,
    stop them. Returns {"rows": [...], "allocators": {server name: mem_allocator}}."""
    rows, allocators = [], {}
    try:
        start_all(servers)
        for server in servers:
            allocators[server.name] = server.info("memory").get("mem_allocator", "?")
        for data in data_sets(args.memory_elements, args.memory_keys):
            log(f"bench: encoding {data['count']:,} {data['unit']}s of the {data['name']}")
            batches = list(batched(data["commands"]()))
            row = dict(data, commands=None)
            for server in servers:
                row[server.name] = measure_one(server, data, batches)
            rows.append(row)
    finally:
        stop_all(servers)
    return {"rows": rows, "allocators": allocators}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def ratio(row):
    return row["cairn"]["per"] / row["redis"]["per"] if row["redis"]["per"] else 0.0


def cells(row):
    redis, cairn = row["redis"], row["cairn"]
    return [f"{row['name']}: {row['what']}", f"{row['count']:,} {row['unit']}s", row["unit"],
            f"{redis['per']:,.1f}", f"{cairn['per']:,.1f}", f"{ratio(row):.2f}", redis["encoding"],
            cairn["encoding"]]


def head_lines(mem):
    alloc = mem["allocators"]
    lines = [
        "memory: bytes = the growth of INFO memory used_memory while loading the data set "
        "(after the load connection closed), divided by its elements (or keys); ratio = cairn "
        "/ redis (below 1.00: cairn uses less); both servers persistence off; allocators: "
        f"redis {alloc.get('redis', '?')}, cairn {alloc.get('cairn', '?')}",
        f"load: {ELEMENTS_PER_COMMAND} elements per command, {BATCH_COMMANDS} commands per "
        "round trip, the same commands to both servers; encoding = OBJECT ENCODING afterwards",
    ]
    if not alloc.get("cairn", "").startswith("jemalloc"):
        lines.append("warning: cairn is not built with jemalloc, so its used_memory is its "
                     "RSS and the cairn column is not comparable")
    return lines


def print_report(mem, args, machine=None):
    head = ([machine] if machine else []) + head_lines(mem)
    rows = [cells(r) for r in mem["rows"]]
    leaner = sum(1 for r in mem["rows"] if round(ratio(r), 2) <= 1.0)   # as printed
    if args.markdown:
        print("### Memory\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {1, 3, 4, 5}))
    else:
        print("memory\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {1, 3, 4, 5}))
    print(f"\nIn {leaner} of {len(rows)} rows cairn uses no more memory than redis.", flush=True)
