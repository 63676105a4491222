// tests/store/stream_test.cc — the stream value: packed nodes across the node limits, ranges
// both ways, deletion and trimming, consumer groups and their PEL, Clone independence, the
// snapshot round trip, and replay of the logged ops into a fresh store.
#include "store/types/stream/stream.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/effects.h"
#include "store/journal.h"
#include "store/object_families.h"
#include "store/store.h"
#include "store/types/stream/stream_ops.h"

namespace cairn::store {
namespace {

std::vector<std::string> Ids(const Stream& s, bool reverse = false) {
  std::vector<std::string> out;
  s.Range({}, StreamId::Max(), reverse, [&](StreamId id, std::span<const std::string_view>) {
    out.push_back(FormatStreamId(id));
    return true;
  });
  return out;
}

void AddN(Stream& s, uint64_t n, uint64_t ms0 = 1) {
  for (uint64_t i = 0; i < n; ++i) {
    std::string v = std::to_string(i);
    std::vector<std::string_view> fv = {"f", v};
    if (i % 7 == 3) fv = {"other", v, "x", "y"};
    s.Add({ms0 + i / 3, i % 3}, fv);
  }
}

TEST_CASE("stream entries span many packed nodes and read back in both directions") {
  Stream s;
  AddN(s, 1000);
  CHECK(s.size() == 1000);
  std::vector<std::string> fwd = Ids(s), rev = Ids(s, true);
  REQUIRE(fwd.size() == 1000);
  CHECK(fwd.front() == "1-0");
  CHECK(fwd.back() == FormatStreamId({1 + 999 / 3, 999 % 3}));
  std::reverse(rev.begin(), rev.end());
  CHECK(fwd == rev);
  std::vector<std::string> fields;
  s.Range({2, 0}, {2, 0}, false, [&](StreamId, std::span<const std::string_view> fv) {
    fields.assign(fv.begin(), fv.end());
    return true;
  });
  CHECK(fields == std::vector<std::string>{"other", "3", "x", "y"});
}

TEST_CASE("deleting and trimming keep the counters Redis reports") {
  Stream s;
  AddN(s, 300);
  CHECK(s.Delete({1, 0}));
  CHECK_FALSE(s.Delete({1, 0}));
  CHECK(s.Delete({50, 1}));
  CHECK(s.size() == 298);
  CHECK(s.max_deleted_id() == StreamId{50, 1});
  CHECK(s.first_id() == StreamId{1, 1});
  Stream::TrimSpec exact{.maxlen = 10};
  CHECK(s.CountTrim(exact) == 288);
  Stream::TrimSpec approx{.maxlen = 10, .approx = true};
  uint64_t n = s.CountTrim(approx);
  CHECK(n < 288);
  s.TrimOldest(288);
  CHECK(s.size() == 10);
  CHECK(s.entries_added() == 300);
  Stream::TrimSpec minid{.minid = true, .min_id = {100, 0}};
  CHECK(s.CountTrim(minid) == 7);  // the entries of ms 97..99
}

TEST_CASE("a clone is independent and the snapshot encoding round-trips groups and PEL") {
  Stream s;
  AddN(s, 150);
  StreamGroup* g = s.CreateGroup("g", {10, 0}, 28);
  bool created = false;
  uint64_t cid = g->GetOrCreateConsumer("alice", 1000, &created)->cid;
  g->SetPending({{5, 1}, cid, 900, 2});
  g->SetPending({{2, 0}, cid, 800, 1});
  ObjRef copy = s.Clone();
  s.Delete({2, 0});
  CHECK(copy->size() == 150);
  std::string bytes;
  copy->Encode(&bytes);
  ObjRef back = DecodeStreamObject(bytes);
  REQUIRE(back);
  std::string again;
  back->Encode(&again);
  CHECK(again == bytes);
  const auto* b = static_cast<const Stream*>(back.get());
  REQUIRE(b->FindGroup("g") != nullptr);
  CHECK(b->FindGroup("g")->pel.size() == 2);
  CHECK(b->FindGroup("g")->FindConsumer("alice")->pending == 2);
  CHECK_FALSE(DecodeStreamObject(bytes.substr(0, bytes.size() - 1)));
}

// Records each command's effects payload, as the WAL would.
struct Recorder : Journal {
  std::vector<std::string> payloads;
  uint64_t Append(std::string_view p) override {
    payloads.emplace_back(p);
    return payloads.size();
  }
  uint64_t last_lsn() const override { return payloads.size(); }
};

std::string Dump(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) {
    std::string out;
    if (Entry* e = h.Find()) e->value.obj->Encode(&out);
    return out;
  });
}

TEST_CASE("replaying the logged stream ops rebuilds the same stream, groups and PEL") {
  Store live;
  Recorder journal;
  live.set_journal(&journal);
  std::vector<StreamId> ids;
  live.Access(0, "s", [&](KeyHandle& h) {
    Entry* e = nullptr;
    for (uint64_t i = 1; i <= 250; ++i) {
      std::string v = std::to_string(i);
      std::vector<std::string_view> fv = {"k", v};
      e = StreamAdd(h, e, {i, 0}, fv);
    }
  });
  live.Access(0, "s", [&](KeyHandle& h) {
    Entry* e = h.Find();
    std::vector<StreamId> del = {{3, 0}, {7, 0}};
    CHECK(StreamDelete(h, e, del) == 2);
    StreamTrim(h, e, 5);
    CHECK(StreamGroupCreate(h, e, "g", {}, kInvalidEntriesRead));
    std::vector<StreamId> got = {{8, 0}, {9, 0}, {10, 0}};
    StreamDeliver(h, e, {"g", "c1", 5000, true, false, {10, 0}, 3, got});
    std::vector<StreamId> ack = {{9, 0}};
    CHECK(StreamAck(h, e, "g", ack) == 1);
    std::vector<StreamPending> claims = {{{10, 0}, 0, 4000, 4}};
    StreamClaimEntries(h, e, {"g", "c2", 6000, nullptr, claims});
    // c2 reads its PEL again: one more delivery, at the new time.
    std::vector<StreamId> reread = {{10, 0}};
    StreamDeliver(h, e, {"g", "c2", 6500, false, false, {}, 0, reread});
    const StreamGroup* g = StreamOf(e)->FindGroup("g");
    const StreamPending& p = g->pel[g->PendingLowerBound({10, 0})];
    CHECK(p.delivery_count == 5);
    CHECK(p.delivery_ms == 6500);
    CHECK(StreamConsumerCreate(h, e, "g", "c3", 7000));
    CHECK(StreamConsumerDelete(h, e, "g", "c1") == 1);
    StreamSetId(h, e, {900, 0}, 300, {8, 0});
    CHECK(StreamGroupCreate(h, e, "g2", {5, 0}, 1));
    StreamGroupSetId(h, e, "g2", {20, 0}, kInvalidEntriesRead);
    CHECK(StreamGroupDestroy(h, e, "g2"));
  });
  Store replayed;
  {
    Store::ReplayScope scope;
    for (const std::string& p : journal.payloads) CHECK(ApplyEffects(replayed, p).ok());
  }
  CHECK(Dump(live, "s") == Dump(replayed, "s"));
  CHECK_FALSE(Dump(live, "s").empty());
}

}  // namespace
}  // namespace cairn::store
