// store/types/stream/stream.h — the stream value: an append-only log of entries (ID + field/value pairs)
// and its consumer groups.
//
// Representation. Entries live in packed nodes of at most stream-node-max-entries entries or
// stream-node-max-bytes bytes (store/encoding_limits.h). A node is one
// std::string:
//   node     := nfields:varint (field)* entry*          the master fields: those of its first
//                                                       entry
//   entry    := flags:u8 ms_delta:varint seq:varint body
//   flags    := bit0 deleted | bit1 same fields as the master (body holds values only)
//   seq      := seq - base.seq when ms_delta is 0, else the seq itself
//   body     := values                                   (same fields)
//             | n:varint (field value)*                   (otherwise)
//   string   := len:varint bytes
// IDs are deltas from the node's base (its first entry's ID), so a typical entry costs
// 3-4 bytes plus its values. XDEL marks an entry deleted; a node whose entries are all
// deleted is dropped. Nodes are kept in a vector ordered by base ID (binary search).
//
// Consumer groups (a few per stream, in a vector sorted by name as Redis lists them):
// last-delivered ID, entries-read counter, the PEL (pending entries list) as a vector sorted
// by ID, and consumers (sorted by name) with their seen-time and their count of pending
// entries. A consumer's own pending entries are the PEL entries carrying its id.
//
// Snapshot encoding (Encode / DecodeStreamObject):
//   stream   := version:u8(1) last:id entries_added:varint max_deleted:id n:varint entry*
//               ngroups:varint group*
//   entry    := id n:varint (field value)*
//   group    := name last_delivered:id entries_read+1:varint nconsumers:varint consumer*
//               npel:varint pending*
//   consumer := name seen_ms:varint
//   pending  := id consumer_index:varint delivery_ms:varint delivery_count:varint
//   id       := ms:varint seq:varint
// Decoding holds the bytes to the rules XADD and XSETID keep: entry IDs ascend from above
// 0-0, each entry has n >= 1, last is at least every entry ID, and entries_added at least
// the entry count.
//
// Threading: like every Object, read and changed under its shard lock only.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/object.h"

namespace cairn::store {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamId&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  bool IsMax() const { return ms == UINT64_MAX && seq == UINT64_MAX; }
  static StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The next / previous ID; false at the end of the ID space.
  bool Incr(StreamId* out) const;
  bool Decr(StreamId* out) const;
};

// "<ms>-<seq>".
std::string FormatStreamId(StreamId id);

// entries_read when the group's counter is unknown (Redis's SCG_INVALID_ENTRIES_READ).
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamPending {
  StreamId id;
  uint64_t consumer;    // StreamConsumer::cid
  int64_t delivery_ms;  // unix ms of the last delivery
  uint64_t delivery_count;
};

struct StreamConsumer {
  std::string name;
  uint64_t cid = 0;     // stable id the PEL refers to
  int64_t seen_ms = 0;  // last time it read or claimed
  size_t pending = 0;   // PEL entries it owns
};

struct StreamGroup {
  std::string name;
  StreamId last_delivered;
  int64_t entries_read = kInvalidEntriesRead;
  std::vector<StreamPending> pel;         // sorted by id
  std::vector<StreamConsumer> consumers;  // sorted by name
  uint64_t next_cid = 1;

  StreamConsumer* FindConsumer(std::string_view name);
  const StreamConsumer* FindConsumer(std::string_view name) const;
  const StreamConsumer* ConsumerById(uint64_t cid) const;
  // The consumer named name, created (seen_ms = now_ms) if missing; *created tells.
  StreamConsumer* GetOrCreateConsumer(std::string_view name, int64_t now_ms, bool* created);
  // Removes consumer name and its pending entries; returns how many it had (-1: missing).
  int64_t DeleteConsumer(std::string_view name);
  // The PEL entry for id, or nullptr.
  StreamPending* FindPending(StreamId id);
  // Index of the first PEL entry >= id.
  size_t PendingLowerBound(StreamId id) const;
  // Adds (or reassigns) the PEL entry for id to consumer cid.
  void SetPending(const StreamPending& p);
  // Removes id from the PEL; false when it was not pending.
  bool Ack(StreamId id);
};

class Stream final : public Object {
 public:
  // The ValueType this object is held as (store/typed.h).
  static constexpr ValueType kType = ValueType::kStream;


  Stream() : Object(ValueType::kStream) {}

  size_t size() const override { return length_; }
  ObjRef Clone() const override;
  std::string_view encoding() const override { return "stream"; }
  size_t memory_bytes() const override;
  void Encode(std::string* out) const override;

  StreamId last_id() const { return last_id_; }
  // Packed nodes holding entries (XINFO's radix-tree-keys).
  size_t node_count() const { return nodes_.size(); }
  StreamId max_deleted_id() const { return max_deleted_; }
  uint64_t entries_added() const { return entries_added_; }
  // The first live entry's ID (0-0 when empty).
  StreamId first_id() const;
  // Restores the counters (snapshot decode).
  void SetMeta(StreamId last, uint64_t entries_added, StreamId max_deleted);

  // Appends an entry; id must be greater than last_id(). fv alternates field, value.
  void Add(StreamId id, std::span<const std::string_view> fv);
  // Marks id deleted; false when no live entry has it.
  bool Delete(StreamId id);
  // Removes the n oldest live entries (n <= size()).
  void TrimOldest(uint64_t n);

  // Visits live entries with start <= id <= end in ID order (reverse: descending) while
  // visit returns true. fv alternates field, value; the views die when visit returns.
  using Visitor = std::function<bool(StreamId, std::span<const std::string_view>)>;
  void Range(StreamId start, StreamId end, bool reverse, const Visitor& visit) const;
  // Whether a live entry has id.
  bool Contains(StreamId id) const;

  // How many oldest entries a trim removes. MAXLEN: keep at least threshold entries;
  // MINID: remove entries below threshold_id. approx: whole nodes only (Redis's "~"), and
  // at most limit entries (0 = no limit).
  struct TrimSpec {
    bool minid = false;
    uint64_t maxlen = 0;
    StreamId min_id;
    bool approx = false;
    uint64_t limit = 0;
  };
  uint64_t CountTrim(const TrimSpec& spec) const;

  // Consumer groups.
  StreamGroup* FindGroup(std::string_view name);
  const StreamGroup* FindGroup(std::string_view name) const;
  // Creates a group; nullptr when it exists.
  StreamGroup* CreateGroup(std::string_view name, StreamId last, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const std::vector<StreamGroup>& groups() const { return groups_; }

  // Redis's entries-read bookkeeping: whether an entry at or after id may have been deleted,
  // and the estimated number of entries added up to id (kInvalidEntriesRead if unknown).
  bool RangeHasTombstones(StreamId start) const;
  int64_t EstimateEntriesRead(StreamId id) const;
  // The counter after a group delivered id (XREADGROUP ">").
  int64_t EntriesReadAfter(int64_t entries_read, StreamId id) const;
  // XINFO's lag of a group; false when unknown (nil).
  bool Lag(const StreamGroup& g, int64_t* lag) const;

 private:
  struct Node {
    StreamId base;
    uint32_t live = 0;
    uint32_t total = 0;
    std::string data;
  };
  bool AppendToLast(StreamId id, std::span<const std::string_view> fv);
  void StartNode(StreamId id, std::span<const std::string_view> fv);
  // Index of the node that may hold id (the last node whose base <= id), or npos.
  size_t NodeFor(StreamId id) const;
  void RangeForward(StreamId start, StreamId end, const Visitor& visit) const;
  void RangeReverse(StreamId start, StreamId end, const Visitor& visit) const;

  std::vector<Node> nodes_;
  uint64_t length_ = 0;
  StreamId last_id_;
  uint64_t entries_added_ = 0;
  StreamId max_deleted_;
  std::vector<StreamGroup> groups_;  // sorted by name
};

}  // namespace cairn::store
