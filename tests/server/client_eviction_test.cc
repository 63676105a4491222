// tests/server/client_eviction_test.cc — client eviction (maxmemory-clients) in-process: which
// clients a growth past the limit chooses, with no sockets (test_client_eviction.py covers the
// wire).
#include "src/exec/client_eviction.h"

#include <doctest/doctest.h>

#include "tests/server/harness.h"

namespace cairn {
namespace {

// A registered client with no connection: eviction only marks it (no wake-up to call).
struct FakeClient {
  FakeClient(server::ServerState& state, int64_t bytes) : state(state) {
    state.clients.Add(&client);
    chosen_itself = server::UpdateClientMemory(state, client, bytes);
  }
  ~FakeClient() {
    (void)server::UpdateClientMemory(state, client, 0);
    state.clients.Remove(&client);
  }
  bool evicted() const { return client.kill_requested.load(); }

  server::ServerState& state;
  server::ClientState client;
  bool chosen_itself = false;
};

TEST_CASE("a growth past maxmemory-clients evicts the largest clients until the rest fit") {
  test::InProcess t;
  server::ServerState& s = t.state();
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 1000000") == "+OK");
  FakeClient a(s, 300000);
  FakeClient b(s, 500000);
  CHECK(s.client_memory.total_bytes.load() == 800000);
  FakeClient c(s, 400000);  // 1.2 MB: b alone brings it under 1 MB
  CHECK(b.evicted());
  CHECK_FALSE(a.evicted());
  CHECK_FALSE(c.evicted());
  CHECK_FALSE(c.chosen_itself);
  CHECK(s.client_memory.evicted.load() == 1);
  // Until b is gone, what it holds counts as freed: another growth within the limit
  // evicts nobody else.
  CHECK_FALSE(server::UpdateClientMemory(s, c.client, 600000));
  CHECK_FALSE(a.evicted());
  CHECK(s.client_memory.evicted.load() == 1);
}

TEST_CASE("the client that grows is evicted itself when it is the largest") {
  test::InProcess t;
  server::ServerState& s = t.state();
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 1000000") == "+OK");
  FakeClient small(s, 100000);
  FakeClient big(s, 2000000);
  CHECK(big.chosen_itself);
  CHECK(big.evicted());
  CHECK_FALSE(small.evicted());
}

TEST_CASE("no-evict clients count but are never chosen; replicas neither count nor go") {
  test::InProcess t;
  server::ServerState& s = t.state();
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 1000000") == "+OK");
  FakeClient kept(s, 0);
  kept.client.no_evict = true;
  FakeClient replica(s, 0);
  replica.client.replica = true;
  CHECK_FALSE(server::UpdateClientMemory(s, kept.client, 5000000));
  CHECK_FALSE(server::UpdateClientMemory(s, replica.client, 5000000));
  CHECK(s.client_memory.total_bytes.load() == 5000000);
  FakeClient other(s, 10);  // over the limit, and the only one that may go
  CHECK(other.evicted());
  CHECK_FALSE(kept.evicted());
  CHECK_FALSE(replica.evicted());
}

TEST_CASE("lowering maxmemory-clients evicts at once; 0 turns eviction off") {
  test::InProcess t;
  server::ServerState& s = t.state();
  FakeClient a(s, 3000000);
  FakeClient b(s, 2000000);
  CHECK_FALSE(a.evicted());  // no limit by default
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 4000000") == "+OK");
  CHECK(a.evicted());
  CHECK_FALSE(b.evicted());
}

TEST_CASE("reaching the limit exactly evicts, as in Redis") {
  test::InProcess t;
  server::ServerState& s = t.state();
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 1000000") == "+OK");
  FakeClient a(s, 400000);
  FakeClient b(s, 599999);
  CHECK_FALSE(b.evicted());
  CHECK(server::UpdateClientMemory(s, b.client, 600000));  // the largest, at 1 MB in all
  CHECK_FALSE(a.evicted());
}

TEST_CASE("a limit below 128 KB counts as 128 KB") {
  test::InProcess t;
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 1000") == "+OK");
  CHECK(server::ClientMemoryLimit(t.state()) == 128 * 1024);
  CHECK(t.Cmd("CONFIG GET maxmemory-clients") == "[maxmemory-clients, 1000]");
}

TEST_CASE("a percentage limit is a share of maxmemory, and off without maxmemory") {
  test::InProcess t;
  server::ServerState& s = t.state();
  CHECK(t.Cmd("CONFIG SET maxmemory-clients 7%") == "+OK");
  CHECK(server::ClientMemoryLimit(s) == 0);
  CHECK(t.Cmd("CONFIG SET maxmemory 6291456") == "+OK");
  CHECK(server::ClientMemoryLimit(s) == 6291456 * 7 / 100);
  CHECK(t.Cmd("CONFIG GET maxmemory-clients") == "[maxmemory-clients, 7%]");
}

}  // namespace
}  // namespace cairn
