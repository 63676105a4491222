// tests/server/sort_command_test.cc — SORT in-process: which locks it runs under. A SORT ...
// STORE is one WAL record; inside a transaction that holds every shard (EXEC) it runs as it
// is; inside one that holds only some shards it joins the shards it needs (its destination,
// or every shard for BY/GET patterns, which may name any key).
#include <doctest/doctest.h>

#include <string>

#include "tests/server/harness.h"

using cairn::test::CountingJournal;
using cairn::test::InProcess;

TEST_CASE("a SORT that stores, reading weights and values of other keys, is one WAL record") {
  InProcess t;
  CHECK(t.Cmd("RPUSH l a b c") == ":3");
  CHECK(t.Cmd("MSET w_a 3 w_b 1 w_c 2 v_a A") == "+OK");
  CountingJournal journal;
  t.store().set_journal(&journal);
  CHECK(t.Cmd("SORT l BY w_* GET v_* GET # STORE dst") == ":6");
  CHECK(journal.last_lsn() == 1);
  CHECK(t.Cmd("SORT none STORE dst") == ":0");  // deletes dst
  CHECK(journal.last_lsn() == 2);
  CHECK(t.Cmd("SORT l BY w_*") == "[b, c, a]");  // reads only: nothing logged
  CHECK(journal.last_lsn() == 2);
  t.store().set_journal(nullptr);
}

TEST_CASE("SORT inside EXEC reads the keys its patterns name") {
  InProcess t;
  CHECK(t.Cmd("RPUSH l a b") == ":2");
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("MSET w_a 2 w_b 1") == "+QUEUED");
  CHECK(t.Cmd("SORT l BY w_* GET w_* STORE dst") == "+QUEUED");
  CHECK(t.Cmd("SORT_RO l BY w_* DESC") == "+QUEUED");
  CHECK(t.Cmd("EXEC") == "[+OK, :2, [a, b]]");
  CHECK(t.Cmd("LRANGE dst 0 -1") == "[1, 2]");
}

TEST_CASE("inside a transaction holding some shards, SORT joins the shards it reads") {
  InProcess t;
  CHECK(t.Cmd("RPUSH l 2 1") == ":2");
  CHECK(t.Cmd("MSET w_1 9 w_2 5 v_1 one") == "+OK");
  cairn::store::KeyRef keys[] = {{0, "l"}};
  t.store().Atomically(keys, false, [&] {
    CHECK(t.Cmd("SORT l STORE dst") == ":2");
    CHECK(t.Cmd("SORT l BY w_* GET v_* GET #") == "[(nil), 2, one, 1]");
  });
  CHECK(t.Cmd("LRANGE dst 0 -1") == "[1, 2]");
}
