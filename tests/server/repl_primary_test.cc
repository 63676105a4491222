// tests/server/repl_primary_test.cc — a full sync's place in the stream
// (src/exec/repl_primary.h): the offset a replica starts from is the one its file's cut
// stands for, and a sync that began after a write the file does not hold is refused rather
// than left without that write.
#include <doctest/doctest.h>

#include <string>

#include "src/exec/client.h"
#include "src/exec/repl_primary.h"
#include "store/store.h"
#include "tests/store/store_testing.h"

using cairn::Code;
using cairn::server::ClientState;
using cairn::server::ReplicaPhase;
using cairn::server::ReplPrimary;

TEST_CASE("a full sync that began after a write its file's cut does not hold is refused") {
  cairn::store::Store store;
  ReplPrimary primary(store, std::string(40, 'a'));
  ClientState early, late;
  early.id = 1;
  late.id = 2;
  uint64_t early_history = 0, late_history = 0;
  uint64_t early_begin = primary.BeginFullSync(early, &early_history);
  cairn::store::testing::Set(store, "a", "1");
  uint64_t cut = store.journal()->last_lsn();  // the file holds "a"
  uint64_t after_a = primary.offset();
  cairn::store::testing::Set(store, "b", "2");  // after the cut: the stream brings it
  uint64_t late_begin = primary.BeginFullSync(late, &late_history);
  CHECK(primary.Replicas().size() == 2);  // both listed from their SYNC on, as in Redis
  CHECK(primary.Replicas()[0].state == ReplicaPhase::kWaitBgsave);

  auto early_at = primary.FinishFullSync(early, early_begin, early_history, cut, true);
  REQUIRE(early_at.ok());
  CHECK(*early_at == after_a);  // its stream starts with "b"
  // The late one's stream would start after "b", which its file (cut before "b") lacks.
  auto late_at = primary.FinishFullSync(late, late_begin, late_history, cut, true);
  REQUIRE_FALSE(late_at.ok());
  CHECK(late_at.status().code() == Code::kBusy);
  CHECK(primary.Replicas().size() == 1);
  primary.Detach(early);
}
