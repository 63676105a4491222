// tests/store/hyperloglog_test.cc — the HyperLogLog representation (hyperloglog.h) and its
// store operations (hll_ops.h): the bytes and counts are Redis 7.0's for the same adds (the
// expected values below were taken from redis-server), sparse ops split and fold as Redis's,
// the turn to dense, corruption and not-a-HLL detection, the cached count, and that every
// change is logged small and replays into the same bytes.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/effects.h"
#include "store/store.h"
#include "store/types/list/list_ops.h"
#include "store/types/string/hll_ops.h"
#include "store/types/string/hll_self_test.h"
#include "store/types/string/hyperloglog.h"
#include "store/types/string/murmur_hash.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::RecordingJournal;

constexpr size_t kMax = hll::kDefaultSparseMaxBytes;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// PFADD of "e<from>" .. "e<to - 1>", one element at a time.
void AddRange(std::string* h, int from, int to, size_t max_bytes = kMax) {
  for (int i = from; i < to; ++i) REQUIRE(hll::Add(h, "e" + std::to_string(i), max_bytes).ok());
  hll::InvalidateCache(h);
}

uint64_t CountOf(std::string_view h) {
  Result<uint64_t> n = hll::Count(h);
  REQUIRE(n.ok());
  return *n;
}

// What PFCOUNT leaves behind: the count cached in the header.
std::string Counted(std::string h) {
  hll::SetCachedCount(&h, CountOf(h));
  return h;
}

template <class Op>
auto On(Store& s, std::string_view key, Op op) {
  return s.Access(0, key, [&](KeyHandle& h) { return op(h); });
}

bool PfAddOne(Store& s, std::string_view key, std::vector<std::string_view> elements) {
  Result<bool> r = On(s, key, [&](KeyHandle& h) { return PfAdd(h, elements, kMax); });
  REQUIRE(r.ok());
  return *r;
}

Result<uint64_t> PfCountOne(Store& s, std::string_view key, bool cache = true) {
  return On(s, key, [&](KeyHandle& h) { return PfCount(h, cache); });
}

TEST_CASE("murmur hash 64A gives the reference values") {
  CHECK(MurmurHash64A("", 0) == 0);
  // A HLL's registers come from the hash: "hello" lands in register 9216 with a run of 1,
  // as redis-server's PFDEBUG DECODE shows ("Z:9216 v:1,1 Z:7167").
  hll::Observation o = hll::Observe("hello");
  CHECK(o.index == 9216);
  CHECK(o.rank == 1);
}

TEST_CASE("adds give redis-server's bytes and counts, sparse then dense") {
  std::string h = hll::NewSparse();
  CHECK(h == std::string("HYLL\x01", 5) + std::string(11, '\0') + "\x7f\xff");
  for (std::string_view e : {"a", "b", "c"}) REQUIRE(hll::Add(&h, e, kMax).ok());
  hll::InvalidateCache(&h);
  CHECK(h == FromHex("48594c4c01000000000000000000008060f38050b1844bfb80425a"));
  CHECK(CountOf(h) == 3);

  std::string big = hll::NewSparse();
  struct Step {
    int elements;
    uint64_t count;
    hll::Encoding encoding;
    size_t length;
  };
  const Step steps[] = {{10, 10, hll::Encoding::kSparse, 48},
                        {100, 100, hll::Encoding::kSparse, 285},
                        {1000, 1008, hll::Encoding::kSparse, 1906},
                        {10000, 9973, hll::Encoding::kDense, 12304},
                        {100000, 100853, hll::Encoding::kDense, 12304}};
  int added = 0;
  for (const Step& step : steps) {
    AddRange(&big, added, step.elements);
    added = step.elements;
    CHECK(CountOf(big) == step.count);
    CHECK(hll::EncodingOf(big) == step.encoding);
    CHECK(big.size() == step.length);
  }
  CHECK(Fnv1a(Counted(big)) == 0xfd1fc23694773e63ULL);

  std::string hundred = hll::NewSparse();
  AddRange(&hundred, 0, 100);
  CHECK(Fnv1a(Counted(hundred)) == 0x40dec5e3b1513cfaULL);
}

TEST_CASE("a sparse HLL past hll-sparse-max-bytes turns dense with redis-server's bytes") {
  std::string h = hll::NewSparse();
  AddRange(&h, 0, 100, 100);
  CHECK(hll::EncodingOf(h) == hll::Encoding::kDense);
  CHECK(CountOf(h) == 100);
  CHECK(Fnv1a(Counted(h)) == 0x019a893d5cd6cdb3ULL);
}

TEST_CASE("sparse ops split runs and fold equal neighbours") {
  std::string h = hll::NewSparse();
  REQUIRE(*hll::SetRegister(&h, 1000, 2, kMax));
  REQUIRE(*hll::SetRegister(&h, 1020, 3, kMax));
  REQUIRE(*hll::SetRegister(&h, 1021, 3, kMax));
  CHECK(hll::DescribeSparse(h) == "Z:1000 v:2,1 z:19 v:3,2 Z:15362");
  CHECK_FALSE(*hll::SetRegister(&h, 1020, 2, kMax));  // lower than what it holds
  REQUIRE(*hll::SetRegister(&h, 1022, 3, kMax));
  REQUIRE(*hll::SetRegister(&h, 1023, 3, kMax));
  REQUIRE(*hll::SetRegister(&h, 1024, 3, kMax));  // a VAL covers at most 4 registers
  CHECK(hll::DescribeSparse(h) == "Z:1000 v:2,1 z:19 v:3,4 v:3,1 Z:15359");
  REQUIRE(*hll::SetRegister(&h, 1001, 2, kMax));
  CHECK(hll::DescribeSparse(h) == "Z:1000 v:2,2 z:18 v:3,4 v:3,1 Z:15359");
  CHECK(hll::EncodingOf(h) == hll::Encoding::kSparse);
  REQUIRE(*hll::SetRegister(&h, 5, 33, kMax));  // above what a VAL holds: dense
  CHECK(hll::EncodingOf(h) == hll::Encoding::kDense);
  hll::Registers regs{};
  REQUIRE(hll::MergeInto(h, &regs).ok());
  CHECK(regs[5] == 33);
  CHECK(regs[1000] == 2);
  CHECK(regs[1024] == 3);
  CHECK(regs[1025] == 0);
}

TEST_CASE("dense registers read back what was written without touching their neighbours") {
  std::string regs(hll::kDenseSize - hll::kHeaderSize, '\0');
  std::mt19937 rng(7);
  std::vector<uint8_t> expected(hll::kRegisters);
  for (size_t i = 0; i < hll::kRegisters; ++i) {
    expected[i] = static_cast<uint8_t>(rng() & 63);
    hll::DenseSet(regs.data(), i, expected[i]);
  }
  for (size_t i = 0; i < hll::kRegisters; ++i) REQUIRE(hll::DenseGet(regs, i) == expected[i]);
  CHECK(hll::SelfTest(kMax, 1).ok());
}

TEST_CASE("all dense registers written and read at once equal each register by itself") {
  std::mt19937_64 rng(21);
  std::string value = hll::NewSparse();
  REQUIRE(hll::ToDense(&value).ok());
  hll::Registers regs;
  for (uint8_t& r : regs) r = static_cast<uint8_t>(rng() % 64);
  hll::DenseWriteAll(regs, &value);
  CHECK(hll::IsHll(value));
  std::string_view registers = std::string_view(value).substr(hll::kHeaderSize);
  for (size_t i = 0; i < hll::kRegisters; ++i) REQUIRE(hll::DenseGet(registers, i) == regs[i]);
  hll::Registers merged{};
  REQUIRE(hll::MergeInto(value, &merged).ok());
  CHECK(merged == regs);
  CHECK(hll::CountRegisters(regs) == *hll::Count(value));
}

TEST_CASE("the header decides what is a HLL; damaged sparse ops are corruption") {
  std::string h = hll::NewSparse();
  AddRange(&h, 0, 50);
  CHECK(hll::IsHll(h));
  CHECK_FALSE(hll::IsHll("HYLL"));
  CHECK_FALSE(hll::IsHll("0123" + h.substr(4)));
  std::string bad_encoding = h;
  bad_encoding[4] = 'x';
  CHECK_FALSE(hll::IsHll(bad_encoding));
  std::string short_dense = h;
  short_dense[4] = '\0';  // says dense, has a sparse body's length
  CHECK_FALSE(hll::IsHll(short_dense));

  hll::Registers regs{};
  for (std::string damaged : {h + "hello", h.substr(0, h.size() - 1)}) {
    CHECK(hll::IsHll(damaged));
    CHECK(hll::Count(damaged).status().code() == Code::kCorruption);
    CHECK(hll::MergeInto(damaged, &regs).code() == Code::kCorruption);
    std::string before = damaged;
    CHECK(hll::ToDense(&damaged).code() == Code::kCorruption);
    CHECK(damaged == before);
  }
}

TEST_CASE("the cached count: valid until a register changes") {
  std::string h = hll::NewSparse();
  CHECK(hll::CacheValid(h));
  AddRange(&h, 0, 5);
  CHECK_FALSE(hll::CacheValid(h));
  hll::SetCachedCount(&h, 5);
  CHECK(hll::CacheValid(h));
  CHECK(hll::CachedCount(h) == 5);
  hll::Observation seen = hll::Observe("e1");
  CHECK_FALSE(hll::MayRaise(h, seen.index, seen.rank));
  CHECK_FALSE(*hll::Add(&h, "e1", kMax));  // no register changed
  CHECK(hll::CacheValid(h));
  CHECK(hll::MayRaise(h, seen.index, seen.rank + 1));
  CHECK(hll::MayRaise(h, seen.index, 33));  // would turn the HLL dense
  REQUIRE(hll::ToDense(&h).ok());
  CHECK_FALSE(hll::MayRaise(h, seen.index, seen.rank));
  CHECK(hll::MayRaise(h, seen.index, 33));
}

TEST_CASE("pfadd creates the key, reports changes, keeps the TTL and refuses non-HLLs") {
  Store s;
  CHECK(PfAddOne(s, "h", {}));  // creating counts as a change
  CHECK(PfAddOne(s, "h", {"a", "b", "c"}));
  CHECK_FALSE(PfAddOne(s, "h", {"a", "b"}));
  CHECK(*PfCountOne(s, "h") == 3);
  CHECK(*PfCountOne(s, "missing") == 0);

  int64_t at = s.NowMs() + 100000;
  s.Access(0, "h", [&](KeyHandle& h) { h.SetExpire(h.Find(), at); });
  CHECK(PfAddOne(s, "h", {"d"}));
  CHECK(ExpireAt(s, "h") == at);

  testing::Set(s, "str", "not a hll at all");
  std::vector<std::string_view> one = {"x"};
  CHECK(On(s, "str", [&](KeyHandle& h) { return PfAdd(h, one, kMax); }).status().code() ==
        Code::kInvalid);
  CHECK(PfCountOne(s, "str").status().code() == Code::kInvalid);
  CHECK(Get(s, "str") == "not a hll at all");
  s.Access(0, "list", [](KeyHandle& h) {
    std::vector<std::string_view> v = {"x"};
    ListPush(h, nullptr, ListSide::kTail, v);
  });
  CHECK(PfCountOne(s, "list").status().code() == Code::kWrongType);
}

TEST_CASE("a corrupt sparse HLL is reported and left as it was") {
  Store s;
  REQUIRE(PfAddOne(s, "h", {"a", "b", "c"}));
  std::string damaged = *Get(s, "h") + "hello";
  testing::Set(s, "h", damaged);
  CHECK(PfCountOne(s, "h").status().code() == Code::kCorruption);
  std::vector<std::string> storage;
  for (int i = 0; i < 100; ++i) storage.push_back("x" + std::to_string(i));
  std::vector<std::string_view> big(storage.begin(), storage.end());
  Result<bool> r = On(s, "h", [&](KeyHandle& h) { return PfAdd(h, big, 20); });  // turns dense
  CHECK(r.status().code() == Code::kCorruption);
  CHECK(Get(s, "h") == damaged);
}

TEST_CASE("pfcount caches the count as an 8-byte logged patch; the log replays the same bytes") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  std::vector<std::string> storage;
  for (int i = 0; i < 20000; ++i) storage.push_back("e" + std::to_string(i));
  std::vector<std::string_view> elements(storage.begin(), storage.end());
  REQUIRE(On(live, "d", [&](KeyHandle& h) { return PfAdd(h, elements, kMax); }).ok());
  REQUIRE(*PfCountOne(live, "d", false) == *PfCountOne(live, "d", false));
  size_t before = journal.records.size();
  uint64_t n = *PfCountOne(live, "d", false);  // not cached: nothing logged
  CHECK(journal.records.size() == before);
  CHECK(*PfCountOne(live, "d") == n);
  REQUIRE(journal.records.size() == before + 1);
  CHECK(journal.records.back().size() < 64);
  CHECK(hll::CacheValid(*Get(live, "d")));
  CHECK(*PfCountOne(live, "d") == n);  // from the cache: nothing logged
  CHECK(journal.records.size() == before + 1);

  bool changed = false;  // most adds to a full HLL change nothing: add until one does
  for (int i = 0; !changed && i < 1000; ++i) {
    std::string more = "more" + std::to_string(i);
    changed = PfAddOne(live, "d", {more});
  }
  REQUIRE(changed);
  CHECK(journal.records.size() == before + 2);
  CHECK(journal.records.back().size() < 128);  // a dense change: small patches
  CHECK(PfAddOne(live, "s", {"a", "b"}));
  CHECK(PfAddOne(live, "s", {"c"}));

  Store replayed;
  for (const std::string& rec : journal.records) CHECK(ApplyEffects(replayed, rec).ok());
  for (std::string_view key : {"d", "s"}) CHECK(Get(replayed, key) == Get(live, key));
}

TEST_CASE("pfmerge: the union into a new or existing destination, dense when a source is") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  REQUIRE(PfAddOne(live, "a", {"1", "2", "3"}));
  REQUIRE(PfAddOne(live, "b", {"3", "4"}));
  auto merge = [&](std::vector<KeyRef> keys) {
    return live.AccessMany(keys, [&](std::span<KeyHandle> hs) { return PfMerge(hs, kMax); });
  };
  REQUIRE(merge({{0, "m"}, {0, "a"}, {0, "b"}, {0, "missing"}}).ok());
  CHECK(*PfCountOne(live, "m") == 4);
  CHECK(hll::EncodingOf(*Get(live, "m")) == hll::Encoding::kSparse);
  REQUIRE(merge({{0, "a"}, {0, "b"}}).ok());  // the destination is a source too
  CHECK(*PfCountOne(live, "a") == 4);
  CHECK(Get(live, "a") == Get(live, "m"));

  REQUIRE(On(live, "b", [](KeyHandle& h) { return PfToDense(h); }).ok());
  REQUIRE(merge({{0, "m"}, {0, "b"}}).ok());
  CHECK(hll::EncodingOf(*Get(live, "m")) == hll::Encoding::kDense);
  CHECK(*PfCountOne(live, "m") == 4);
  std::vector<KeyRef> both = {{0, "a"}, {0, "b"}};
  CHECK(*live.AccessMany(both, [](std::span<KeyHandle> hs) { return PfCountUnion(hs); }) == 4);

  testing::Set(live, "str", "x");
  CHECK(merge({{0, "m"}, {0, "str"}}).code() == Code::kInvalid);
  CHECK(merge({{0, "str"}, {0, "a"}}).code() == Code::kInvalid);

  Store replayed;
  for (const std::string& rec : journal.records) CHECK(ApplyEffects(replayed, rec).ok());
  for (std::string_view key : {"a", "b", "m"}) CHECK(Get(replayed, key) == Get(live, key));
}

}  // namespace
}  // namespace cairn::store
