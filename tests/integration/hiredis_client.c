/*
 * hiredis (0.14 API) client used by test_hiredis.py.
 *
 *   cc tests/integration/hiredis_client.c -lhiredis -o hiredis_client
 *   ./hiredis_client PORT [CHECK...]
 *
 * Runs the named checks (all of them when none is given) against
 * 127.0.0.1:PORT. Prints "ok <check>" for each check that passed and
 * exits 0; on the first mismatch prints "FAIL <check>: <reason>" to stderr
 * and exits 1. Exit code 2 means bad usage or no connection.
 */
#include <hiredis/hiredis.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static redisContext *ctx;
static const char *current_check = "";

static void fail(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "FAIL %s: ", current_check);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

static const char *type_name(int type) {
    switch (type) {
    case REDIS_REPLY_STRING: return "string";
    case REDIS_REPLY_ARRAY: return "array";
    case REDIS_REPLY_INTEGER: return "integer";
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_STATUS: return "status";
    case REDIS_REPLY_ERROR: return "error";
    default: return "other";
    }
}

static redisReply *check_reply(void *r) {
    if (r == NULL) fail("no reply (connection error %d: %s)", ctx->err, ctx->errstr);
    return (redisReply *)r;
}

static void expect_type(redisReply *r, int type, const char *what) {
    if (r->type != type)
        fail("%s: expected %s reply, got %s%s%.*s", what, type_name(type), type_name(r->type),
             (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS) ? " " : "",
             (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS) ? (int)r->len : 0,
             r->str ? r->str : "");
}

static void expect_status(redisReply *r, const char *status, const char *what) {
    expect_type(r, REDIS_REPLY_STATUS, what);
    if (strcmp(r->str, status) != 0) fail("%s: expected status %s, got %s", what, status, r->str);
}

static void expect_error(redisReply *r, const char *msg, const char *what) {
    expect_type(r, REDIS_REPLY_ERROR, what);
    if (strcmp(r->str, msg) != 0) fail("%s: expected error '%s', got '%s'", what, msg, r->str);
}

static void expect_integer(redisReply *r, long long v, const char *what) {
    expect_type(r, REDIS_REPLY_INTEGER, what);
    if (r->integer != v) fail("%s: expected %lld, got %lld", what, v, r->integer);
}

static void expect_string(redisReply *r, const char *data, size_t len, const char *what) {
    expect_type(r, REDIS_REPLY_STRING, what);
    if ((size_t)r->len != len) fail("%s: expected length %zu, got %zu", what, len, (size_t)r->len);
    if (memcmp(r->str, data, len) != 0) fail("%s: bytes differ", what);
}

static void cmd_status(const char *status, const char *what, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = check_reply(redisvCommand(ctx, fmt, ap));
    va_end(ap);
    expect_status(r, status, what);
    freeReplyObject(r);
}

/* ---- checks ------------------------------------------------------------ */

static void check_ping(void) {
    redisReply *r = check_reply(redisCommand(ctx, "PING"));
    expect_status(r, "PONG", "PING");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "PING %s", "hello"));
    expect_string(r, "hello", 5, "PING hello");
    freeReplyObject(r);
}

static void check_binary_value(void) {
    static const char key[] = "bin\0key\r\n";
    static const char val[] = "a\0b\r\n$5\r\n*1\r\n\0\xff\x01";
    size_t klen = sizeof(key) - 1, vlen = sizeof(val) - 1;
    cmd_status("OK", "SET binary", "SET %b %b", key, klen, val, vlen);
    redisReply *r = check_reply(redisCommand(ctx, "GET %b", key, klen));
    expect_string(r, val, vlen, "GET binary");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "STRLEN %b", key, klen));
    expect_integer(r, (long long)vlen, "STRLEN binary");
    freeReplyObject(r);
    /* a key that is a prefix up to the NUL must not exist */
    r = check_reply(redisCommand(ctx, "EXISTS %b", key, (size_t)3));
    expect_integer(r, 0, "EXISTS prefix");
    freeReplyObject(r);
}

static void check_large_value(void) {
    size_t len = 4 * 1024 * 1024;
    char *val = malloc(len);
    if (!val) fail("out of memory");
    for (size_t i = 0; i < len; i++) val[i] = (char)((i * 131u + 7u) & 0xff);
    cmd_status("OK", "SET 4MB", "SET %s %b", "large", val, len);
    redisReply *r = check_reply(redisCommand(ctx, "GET %s", "large"));
    expect_string(r, val, len, "GET 4MB");
    freeReplyObject(r);
    free(val);
}

static void check_nil_and_array(void) {
    redisReply *r = check_reply(redisCommand(ctx, "DEL a b missing"));
    expect_type(r, REDIS_REPLY_INTEGER, "DEL");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "GET missing"));
    expect_type(r, REDIS_REPLY_NIL, "GET missing");
    freeReplyObject(r);
    cmd_status("OK", "MSET", "MSET a 1 b %s", "two");
    r = check_reply(redisCommand(ctx, "MGET a missing b"));
    expect_type(r, REDIS_REPLY_ARRAY, "MGET");
    if (r->elements != 3) fail("MGET: expected 3 elements, got %zu", (size_t)r->elements);
    expect_string(r->element[0], "1", 1, "MGET[0]");
    expect_type(r->element[1], REDIS_REPLY_NIL, "MGET[1]");
    expect_string(r->element[2], "two", 3, "MGET[2]");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "KEYS nomatch*"));
    expect_type(r, REDIS_REPLY_ARRAY, "KEYS empty");
    if (r->elements != 0) fail("KEYS empty: expected 0 elements, got %zu", (size_t)r->elements);
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "EXISTS a b missing"));
    expect_integer(r, 2, "EXISTS");
    freeReplyObject(r);
}

static void check_pipelined_incr(void) {
    const int n = 1000;
    redisReply *r = check_reply(redisCommand(ctx, "DEL counter"));
    freeReplyObject(r);
    for (int i = 0; i < n; i++) {
        if (redisAppendCommand(ctx, "INCR counter") != REDIS_OK) fail("redisAppendCommand failed");
    }
    for (int i = 1; i <= n; i++) {
        void *reply = NULL;
        if (redisGetReply(ctx, &reply) != REDIS_OK) fail("redisGetReply failed at %d: %s", i, ctx->errstr);
        r = check_reply(reply);
        char what[32];
        snprintf(what, sizeof what, "INCR #%d", i);
        expect_integer(r, i, what);
        freeReplyObject(r);
    }
    r = check_reply(redisCommand(ctx, "GET counter"));
    expect_string(r, "1000", 4, "GET counter");
    freeReplyObject(r);
}

static void check_pipelined_mixed(void) {
    redisAppendCommand(ctx, "SET %s %s", "p1", "v1");
    redisAppendCommand(ctx, "GET %s", "p1");
    redisAppendCommand(ctx, "GET %s", "p-missing");
    redisAppendCommand(ctx, "NOSUCHCMD");
    redisAppendCommand(ctx, "INCR %s", "p1");
    redisAppendCommand(ctx, "PING");
    void *reply;
    redisReply *r;
    redisGetReply(ctx, &reply); r = check_reply(reply); expect_status(r, "OK", "pipe SET"); freeReplyObject(r);
    redisGetReply(ctx, &reply); r = check_reply(reply); expect_string(r, "v1", 2, "pipe GET"); freeReplyObject(r);
    redisGetReply(ctx, &reply); r = check_reply(reply); expect_type(r, REDIS_REPLY_NIL, "pipe GET missing"); freeReplyObject(r);
    redisGetReply(ctx, &reply); r = check_reply(reply);
    expect_error(r, "ERR unknown command 'NOSUCHCMD', with args beginning with: ", "pipe unknown");
    freeReplyObject(r);
    redisGetReply(ctx, &reply); r = check_reply(reply);
    expect_error(r, "ERR value is not an integer or out of range", "pipe INCR");
    freeReplyObject(r);
    redisGetReply(ctx, &reply); r = check_reply(reply); expect_status(r, "PONG", "pipe PING"); freeReplyObject(r);
}

static void check_errors(void) {
    redisReply *r = check_reply(redisCommand(ctx, "GET"));
    expect_error(r, "ERR wrong number of arguments for 'get' command", "GET arity");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "SET k v NX XX"));
    expect_error(r, "ERR syntax error", "SET NX XX");
    freeReplyObject(r);
    cmd_status("OK", "SET max", "SET big 9223372036854775807");
    r = check_reply(redisCommand(ctx, "INCR big"));
    expect_error(r, "ERR increment or decrement would overflow", "INCR overflow");
    freeReplyObject(r);
    /* the connection is still usable after errors */
    r = check_reply(redisCommand(ctx, "PING"));
    expect_status(r, "PONG", "PING after errors");
    freeReplyObject(r);
}

static void check_argv(void) {
    const char *argv[] = {"SET", "argv key", "argv\0value"};
    size_t lens[] = {3, 8, 10};
    redisReply *r = check_reply(redisCommandArgv(ctx, 3, argv, lens));
    expect_status(r, "OK", "SET argv");
    freeReplyObject(r);
    const char *gargv[] = {"GET", "argv key"};
    size_t glens[] = {3, 8};
    r = check_reply(redisCommandArgv(ctx, 2, gargv, glens));
    expect_string(r, "argv\0value", 10, "GET argv");
    freeReplyObject(r);
}

static void check_expire_and_ttl(void) {
    cmd_status("OK", "SET EX", "SET %s %s EX %d", "ttlkey", "v", 100);
    redisReply *r = check_reply(redisCommand(ctx, "TTL ttlkey"));
    expect_type(r, REDIS_REPLY_INTEGER, "TTL");
    if (r->integer < 99 || r->integer > 100) fail("TTL: expected 99..100, got %lld", r->integer);
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "TTL missing-ttl"));
    expect_integer(r, -2, "TTL missing");
    freeReplyObject(r);
    r = check_reply(redisCommand(ctx, "INCRBYFLOAT %s %s", "fl", "10.5"));
    expect_string(r, "10.5", 4, "INCRBYFLOAT");
    freeReplyObject(r);
}

struct check {
    const char *name;
    void (*fn)(void);
};

static const struct check checks[] = {
    {"ping", check_ping},
    {"binary_value", check_binary_value},
    {"large_value", check_large_value},
    {"nil_and_array", check_nil_and_array},
    {"pipelined_incr", check_pipelined_incr},
    {"pipelined_mixed", check_pipelined_mixed},
    {"errors", check_errors},
    {"argv", check_argv},
    {"expire_and_ttl", check_expire_and_ttl},
};

int main(int argc, char **argv) {
    size_t nchecks = sizeof(checks) / sizeof(checks[0]);
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [CHECK...]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    struct timeval tv = {30, 0};
    ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx == NULL || ctx->err) {
        fprintf(stderr, "cannot connect to 127.0.0.1:%d: %s\n", port, ctx ? ctx->errstr : "alloc");
        return 2;
    }
    redisSetTimeout(ctx, tv);
    if (argc == 2) {
        for (size_t i = 0; i < nchecks; i++) {
            current_check = checks[i].name;
            checks[i].fn();
            printf("ok %s\n", checks[i].name);
        }
    } else {
        for (int a = 2; a < argc; a++) {
            size_t i;
            for (i = 0; i < nchecks; i++)
                if (strcmp(argv[a], checks[i].name) == 0) break;
            if (i == nchecks) {
                fprintf(stderr, "unknown check %s\n", argv[a]);
                return 2;
            }
            current_check = checks[i].name;
            checks[i].fn();
            printf("ok %s\n", checks[i].name);
        }
    }
    redisFree(ctx);
    return 0;
}
