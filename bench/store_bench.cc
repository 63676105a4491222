// bench/store_bench.cc — GET and SET through Store::Access with 1, 2 and 4 threads on a
// keyspace of 100K keys with 32-byte values.
//
// GET does what the server does: take a reference to the value under the shard lock and read
// the bytes after releasing it. SET builds a new buffer and installs it with Put (which copies
// a short value into a new entry under the lock); SET entry does what the server's SET does:
// build the key's whole new entry before the lock and link it in (string_ops.h, NewString).
// Both report the bytes they allocate per SET (alloc_bytes; jemalloc builds only). Each thread
// picks keys uniformly at random with its own generator.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "store/memory.h"
#include "store/store.h"
#include "store/types/string/string_ops.h"

namespace cairn::store {
namespace {

constexpr size_t kKeys = 100000;
constexpr size_t kValueBytes = 32;

const std::vector<std::string>& KeyNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    v.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) v.push_back("key:" + std::to_string(i));
    return v;
  }();
  return names;
}

Value MakeValue(char fill) {
  Value v;
  v.str = BufRef::Copy(std::string(kValueBytes, fill));
  return v;
}

// One store shared by every benchmark and thread, filled on first use.
Store& SharedStore() {
  static Store* store = [] {
    auto* s = new Store();
    for (const std::string& k : KeyNames()) {
      s->Access(0, k, [](KeyHandle& h) { h.Put(MakeValue('v'), 0); });
    }
    return s;
  }();
  return *store;
}

void BM_StoreGet(benchmark::State& state) {
  Store& store = SharedStore();
  const auto& keys = KeyNames();
  std::mt19937_64 rng(state.thread_index() + 1);
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& key = keys[rng() % kKeys];
    BufRef ref = store.Access(0, key, [](KeyHandle& h) {
      Entry* e = h.Find();
      return e != nullptr ? e->value.str : BufRef();
    });
    bytes += ref.size();  // used after the lock, as a reply would be
    benchmark::DoNotOptimize(ref.view().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_StoreGet)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// Bytes this thread allocated per iteration since `since` (frees not subtracted).
void CountAllocatedBytes(benchmark::State& state, uint64_t since) {
  if (!MemoryGauge::precise() || state.iterations() == 0) return;
  double bytes = static_cast<double>(MemoryGauge::ThreadAllocatedBytes() - since);
  state.counters["alloc_bytes"] = benchmark::Counter(
      bytes / static_cast<double>(state.iterations()), benchmark::Counter::kAvgThreads);
}

void BM_StoreSet(benchmark::State& state) {
  Store& store = SharedStore();
  const auto& keys = KeyNames();
  const std::string value(kValueBytes, 's');
  std::mt19937_64 rng(state.thread_index() + 101);
  uint64_t allocated = MemoryGauge::ThreadAllocatedBytes();
  for (auto _ : state) {
    const std::string& key = keys[rng() % kKeys];
    Value v;
    v.str = BufRef::Copy(value);
    store.Access(0, key, [&](KeyHandle& h) { h.Put(std::move(v), 0); });
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  CountAllocatedBytes(state, allocated);
}
BENCHMARK(BM_StoreSet)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_StoreSetEntry(benchmark::State& state) {
  Store& store = SharedStore();
  const auto& keys = KeyNames();
  const std::string value(kValueBytes, 'e');
  std::mt19937_64 rng(state.thread_index() + 301);
  uint64_t allocated = MemoryGauge::ThreadAllocatedBytes();
  for (auto _ : state) {
    const std::string& key = keys[rng() % kKeys];
    NewString v(key, value);
    store.Access(0, key, [&](KeyHandle& h) { (void)StringSet(h, &v, {}); });
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  CountAllocatedBytes(state, allocated);
}
BENCHMARK(BM_StoreSetEntry)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// 90% GET, 10% SET: a read-mostly cache.
void BM_StoreGetSetMix(benchmark::State& state) {
  Store& store = SharedStore();
  const auto& keys = KeyNames();
  const std::string value(kValueBytes, 'm');
  std::mt19937_64 rng(state.thread_index() + 201);
  for (auto _ : state) {
    uint64_t r = rng();
    const std::string& key = keys[r % kKeys];
    if ((r >> 32) % 10 == 0) {
      Value v;
      v.str = BufRef::Copy(value);
      store.Access(0, key, [&](KeyHandle& h) { h.Put(std::move(v), 0); });
    } else {
      BufRef ref = store.Access(0, key, [](KeyHandle& h) {
        Entry* e = h.Find();
        return e != nullptr ? e->value.str : BufRef();
      });
      benchmark::DoNotOptimize(ref.view().data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_StoreGetSetMix)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace cairn::store
