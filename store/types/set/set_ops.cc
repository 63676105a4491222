// store/types/set/set_ops.cc — set operations that change and log (shared by commands and WAL replay),
// the set algebra, random members, and the family's replay entry point.
#include "store/types/set/set_ops.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "store/codec.h"
#include "store/encoding_limits.h"
#include "store/object_families.h"
#include "store/random.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

enum SetOpCode : uint8_t { kSetAdd = 1, kSetRemove = 2 };

// Accumulates the members of one logged op; encodes nothing when the handle does not log.
class OpLog {
 public:
  explicit OpLog(KeyHandle& h) : logging_(h.logging()) {}
  void Member(std::string_view m) {
    ++count_;
    if (!logging_) return;
    codec::PutVarint(&members_, m.size());
    members_.append(m);
  }
  void Flush(KeyHandle& h, SetOpCode code) {
    if (!logging_ || count_ == 0) return;
    std::string payload;
    codec::PutU8(&payload, code);
    codec::PutVarint(&payload, count_);
    payload.append(members_);
    h.LogObjectOp(ValueType::kSet, payload);
  }
  size_t count() const { return count_; }

 private:
  bool logging_;
  size_t count_ = 0;
  std::string members_;
};

SetObject* Mutable(KeyHandle& h, Entry* e) { return static_cast<SetObject*>(h.MutableObject(e)); }

const SetObject* SetOf(const Entry* e) { return ValueAs<SetObject>(e); }

// Whether any of members is (want_present) or is not (!want_present) in set: a command that
// would change nothing must not touch the key (WATCH, copy-on-write).
bool AnyChange(const SetObject* set, std::span<const std::string_view> members,
               bool want_present) {
  for (std::string_view m : members) {
    if (set->Contains(m) == want_present) return true;
  }
  return false;
}

}  // namespace

Result<size_t> SetAdd(KeyHandle& h, std::span<const std::string_view> members) {
  Result<Entry*> found = FindEntryAs<SetObject>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) {
    e = h.CreateObject(ObjRef(new SetObject()));
  } else if (!AnyChange(SetOf(e), members, false)) {
    return size_t{0};
  }
  SetObject* set = Mutable(h, e);
  OpLog log(h);
  for (std::string_view m : members) {
    if (set->Add(m)) log.Member(m);
  }
  log.Flush(h, kSetAdd);
  return log.count();
}

Result<size_t> SetRemove(KeyHandle& h, std::span<const std::string_view> members,
                         bool* deleted_key) {
  Result<Entry*> found = FindEntryAs<SetObject>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr || !AnyChange(SetOf(e), members, true)) return size_t{0};
  SetObject* set = Mutable(h, e);
  OpLog log(h);
  for (std::string_view m : members) {
    if (set->Remove(m)) log.Member(m);
    if (set->size() == 0) break;
  }
  log.Flush(h, kSetRemove);
  bool deleted = h.DeleteIfEmpty(e);
  if (deleted_key != nullptr) *deleted_key = deleted;
  return log.count();
}

Status SetPop(KeyHandle& h, size_t count, std::vector<std::string>* popped,
              bool* deleted_key) {
  Result<Entry*> found = FindEntryAs<SetObject>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr || count == 0) return Status::Ok();
  const SetObject* whole = SetOf(e);
  if (count >= whole->size()) {  // everything: logged as one delete
    whole->ForEach([popped](std::string_view m) { popped->emplace_back(m); });
    h.Delete();
    if (deleted_key != nullptr) *deleted_key = true;
    return Status::Ok();
  }
  SetObject* set = Mutable(h, e);
  OpLog log(h);
  for (size_t i = 0; i < count; ++i) {
    popped->push_back(set->Random(FastRandom()));
    set->Remove(popped->back());
    log.Member(popped->back());
  }
  log.Flush(h, kSetRemove);
  return Status::Ok();
}

Result<bool> SetMove(KeyHandle& src, KeyHandle& dst, std::string_view member,
                     SetMoveFn on_step) {
  Result<const SetObject*> from = FindAs<SetObject>(src);
  if (!from.ok()) return from.TakeStatus();
  // A missing source is a no-op even when the destination has another type (as Redis).
  if (*from == nullptr) return false;
  Result<const SetObject*> to = FindAs<SetObject>(dst);
  if (!to.ok()) return to.TakeStatus();
  if (src.key() == dst.key() && src.db() == dst.db()) return (*from)->Contains(member);
  if (!(*from)->Contains(member)) return false;
  std::string_view one[] = {member};
  bool src_deleted = false;
  if (!SetRemove(src, one, &src_deleted).ok()) return Status(Code::kWrongType);
  on_step(SetMoveStep::kRemoved);
  if (src_deleted) on_step(SetMoveStep::kSourceDeleted);
  Result<size_t> added = SetAdd(dst, one);
  if (!added.ok()) return Status(Code::kWrongType);
  if (*added > 0) on_step(SetMoveStep::kAdded);
  return true;
}

bool SetStore(KeyHandle& dst, ObjRef result) {
  if (result->size() == 0) return dst.Delete();
  dst.Put(Value(std::move(result)), 0);
  return true;
}

namespace {

// The sets of an intersection, smallest first; empty when one is missing (empty result).
std::vector<const SetObject*> BySize(std::span<const SetObject* const> sets) {
  std::vector<const SetObject*> sorted(sets.begin(), sets.end());
  if (std::find(sorted.begin(), sorted.end(), nullptr) != sorted.end()) return {};
  std::sort(sorted.begin(), sorted.end(),
            [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
  return sorted;
}

bool InAll(std::span<const SetObject* const> sets, std::string_view m) {
  for (const SetObject* s : sets) {
    if (!s->Contains(m)) return false;
  }
  return true;
}

bool InNone(std::span<const SetObject* const> sets, std::string_view m) {
  for (const SetObject* s : sets) {
    if (s != nullptr && s->Contains(m)) return false;
  }
  return true;
}

// InterOrDiff of intsets: a merge of sorted integers, without spelling each as text to
// look it up. first is the set whose members are kept or dropped, as in InterOrDiff.
MemberList MergeIntsets(SetAlgebra op, const SetObject& first,
                        std::span<const SetObject* const> others) {
  MemberList out;
  std::vector<size_t> cursors(others.size(), 0);
  for (size_t i = 0; i < first.size(); ++i) {
    int64_t v = first.IntegerAt(i);
    size_t found = 0;
    for (size_t k = 0; k < others.size(); ++k) {
      const SetObject& s = *others[k];
      size_t& c = cursors[k];
      while (c < s.size() && s.IntegerAt(c) < v) ++c;
      found += c < s.size() && s.IntegerAt(c) == v ? 1 : 0;
    }
    if (op == SetAlgebra::kInter ? found == others.size() : found == 0) out.AppendInteger(v);
  }
  return out;
}

bool AllIntsets(std::span<const SetObject* const> sets) {
  return std::all_of(sets.begin(), sets.end(), [](const SetObject* s) {
    return s != nullptr && s->kind() == SetObject::Encoding::kIntset;
  });
}

}  // namespace

MemberList InterOrDiff(SetAlgebra op, std::span<const SetObject* const> sets) {
  MemberList out;
  if (AllIntsets(sets) && !sets.empty()) {
    if (op == SetAlgebra::kInter) {
      std::vector<const SetObject*> sorted = BySize(sets);
      return MergeIntsets(op, *sorted[0], std::span(sorted).subspan(1));
    }
    if (op == SetAlgebra::kDiff) return MergeIntsets(op, *sets[0], sets.subspan(1));
  }
  if (op == SetAlgebra::kInter) {
    std::vector<const SetObject*> sorted = BySize(sets);
    if (sorted.empty()) return out;
    std::span<const SetObject* const> rest(sorted.data() + 1, sorted.size() - 1);
    sorted[0]->ForEach([&](std::string_view m) {
      if (InAll(rest, m)) out.Append(m);
    });
  } else if (op == SetAlgebra::kDiff && !sets.empty() && sets[0] != nullptr) {
    sets[0]->ForEach([&](std::string_view m) {
      if (InNone(sets.subspan(1), m)) out.Append(m);
    });
  }
  return out;
}

MemberList InBuiltSetOrder(MemberList members) {
  if (members.size() > LimitOf(encoding_limits().set_max_intset_entries)) return members;
  std::vector<int64_t> ints(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    if (!ParseSetInteger(members[i], &ints[i])) return members;
  }
  std::sort(ints.begin(), ints.end());
  MemberList sorted;
  for (int64_t v : ints) sorted.AppendInteger(v);
  return sorted;
}

ObjRef CombineSets(SetAlgebra op, std::span<const SetObject* const> sets) {
  auto* result = new SetObject();
  ObjRef ref(result);
  if (op == SetAlgebra::kUnion) {
    for (const SetObject* s : sets) {
      if (s != nullptr) s->ForEach([result](std::string_view m) { result->Add(m); });
    }
    return ref;
  }
  // The members are distinct, and known before the first is added: a result that will be a
  // hashtable is sized once instead of growing (and scanning a listpack) on the way.
  MemberList found = InterOrDiff(op, sets);
  std::vector<std::string_view> members(found.size());
  for (size_t i = 0; i < found.size(); ++i) members[i] = found[i];
  result->ExpectDistinctAdds(members);
  for (std::string_view m : members) result->Add(m);
  return ref;
}

size_t InterCard(std::span<const SetObject* const> sets, size_t limit) {
  std::vector<const SetObject*> sorted = BySize(sets);
  if (sorted.empty()) return 0;
  std::span<const SetObject* const> rest(sorted.data() + 1, sorted.size() - 1);
  size_t n = 0;
  // ForEach cannot stop early; past the limit the remaining members are skipped cheaply.
  sorted[0]->ForEach([&](std::string_view m) {
    if ((limit == 0 || n < limit) && InAll(rest, m)) ++n;
  });
  return n;
}

std::string RandomMember(const SetObject& set) { return set.Random(FastRandom()); }

void RandomMembers(const SetObject& set, int64_t count, std::vector<std::string>* out) {
  if (count < 0) {
    for (int64_t i = 0; i < -count; ++i) out->push_back(set.Random(FastRandom()));
    return;
  }
  size_t want = std::min(static_cast<size_t>(count), set.size());
  if (want * 3 >= set.size()) {  // a large share: shuffle the whole set and take a prefix
    std::vector<std::string> all;
    all.reserve(set.size());
    set.ForEach([&all](std::string_view m) { all.emplace_back(m); });
    for (size_t i = 0; i < want; ++i) {
      std::swap(all[i], all[i + FastRandom() % (all.size() - i)]);
      out->push_back(std::move(all[i]));
    }
    return;
  }
  std::unordered_set<std::string> seen;
  while (seen.size() < want) {
    std::string m = set.Random(FastRandom());
    if (seen.insert(m).second) out->push_back(std::move(m));
  }
}

bool ApplySetOp(KeyHandle& h, std::string_view payload) {
  codec::Decoder d(payload);
  uint8_t code = 0;
  uint64_t count = 0;
  // Only effective changes are logged, so an op names at least one member.
  if (!d.U8(&code) || !d.Varint(&count) || count == 0 || count > d.remaining()) return false;
  std::vector<std::string_view> members(count);
  for (std::string_view& m : members) {
    uint64_t len = 0;
    if (!d.Varint(&len) || !d.Bytes(len, &m)) return false;
  }
  if (!d.empty()) return false;
  Result<size_t> n = code == kSetAdd      ? SetAdd(h, members)
                     : code == kSetRemove ? SetRemove(h, members)
                                          : Result<size_t>(Code::kInvalid);
  return n.ok() && *n == count;
  return false;
}

}  // namespace cairn::store
