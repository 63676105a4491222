// store/types/string/hll_ops.cc — see hll_ops.h.
#include "store/types/string/hll_ops.h"

#include <vector>

#include "store/typed.h"
#include "store/types/string/string_ops.h"

namespace cairn::store {
namespace {

// A logged patch costs its bytes plus about this much (op, db, lengths, offset) and the key.
constexpr size_t kPatchOverhead = 16;
// Changed bytes this close together go in one patch.
constexpr size_t kPatchGap = 8;

struct ByteRun {
  size_t offset;
  size_t length;
};

// The runs of bytes where after differs from before (same length), close runs joined.
std::vector<ByteRun> ChangedRuns(std::string_view before, std::string_view after) {
  std::vector<ByteRun> runs;
  for (size_t i = 0; i < after.size(); ++i) {
    if (before[i] == after[i]) continue;
    if (!runs.empty() && i - (runs.back().offset + runs.back().length) <= kPatchGap) {
      runs.back().length = i + 1 - runs.back().offset;
    } else {
      runs.push_back({i, 1});
    }
  }
  return runs;
}

// Installs updated as the value of the key, whose live entry is e (nullptr: create it). See
// the header for what is logged.
void Install(KeyHandle& h, Entry* e, const std::string& updated) {
  if (e != nullptr && e->value.str.size() == updated.size()) {
    std::string_view before = e->value.str.view();
    std::vector<ByteRun> runs = ChangedRuns(before, updated);
    size_t cost = 0;
    for (const ByteRun& r : runs) cost += r.length + kPatchOverhead + h.key().size();
    if (cost <= updated.size()) {
      for (const ByteRun& r : runs) {
        h.PatchRange(e, r.offset, std::string_view(updated).substr(r.offset, r.length));
      }
      return;
    }
  }
  h.Put(StringValue(BufRef::Copy(updated), StringForm::kGrown), e != nullptr ? kKeepTtl : 0);
}

// Whether adding the elements may change the HLL. Most adds to a well-filled HLL change no
// register: this finds that without copying the value.
bool MayChange(std::string_view hll_bytes, std::span<const std::string_view> elements) {
  for (std::string_view element : elements) {
    hll::Observation o = hll::Observe(element);
    if (hll::MayRaise(hll_bytes, o.index, o.rank)) return true;
  }
  return false;
}

// The live entry holding a HLL (nullptr when missing), or the lookup's error.
Result<Entry*> FindHllEntry(KeyHandle& h) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok() || *found == nullptr) return found;
  if (!hll::IsHll((*found)->value.str.view())) return Code::kInvalid;
  return found;
}

// The union of the handles' registers; *any_dense tells whether one of them is dense.
Status MergeAll(std::span<KeyHandle> handles, hll::Registers* max, bool* any_dense) {
  max->fill(0);
  *any_dense = false;
  for (KeyHandle& h : handles) {
    Result<const BufRef*> found = FindHll(h);
    if (!found.ok()) return found.TakeStatus();
    if (*found == nullptr) continue;
    std::string_view bytes = (*found)->view();
    *any_dense = *any_dense || hll::EncodingOf(bytes) == hll::Encoding::kDense;
    Status merged = hll::MergeInto(bytes, max);
    if (!merged.ok()) return merged;
  }
  return Status::Ok();
}

}  // namespace

Result<const BufRef*> FindHll(KeyHandle& h) {
  Result<Entry*> e = FindHllEntry(h);
  if (!e.ok()) return e.TakeStatus();
  return *e != nullptr ? &(*e)->value.str : nullptr;
}

// PFADD into a dense HLL, in place: each raised register is a patch of the byte or two that
// hold it (and one of the cached count's flag), not a copy of the whole 12 KB value.
bool AddDense(KeyHandle& h, Entry* e, std::span<const std::string_view> elements) {
  bool updated = false;
  for (std::string_view element : elements) {
    hll::Observation o = hll::Observe(element);
    std::string_view bytes = e->value.str.view();
    if (hll::DenseGet(bytes.substr(hll::kHeaderSize), o.index) >= o.rank) continue;
    hll::BytePatch patch = hll::DenseSetPatch(bytes, o.index, o.rank);
    h.PatchRange(e, patch.offset, patch.view());
    updated = true;
  }
  std::string_view bytes = e->value.str.view();
  if (updated && hll::CacheValid(bytes)) {
    hll::BytePatch patch = hll::InvalidateCachePatch(bytes);
    h.PatchRange(e, patch.offset, patch.view());
  }
  return updated;
}

Result<bool> PfAdd(KeyHandle& h, std::span<const std::string_view> elements,
                   size_t sparse_max_bytes) {
  Result<Entry*> found = FindHllEntry(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e != nullptr && !MayChange(e->value.str.view(), elements)) return false;
  if (e != nullptr && hll::EncodingOf(e->value.str.view()) == hll::Encoding::kDense) {
    return AddDense(h, e, elements);
  }
  std::string work = e != nullptr ? std::string(e->value.str.view()) : hll::NewSparse();
  bool updated = e == nullptr;
  for (std::string_view element : elements) {
    Result<bool> added = hll::Add(&work, element, sparse_max_bytes);
    if (!added.ok()) return added.TakeStatus();
    updated = updated || *added;
  }
  if (!updated) return false;
  hll::InvalidateCache(&work);
  Install(h, e, work);
  return true;
}

Result<uint64_t> PfCount(KeyHandle& h, bool update_cache) {
  Result<Entry*> found = FindHllEntry(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) return uint64_t{0};
  std::string_view bytes = e->value.str.view();
  if (hll::CacheValid(bytes)) return hll::CachedCount(bytes);
  Result<uint64_t> count = hll::Count(bytes);
  if (!count.ok() || !update_cache) return count;
  std::string header(bytes.substr(0, hll::kHeaderSize));
  hll::SetCachedCount(&header, *count);
  h.PatchRange(e, hll::kCountAt, std::string_view(header).substr(hll::kCountAt, 8));
  return count;
}

Result<uint64_t> PfCountUnion(std::span<KeyHandle> handles) {
  hll::Registers max;
  bool any_dense = false;
  Status merged = MergeAll(handles, &max, &any_dense);
  if (!merged.ok()) return merged;
  return hll::CountRegisters(max);
}

Status PfMerge(std::span<KeyHandle> handles, size_t sparse_max_bytes) {
  hll::Registers max;
  bool any_dense = false;
  Status merged = MergeAll(handles, &max, &any_dense);
  if (!merged.ok()) return merged;
  KeyHandle& dest = handles[0];
  Result<Entry*> found = FindHllEntry(dest);  // checked by MergeAll
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  std::string work = e != nullptr ? std::string(e->value.str.view()) : hll::NewSparse();
  if (any_dense) {
    Status dense = hll::ToDense(&work);
    if (!dense.ok()) return dense;
  }
  if (hll::EncodingOf(work) == hll::Encoding::kDense) {
    // The destination was merged as a source, so no register of max is below its own.
    hll::DenseWriteAll(max, &work);
  } else {
    for (uint32_t i = 0; i < hll::kRegisters; ++i) {
      if (max[i] == 0) continue;
      Result<bool> set = hll::SetRegister(&work, i, max[i], sparse_max_bytes);
      if (!set.ok()) return set.TakeStatus();
    }
  }
  hll::InvalidateCache(&work);
  Install(dest, e, work);
  return Status::Ok();
}

Result<bool> PfToDense(KeyHandle& h) {
  Result<Entry*> found = FindHllEntry(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr || hll::EncodingOf(e->value.str.view()) == hll::Encoding::kDense) return false;
  std::string work(e->value.str.view());
  Status dense = hll::ToDense(&work);
  if (!dense.ok()) return dense;
  Install(h, e, work);
  return true;
}

Result<hll::Registers> PfGetRegisters(KeyHandle& h) {
  Result<bool> dense = PfToDense(h);
  if (!dense.ok()) return dense.TakeStatus();
  Result<const BufRef*> found = FindHll(h);
  if (!found.ok()) return found.TakeStatus();
  hll::Registers registers{};
  if (*found != nullptr) {
    Status read = hll::MergeInto((*found)->view(), &registers);
    if (!read.ok()) return read;
  }
  return registers;
}

}  // namespace cairn::store
