// store/types/zset/zset.h — the sorted set value: members ordered by (score, member bytes).
//
// Two representations, as in Redis:
//   - "listpack" (at most zset-max-listpack-entries members, none longer than
//     zset-max-listpack-value bytes; store/encoding_limits.h): one packed buffer of entries
//     sorted by (score, member),
//         entry := head:varint score member        head: member length << 1 | compact
//         score := zigzag:varint                    compact: a whole number of magnitude
//                                                   below 2^53, not -0 (a rank, a timestamp)
//                | f64                              any other score, in the host's order
//     lookups scan it; it is small enough that a scan beats a pointer chase;
//   - "skiplist" (detail/zset_skiplist.h): a skiplist with spans plus a member index, so
//     score lookups are O(1) and rank, rank-to-element and range starts are O(log n).
// A set converts to "skiplist" when it outgrows either limit and never converts back
// (Redis does the same); Decode and the …STORE commands pick the representation afresh.
//
// Every range query is expressed in ranks: CountScoreBelow / CountLexBelow turn a score or
// lex boundary into the rank where it falls, and VisitRanks walks a rank interval in either
// direction.
//
// Snapshot encoding (Encode / DecodeZSetObject):
//   zset  := count:varint entry*       entries in ascending (score, member) order, count >= 1,
//                                      no member twice, no NaN score
//   entry := score:f64le len:varint member      (whatever the representation)
//
// Threading: as every Object (object.h) — read and changed only under its shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/function_ref.h"
#include "store/object.h"
#include "store/types/detail/packed_buffer.h"
#include "store/types/zset/detail/skiplist.h"

namespace cairn::store {

// Visitor of (member, score) pairs; the member view is valid during the call only.
using ZVisitor = detail::FunctionRef<void(std::string_view member, double score)>;

class ZSet final : public Object {
 public:
  // The ValueType this object is held as (store/typed.h).
  static constexpr ValueType kType = ValueType::kZSet;

  ZSet();
  ~ZSet() override;

  size_t size() const override;
  ObjRef Clone() const override;
  std::string_view encoding() const override;
  size_t memory_bytes() const override;
  size_t sampled_memory_bytes(size_t samples) const override;
  void Encode(std::string* out) const override;
  const void* const* ElementSlot(std::string_view member) const override {
    return listpack_ ? nullptr : rep_.list->HomeSlot(member);
  }
  void TouchElement(const void* node) const override {
    if (!listpack_) detail::ZSkipList::TouchMember(static_cast<const detail::ZNode*>(node));
  }

  bool is_listpack() const { return listpack_; }
  // The member's score; false when absent.
  bool Score(std::string_view member, double* score) const;
  // The member's 0-based rank in ascending order; false when absent.
  bool Rank(std::string_view member, size_t* rank) const;
  // Sets member's score, inserting it if absent; returns true when it was inserted. A -0
  // score is kept only in the skiplist form: the listpack form stores it as 0, as Redis's.
  bool Set(std::string_view member, double score);
  // Removes member; returns whether it was there.
  bool Remove(std::string_view member);
  // How many elements have a score below `score` (or equal to it too, when or_equal).
  size_t CountScoreBelow(double score, bool or_equal) const;
  // How many elements have a member below `member` (or equal, when or_equal). Meaningful when
  // all scores are equal, as Redis's lex commands assume.
  size_t CountLexBelow(std::string_view member, bool or_equal) const;
  // Visits the elements of ranks [start, end) (end <= size()), ascending, or from end - 1
  // down to start when reverse.
  void VisitRanks(size_t start, size_t end, bool reverse, ZVisitor visit) const;
  // ZSCAN: visits about `count` elements from cursor (fewer when the index is sparse); returns
  // the next cursor (0: done). A listpack set is visited whole at once. An element present during a
  // whole iteration is visited at least once, whatever the set's growth or conversion
  // meanwhile (detail::ZSkipList::Scan); some may be visited twice.
  uint64_t Scan(uint64_t cursor, size_t count, ZVisitor visit) const;

  // Set for a set being loaded in any order (RDB): -0 scores are kept until the set is
  // complete, as Redis loads a set as a skiplist and converts it afterwards (so a set that
  // stays a listpack reads them as 0). Returns false when member was already there.
  bool Load(std::string_view member, double score);

  // Inserts an element known to sort after every present one (Decode, …STORE builders).
  // keep_sign: built as a skiplist and converted afterwards if small (ZUNIONSTORE...): -0
  // scores survive if the set ends a skiplist. Otherwise built as a listpack that converts
  // when it outgrows one (ZRANGESTORE BYSCORE): the -0s it held until then become 0.
  void Append(std::string_view member, double score, bool keep_sign = true);
  // Makes the set a skiplist whatever its size, its -0 scores kept (a snapshot of a set
  // that was one and held -0, so that a restart reads back the same scores).
  void KeepAsSkipList() {
    if (listpack_) ConvertToSkipList(true);
  }

 private:
  // Offset of member's listpack entry, or npos.
  size_t PackedFind(std::string_view member, double* score) const;
  bool Put(std::string_view member, double score, bool keep_sign);
  void PackedInsert(std::string_view member, double score, bool keep_sign);
  void PackedErase(size_t offset);
  // keep_sign: a bulk build's conversion, which carries -0 scores of packed entries over.
  void ConvertToSkipList(bool keep_sign);

  // One representation lives in rep_: the listpack entries until the set converts, then the
  // skiplist it owns. listpack_ sits in Object's tail padding and the two share their bytes,
  // so a small sorted set's object is 32 bytes.
  bool listpack_ = true;
  union Rep {
    Rep() : packed() {}
    ~Rep() {}  // ZSet's destructor ends the live member
    detail::PackedBuffer packed;  // count(): the entries
    detail::ZSkipList* list;
  } rep_;
};

}  // namespace cairn::store
