// store/random.h — the store's random numbers for sampling: random members and fields
// (SRANDMEMBER, SPOP, HRANDFIELD, ZRANDMEMBER), RANDOMKEY, eviction samples and the LFU
// counter's probabilistic increments.
//
// One generator per thread, wyrand: a 64-bit state stepped by an odd constant and mixed by
// one 64x64->128-bit multiply. A number costs a few instructions (HRANDFIELD's rejection
// sampling draws several per field; std::mt19937_64 took a quarter of its time), and its
// output passes the usual statistical batteries. The first call on a thread seeds it from the
// kernel's generator, so threads and processes differ. Predictable from its output: never
// for secrets (ACL GENPASS reads the kernel directly).
#pragma once

#include <cstdint>

namespace cairn::store {

namespace detail {
uint64_t RandomSeed();
inline thread_local uint64_t random_state = 0;
}  // namespace detail

// A uniformly distributed 64-bit number. Any thread.
inline uint64_t FastRandom() {
  uint64_t& s = detail::random_state;
  if (s == 0) [[unlikely]] s = detail::RandomSeed();
  s += 0xa0761d6478bd642full;
  unsigned __int128 m = static_cast<unsigned __int128>(s) * (s ^ 0xe7037ed1a0b428dbull);
  return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
}

// Restarts the calling thread's sequence from seed: the same seed, the same numbers (tests).
inline void SeedFastRandom(uint64_t seed) { detail::random_state = seed != 0 ? seed : 1; }

// FastRandom as a standard uniform random bit generator, for <random>'s distributions. It
// holds no state of its own: every instance draws from the thread's generator.
struct FastRandomEngine {
  using result_type = uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() const { return FastRandom(); }
};

// A number in [0, 1) with 53 random bits.
inline double FastRandom01() {
  return static_cast<double>(FastRandom() >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace cairn::store
