// store/types/string/hll_self_test.cc — see hll_self_test.h.
#include "store/types/string/hll_self_test.h"

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "store/types/string/hyperloglog.h"

namespace cairn::store::hll {
namespace {

constexpr int kRegisterRounds = 1000;
constexpr uint64_t kElements = 10'000'000;

// Random values written to every register, then read back, kRegisterRounds times.
Status CheckRegisterAccess(std::mt19937_64& rng) {
  std::string registers(kDenseSize - kHeaderSize, '\0');
  Registers expected{};
  for (int round = 0; round < kRegisterRounds; ++round) {
    for (size_t i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(rng() & 63);
      DenseSet(registers.data(), i, expected[i]);
    }
    for (size_t i = 0; i < kRegisters; ++i) {
      uint8_t got = DenseGet(registers, i);
      if (got == expected[i]) continue;
      return Status::Invalid("Register " + std::to_string(i) + " should be " +
                             std::to_string(expected[i]) + " but is " + std::to_string(got));
    }
  }
  return Status::Ok();
}

// The checks at a checkpoint (1, 10, 100... elements added).
Status CheckCheckpoint(const std::string& dense, const std::string& sparse, uint64_t added,
                       size_t sparse_max_bytes) {
  if (added < sparse_max_bytes / 2 && EncodingOf(sparse) != Encoding::kSparse) {
    return Status::Invalid("sparse encoding not used");
  }
  Result<uint64_t> dense_count = Count(dense);
  Result<uint64_t> sparse_count = Count(sparse);
  if (!dense_count.ok() || !sparse_count.ok() || *dense_count != *sparse_count) {
    return Status::Invalid("dense/sparse disagree");
  }
  const double relative_error = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t max_error = static_cast<uint64_t>(std::ceil(relative_error * 6 * added));
  if (added == 10) max_error = 1;  // collisions make larger errors likely at 10
  int64_t error = std::llabs(static_cast<int64_t>(added) - static_cast<int64_t>(*dense_count));
  if (static_cast<uint64_t>(error) > max_error) {
    return Status::Invalid("Too big error. card:" + std::to_string(added) +
                           " abserr:" + std::to_string(error));
  }
  return Status::Ok();
}

// Distinct elements added to a dense and a sparse HLL alike.
Status CheckEstimates(std::mt19937_64& rng, size_t sparse_max_bytes) {
  std::string dense = NewSparse();
  if (Status s = ToDense(&dense); !s.ok()) return s;
  std::string sparse = NewSparse();
  const uint64_t salt = rng();
  uint64_t checkpoint = 1;
  for (uint64_t n = 1; n <= kElements; ++n) {
    uint64_t element = n ^ salt;
    std::string_view bytes(reinterpret_cast<const char*>(&element), sizeof(element));
    Result<bool> a = Add(&dense, bytes, sparse_max_bytes);
    Result<bool> b = Add(&sparse, bytes, sparse_max_bytes);
    if (!a.ok() || !b.ok()) return Status::Invalid("dense/sparse disagree");
    if (n != checkpoint) continue;
    if (Status s = CheckCheckpoint(dense, sparse, n, sparse_max_bytes); !s.ok()) return s;
    checkpoint *= 10;
  }
  return Status::Ok();
}

}  // namespace

Status SelfTest(size_t sparse_max_bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  if (Status s = CheckRegisterAccess(rng); !s.ok()) return s;
  return CheckEstimates(rng, sparse_max_bytes);
}

}  // namespace cairn::store::hll
