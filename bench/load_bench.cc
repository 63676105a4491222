// bench/load_bench.cc — filling an empty store with a file's worth of new keys, as a restart
// from a snapshot, an RDB import or a replica's full sync does: 100K and 1M keys
// ("key:<i>", 32-byte values, in a shuffled order as a file's shard-by-shard order looks to
// the tables), one database.
//
//   OneByOne  one Access per key: look the key up, Put it (how loads went before BulkLoader)
//   Bulk      a BulkLoader: entries made outside the locks, inserted 16 at a time after
//             their slots are read together
//   Reserved  the same after Store::Reserve for the count (an RDB file's RESIZEDB)
//
// Time per key (items_per_second). The store is made and destroyed outside the timing.
// On this 2-core machine, 1M keys: OneByOne 1.8-1.9M keys/s, Bulk 3.7-4.1M, Reserved 6.2M.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/bulk_load.h"
#include "store/store.h"

namespace cairn::store {
namespace {

constexpr int kDb = 0;
const std::string kValue(32, 'v');

std::vector<std::string> KeyNames(size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back("key:" + std::to_string(i));
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(7));
  return keys;
}

enum class Mode { kOneByOne, kBulk, kReserved };

void Load(Store& store, const std::vector<std::string>& keys, Mode mode) {
  if (mode == Mode::kOneByOne) {
    for (const std::string& key : keys) {
      store.Access(kDb, key, [&](KeyHandle& h) {
        if (h.Find() == nullptr) h.Put(Value(BufRef::Copy(kValue)), 0);
      });
    }
    return;
  }
  if (mode == Mode::kReserved) store.Reserve(kDb, keys.size());
  BulkLoader bulk(store);
  for (const std::string& key : keys) {
    if (bulk.Add(kDb, UniqueEntry(Entry::CreateEmbedded(key, kValue)), 0)) std::abort();
  }
  if (bulk.Flush()) std::abort();
}

void BM_Load(benchmark::State& state, Mode mode) {
  std::vector<std::string> keys = KeyNames(static_cast<size_t>(state.range(0)));
  // Once untimed: the first load of a run takes its memory from the system (page faults)
  // and later ones reuse it, which would make the first measurement the odd one out.
  Load(*std::make_unique<Store>(), keys, mode);
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<Store>();
    state.ResumeTiming();
    Load(*store, keys, mode);
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(keys.size()));
}
BENCHMARK_CAPTURE(BM_Load, OneByOne, Mode::kOneByOne)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_Load, Bulk, Mode::kBulk)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_Load, Reserved, Mode::kReserved)->Arg(100000)->Arg(1000000);

}  // namespace
}  // namespace cairn::store
