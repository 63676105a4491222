// store/types/stream/stream_ops.h — every change to a stream, as store operations that change the value
// and log one op (when the handle logs). The live commands and WAL replay (ApplyStreamOp)
// run the same functions, so replay reproduces the exact state.
//
// Op grammar (the family_op of wal_format.h's kOpObject body):
//   op := kAdd(1)           id n:varint string{2n}          an entry (ID as generated:
//                                                            above the last ID), n >= 1
//       | kDel(2)           n:varint id{n}                  XDEL
//       | kTrim(3)          n:varint                         remove the n oldest entries
//       | kGroupCreate(4)   group id entries_read+1:varint   creates the stream if missing
//       | kGroupDestroy(5)  group
//       | kGroupSetId(6)    group id entries_read+1:varint
//       | kConsumerCreate(7) group consumer now_ms:varint
//       | kConsumerDelete(8) group consumer
//       | kDeliver(9)       group consumer now_ms:varint flags:u8 [last:id entries_read+1]
//                           n:varint id{n}
//               flags bit0: new entries (">"): last-delivered and entries-read are set and,
//               unless bit1 (NOACK), the ids join the PEL owned by consumer at now_ms.
//               Without bit0 the consumer is created if missing, its seen-time set, and
//               the ids (re-read from its PEL) count one more delivery at now_ms.
//       | kAck(10)          group n:varint id{n}
//       | kClaim(11)        group consumer now_ms:varint has_last:u8 [last:id]
//                           n:varint (id delivery_ms:varint delivery_count:varint){n}
//       | kSetId(12)        last:id entries_added:varint max_deleted:id   XSETID's result
//                           (within XSETID's rules: see stream.h)
//   group, consumer, string := len:varint bytes;  id := ms:varint seq:varint
// Times are the store clock of the live command (KeyHandle::now_ms()), logged as facts.
//
// Every function runs inside Store::Access with the key's shard locked; `e` is the key's
// live stream entry (nullptr allowed only where said).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "store/typed.h"
#include "store/types/stream/stream.h"

namespace cairn::store {

// The entry's stream, read-only.
inline const Stream* StreamOf(const Entry* e) {
  return ValueAs<Stream>(e);
}

// Appends an entry; e may be nullptr (creates the key). Returns the (new) entry.
Entry* StreamAdd(KeyHandle& h, Entry* e, StreamId id, std::span<const std::string_view> fv);
// Deletes ids; returns how many existed.
uint64_t StreamDelete(KeyHandle& h, Entry* e, std::span<const StreamId> ids);
// Removes the n oldest entries.
void StreamTrim(KeyHandle& h, Entry* e, uint64_t n);

// XSETID: sets the stream's last ID, entries-added counter and max deleted ID.
void StreamSetId(KeyHandle& h, Entry* e, StreamId last, uint64_t entries_added,
                 StreamId max_deleted);

// Creates group (e may be nullptr: creates an empty stream). False when the group exists.
bool StreamGroupCreate(KeyHandle& h, Entry* e, std::string_view group, StreamId last,
                       int64_t entries_read);
bool StreamGroupDestroy(KeyHandle& h, Entry* e, std::string_view group);
// The group must exist.
void StreamGroupSetId(KeyHandle& h, Entry* e, std::string_view group, StreamId last,
                      int64_t entries_read);
// False when the consumer exists (or the group does not).
bool StreamConsumerCreate(KeyHandle& h, Entry* e, std::string_view group, std::string_view consumer,
                          int64_t now_ms);
// Pending entries the deleted consumer had; -1 when it did not exist.
int64_t StreamConsumerDelete(KeyHandle& h, Entry* e, std::string_view group,
                             std::string_view consumer);

// XREADGROUP's effect on the group (which must exist).
struct StreamDelivery {
  std::string_view group;
  std::string_view consumer;
  int64_t now_ms = 0;   // the delivery time (and the consumer's seen-time)
  bool is_new = false;  // ">": ids are newly delivered; else ids are re-read from the PEL
  bool noack = false;
  StreamId last;  // is_new: the group's new last-delivered ID
  int64_t entries_read = kInvalidEntriesRead;
  std::span<const StreamId> ids;
};
// Returns whether it created the consumer.
bool StreamDeliver(KeyHandle& h, Entry* e, const StreamDelivery& d);
// Acknowledges ids; returns how many were pending.
uint64_t StreamAck(KeyHandle& h, Entry* e, std::string_view group, std::span<const StreamId> ids);

// XCLAIM / XAUTOCLAIM's effect: the PEL entries become consumer's (created if missing, only
// when something is claimed). The group must exist.
struct StreamClaim {
  std::string_view group;
  std::string_view consumer;
  int64_t now_ms = 0;                     // the consumer's seen-time
  const StreamId* last = nullptr;         // LASTID: raise the group's last-delivered ID to it
  std::span<const StreamPending> claims;  // id, delivery_ms, delivery_count (consumer unused)
};
// Returns whether it created the consumer.
bool StreamClaimEntries(KeyHandle& h, Entry* e, const StreamClaim& c);

}  // namespace cairn::store
