// Throughput of the byte codecs that run over whole values: LZF (RDB strings, DUMP payloads,
// compressed list nodes), CRC-64 (RDB files, DUMP, full syncs) and CRC32C (every WAL record
// and snapshot), on 1 MB of three kinds of input: random bytes (incompressible: images,
// ciphertext, already compressed data), text of a small alphabet, and repeated JSON records.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <string_view>

#include "store/durability/crc32c.h"
#include "store/lzf.h"
#include "store/rdb/crc64.h"

namespace {

constexpr size_t kInputBytes = 1 << 20;

std::string Input(int kind) {
  std::mt19937_64 rng(7);
  std::string in;
  if (kind == 0) {
    in.resize(kInputBytes);
    for (char& c : in) c = static_cast<char>(rng());
  } else if (kind == 1) {
    std::string_view alphabet = "the quick brown fox jumps over lazy dog 0123456789";
    in.resize(kInputBytes);
    for (char& c : in) c = alphabet[rng() % alphabet.size()];
  } else {
    while (in.size() < kInputBytes) {
      in += "{\"id\":" + std::to_string(rng() % 100000) + ",\"name\":\"user" +
            std::to_string(rng() % 1000) + "\",\"active\":true,\"score\":" +
            std::to_string(rng() % 977) + "}";
    }
    in.resize(kInputBytes);
  }
  return in;
}

const char* KindName(int kind) { return kind == 0 ? "random" : kind == 1 ? "text" : "json"; }

void BM_LzfCompress(benchmark::State& state) {
  std::string in = Input(static_cast<int>(state.range(0)));
  std::string out(in.size(), '\0');
  for (auto _ : state) {
    // As the RDB writer asks: stored compressed only if that saves at least 4 bytes.
    benchmark::DoNotOptimize(cairn::store::LzfCompress(in, out.data(), in.size() - 4));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetLabel(KindName(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_LzfCompress)->Arg(0)->Arg(1)->Arg(2);

void BM_LzfDecompress(benchmark::State& state) {
  std::string in = Input(static_cast<int>(state.range(0)));
  std::string packed(in.size() + in.size() / 32 + 8, '\0');
  packed.resize(cairn::store::LzfCompress(in, packed.data(), packed.size()));
  if (packed.empty()) {
    state.SkipWithError("the input did not compress");
    return;
  }
  std::string out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cairn::store::LzfDecompress(packed, in.size(), &out));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetLabel(KindName(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_LzfDecompress)->Arg(1)->Arg(2);

void BM_Crc64(benchmark::State& state) {
  std::string in = Input(0);
  for (auto _ : state) benchmark::DoNotOptimize(cairn::rdb::Crc64(0, in));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Crc64);

void BM_Crc32c(benchmark::State& state) {
  std::string in = Input(0);
  for (auto _ : state) benchmark::DoNotOptimize(cairn::store::wal::Crc32c(in.data(), in.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Crc32c);

}  // namespace
