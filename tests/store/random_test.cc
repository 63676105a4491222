// tests/store/random_test.cc — the store's sampling generator (store/random.h).
#include "store/random.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <thread>

namespace cairn::store {
namespace {

TEST_CASE("random numbers fall evenly into buckets, bit by bit too") {
  SeedFastRandom(99);
  constexpr int kDraws = 160000;
  std::array<int, 16> low{}, high{};
  std::array<int, 64> ones{};
  for (int i = 0; i < kDraws; ++i) {
    uint64_t r = FastRandom();
    ++low[r & 15];
    ++high[r >> 60];
    for (int b = 0; b < 64; ++b) ones[b] += (r >> b) & 1;
  }
  // Chi-square with 15 degrees of freedom: 50 is far past the 1e-4 tail.
  double expected = kDraws / 16.0, chi_low = 0, chi_high = 0;
  for (int k = 0; k < 16; ++k) {
    chi_low += (low[k] - expected) * (low[k] - expected) / expected;
    chi_high += (high[k] - expected) * (high[k] - expected) / expected;
  }
  CHECK(chi_low < 50);
  CHECK(chi_high < 50);
  for (int n : ones) CHECK(std::abs(n - kDraws / 2) < 2000);  // 10 standard deviations
  std::uniform_int_distribution<int> die(1, 6);
  FastRandomEngine engine;
  for (int i = 0; i < 1000; ++i) {
    int v = die(engine);
    REQUIRE((v >= 1 && v <= 6));
  }
}

TEST_CASE("a seed repeats its sequence; unseeded threads draw different ones") {
  SeedFastRandom(7);
  uint64_t a = FastRandom(), b = FastRandom();
  SeedFastRandom(7);
  CHECK(FastRandom() == a);
  CHECK(FastRandom() == b);
  uint64_t first[2] = {};
  std::thread t1([&] { first[0] = FastRandom(); });
  std::thread t2([&] { first[1] = FastRandom(); });
  t1.join();
  t2.join();
  CHECK(first[0] != first[1]);
}

}  // namespace
}  // namespace cairn::store
