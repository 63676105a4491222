// store/types/set/set_ops.h — the set family's store operations: each one changes a set through its
// KeyHandle and logs what it did, so the live command and WAL replay (ApplySetOp) run the
// same code. Also the read-side helpers the commands share (set algebra, random members).
//
// WAL op grammar (the family_op of a kOpObject record, wal_format.h):
//   family_op := kSetAdd:u8(1)    count:varint member*    members that were added; creates
//                                                          the key when it is missing
//              | kSetRemove:u8(2) count:varint member*    members that were removed; deletes
//                                                          the key when the set empties
//   count >= 1 (an op that changes nothing is not logged)
//   member    := len:varint bytes
// Only effective changes are logged (SADD of an existing member logs nothing). SPOP logs the
// members it chose (or a key delete when it takes them all), SMOVE a remove and an add in one
// record, and the ...STORE commands a whole new set (kOpSetObject) or a delete.
//
// Threading: call inside Store::Access/AccessMany callbacks (shard locks held).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"
#include "store/function_ref.h"
#include "store/object.h"
#include "store/store.h"
#include "store/types/set/set.h"

namespace cairn::store {

// Reading goes through the typed lookup: FindAs<SetObject>(h) (store/typed.h). Every op
// fails with kWrongType, changing nothing, when a key holds another type.

// SADD: adds members, creating the key; returns how many were new.
Result<size_t> SetAdd(KeyHandle& h, std::span<const std::string_view> members);
// SREM: removes members, deleting the key when it empties; returns how many were there.
// *deleted_key (when given) says whether it deleted the key.
Result<size_t> SetRemove(KeyHandle& h, std::span<const std::string_view> members,
                         bool* deleted_key = nullptr);
// SPOP: removes up to count random members and appends them to *popped; *deleted_key (when
// given) says whether that was all of them, deleting the key.
Status SetPop(KeyHandle& h, size_t count, std::vector<std::string>* popped,
              bool* deleted_key = nullptr);
// SMOVE: moves member from src to dst (both locked; they may be the same key); returns
// whether src held member. kWrongType if either key holds another type. on_step reports
// each change as it happens (keyspace notifications): the removal from src, the deletion of
// src when that emptied it, the addition to dst when dst did not hold member already.
enum class SetMoveStep : uint8_t { kRemoved, kSourceDeleted, kAdded };
using SetMoveFn = detail::FunctionRef<void(SetMoveStep step)>;
Result<bool> SetMove(KeyHandle& src, KeyHandle& dst, std::string_view member,
                     SetMoveFn on_step = [](SetMoveStep) {});
// The ...STORE commands: dst becomes result (a set), or is deleted when result is empty.
// Returns whether dst changed (false only when result is empty and dst was missing).
bool SetStore(KeyHandle& dst, ObjRef result);

// ---- reading (no logging, no change) ----

enum class SetAlgebra : uint8_t { kInter, kUnion, kDiff };
// SINTER / SUNION / SDIFF of sets given in key order (nullptr for a missing key), as a new
// set.
ObjRef CombineSets(SetAlgebra op, std::span<const SetObject* const> sets);
// Members copied into one buffer: an intset spells each integer in a scratch buffer that the
// next one overwrites, so its views cannot be kept.
class MemberList {
 public:
  size_t size() const { return ends_.size(); }
  std::string_view operator[](size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  void Append(std::string_view m) {
    bytes_.append(m);
    ends_.push_back(bytes_.size());
  }
  // An intset member: v in canonical decimal.
  void AppendInteger(int64_t v) {
    char buf[24];
    Append(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  }

 private:
  std::string bytes_;
  std::vector<size_t> ends_;
};
// The members of the intersection (kInter) or difference (kDiff) of sets, as CombineSets
// would hold them, each once, without building a set: an intersection in the order of its
// smallest set (as Redis 7.0's SINTER replies), a difference in the first set's.
MemberList InterOrDiff(SetAlgebra op, std::span<const SetObject* const> sets);
// The order a set built from members visits them in, where that order is defined: ascending
// when they are integers that would make an intset, else as they are. Redis 7.0's SDIFF
// builds its result as a set and replies by walking it, so its small integer differences
// come back sorted.
MemberList InBuiltSetOrder(MemberList members);
// SINTERCARD: the intersection's size, counting stops at limit (0 = no limit).
size_t InterCard(std::span<const SetObject* const> sets, size_t limit);
// SRANDMEMBER with a count: count > 0 distinct members (at most the set's size); count < 0
// |count| members that may repeat. Appends to *out.
void RandomMembers(const SetObject& set, int64_t count, std::vector<std::string>* out);
// SRANDMEMBER / SPOP without a count: one random member.
std::string RandomMember(const SetObject& set);

}  // namespace cairn::store
