// bench/zset_bench.cc — a sorted set's lookups and score changes, one thread, on sets of 100K
// and 1M members (megabytes of nodes, past the per-core caches, as a leaderboard is).
//
// Move gives a random member a new random score, as a leaderboard's ZADD does: the member's
// node is unlinked where it is and linked where its score goes, two top-down walks of the
// skiplist. Score looks a random member up (ZSCORE: the member index). Members are
// "player:<i>", scores uniform over [0, 1e9).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/types/zset/zset.h"

namespace cairn::store {
namespace {

struct Leaderboard {
  std::vector<std::string> members;
  std::unique_ptr<ZSet> set = std::make_unique<ZSet>();
  std::mt19937_64 rng{7};

  explicit Leaderboard(size_t n) {
    members.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      members.push_back("player:" + std::to_string(i));
      set->Set(members.back(), RandomScore());
    }
  }
  double RandomScore() { return static_cast<double>(rng() % 1000000000); }
  const std::string& RandomMember() { return members[rng() % members.size()]; }
};

void BM_ZSetMove(benchmark::State& state) {
  Leaderboard board(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    const std::string& m = board.RandomMember();
    benchmark::DoNotOptimize(board.set->Set(m, board.RandomScore()));
  }
}
BENCHMARK(BM_ZSetMove)->Arg(100000)->Arg(1000000);

void BM_ZSetScore(benchmark::State& state) {
  Leaderboard board(static_cast<size_t>(state.range(0)));
  double score = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(board.set->Score(board.RandomMember(), &score));
  }
}
BENCHMARK(BM_ZSetScore)->Arg(100000)->Arg(1000000);

}  // namespace
}  // namespace cairn::store
