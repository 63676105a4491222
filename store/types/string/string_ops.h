// store/types/string/string_ops.h — the string family's store operations: the store side of
// GET, SET and its variants, GETDEL, GETEX, MGET, MSET(NX), APPEND, SETRANGE, GETRANGE, the
// counters (INCRBY, INCRBYFLOAT...) and LCS's reads. A command parses its arguments, calls
// one of these under the key's shard lock, and maps the result to a reply.
//
// A string is an immutable BufRef (store/buffer.h): reading takes a reference, which the
// caller may keep and write out after the lock is released; writing installs a new buffer,
// or changes the bytes in place where no reader holds them (APPEND, SETBIT, the counters).
// A read-modify-write (APPEND, SETRANGE, the counters) reads and installs in one call, so two
// threads changing the same key never lose an update.
//
// Logging: strings have no family op of their own. Each op changes the key through the
// KeyHandle (Put, Delete, SetExpire, Append, PutRange, Overwrite), which logs the core effects of
// store/effects.h (a SET, a delete, an expiry, an append tail, a range patch); replay runs
// those effects, never these functions.
//
// Errors: kWrongType when the key holds another type (nothing changes); kTooLarge when a
// result would exceed the caller's size limit; the counters' codes are their update's.
//
// Threading: call inside Store::Access/AccessMany with the key's handle (shard locked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "store/base/status.h"
#include "store/buffer.h"
#include "store/function_ref.h"
#include "store/store.h"

namespace cairn::store {

// A string value; form says how it was made (OBJECT ENCODING, entry.h).
inline Value StringValue(BufRef bytes, StringForm form = StringForm::kAssigned) {
  return Value(std::move(bytes), form);
}

// GET: a reference to the key's value; a null BufRef when the key is missing.
Result<BufRef> StringGet(KeyHandle& h);

enum class SetCondition : uint8_t { kAlways, kIfMissing, kIfExists };

struct StringSetOptions {
  int64_t expire_at_ms = 0;  // unix ms, 0 for none, or kKeepTtl; past: the key goes
                              // (KeyHandle::ExpiresAtOnce)
  SetCondition condition = SetCondition::kAlways;
  bool get = false;  // GET: check the old value's type and return it
};

struct StringSetResult {
  bool done = false;     // false when the condition (NX, XX) was not met
  bool expired = false;  // done, but the deadline had passed: the key went as it was written
  BufRef old;            // get: the old value (null when the key was missing)
};

// A SET's new value, made by the command before it takes the key's shard lock, so that the
// locked section only links it in. A value that embeds (Entry::EmbedsString: at most
// Buffer::kMaxEmbeddedSize bytes, a key of at most Entry::kMaxEmbeddingKeyLen) is made as
// the key's whole new entry, key and value in one allocation: the only one such a SET makes.
// A longer value is made as a buffer of its own, installed in the key's entry.
//
// Ownership: the caller's, on the calling thread. StringSet takes the entry or buffer only
// when it installs it; what it leaves (NX on an existing key, XX on a missing one, WRONGTYPE
// with GET, an expiry in the past) is freed when the NewString is destroyed — so keep it
// alive past the Access call, and the free happens after the shard lock is released (inside
// MULTI/EXEC, when the command is done, while the transaction still holds its locks).
class NewString {
 public:
  // Copies bytes, the value for key (which must be the key it is installed in).
  NewString(std::string_view key, std::string_view bytes);
  NewString(NewString&&) noexcept = default;
  NewString& operator=(NewString&&) noexcept = default;

 private:
  friend Result<StringSetResult> StringSet(KeyHandle& h, NewString* value,
                                           const StringSetOptions& o);
  friend bool StringSetMany(std::span<KeyHandle> handles, std::span<NewString> values,
                            bool only_if_none_exist, detail::FunctionRef<void(size_t i)> on_set);
  // Installs the value as h's key's (KeyHandle::Put), taking the entry or the buffer.
  void Install(KeyHandle& h, int64_t expire_at_ms);

  UniqueEntry entry_;  // a value that embeds
  BufRef buffer_;      // any other
};

// SET, SETNX, SETEX, PSETEX, GETSET: installs value unless the condition fails (see
// NewString for what it takes). kWrongType only with get, when the old value is not a string
// (then nothing changes).
Result<StringSetResult> StringSet(KeyHandle& h, NewString* value, const StringSetOptions& o);

// GETDEL: the value (null when missing), deleting the key.
Result<BufRef> StringGetDel(KeyHandle& h);

// What GETEX did to an existing key's expiry (keyspace notifications).
enum class ExpiryChange : uint8_t { kNone, kSet, kRemoved, kDeleted };

// GETEX: the value (null when missing), then sets the key's expiry when it exists:
// expire_at_ms kKeepTtl leaves it, 0 removes it (PERSIST), past deletes the key (ExpiresAtOnce).
// *change (when given) says which happened; kRemoved only when the key had an expiry.
Result<BufRef> StringGetEx(KeyHandle& h, int64_t expire_at_ms, ExpiryChange* change = nullptr);

// MGET: a reference to each key's value; null for a missing key or another type.
void StringGetMany(std::span<KeyHandle> handles, std::span<BufRef> values);

// MSET / MSETNX: sets handles[i] to values[i] (made for handles[i]'s key, see NewString)
// with no expiry (a later pair of the same key wins); with only_if_none_exist nothing is set
// when any key exists. Returns whether it set. on_set(i) runs right after handles[i] is set
// (keyspace notifications report each key).
using SetEachFn = detail::FunctionRef<void(size_t i)>;
bool StringSetMany(std::span<KeyHandle> handles, std::span<NewString> values,
                   bool only_if_none_exist, SetEachFn on_set = [](size_t) {});

// APPEND: appends tail (creating the key); returns the new length. The TTL stays. kTooLarge
// when the result would exceed max_len bytes.
Result<size_t> StringAppend(KeyHandle& h, std::string_view tail, uint64_t max_len);

// SETRANGE: writes patch at offset, zero-filling past the old end (creating the key unless
// patch is empty); returns the new length. kTooLarge when offset + |patch| exceeds max_len
// or kMaxSetRangeEnd (what replay accepts, effects.h).
Result<size_t> StringSetRange(KeyHandle& h, uint64_t offset, std::string_view patch,
                              uint64_t max_len);

// GETRANGE: the bytes [start, end] of the value under Redis 7.0's index rules (negative
// counts from the end, clamped into the string). value is null when the key is missing;
// the slice is empty for an empty range.
struct StringSlice {
  BufRef value;
  std::string_view bytes;  // within value
};
Result<StringSlice> StringGetRange(KeyHandle& h, int64_t start, int64_t end);

// INCRBY, INCRBYFLOAT...: update receives the current value (nullptr when the key is missing)
// and returns the new one, or why not (kNotInteger, kOverflow, kNotFloat, kNaN...: nothing
// changes). The new value is installed, as form, with the key's TTL kept and returned. The
// number syntax is the caller's: Redis's rules live with the protocol (resp/number.h).
using StringUpdateFn = detail::FunctionRef<Result<BufRef>(const BufRef* current)>;
Result<BufRef> StringUpdate(KeyHandle& h, StringUpdateFn update,
                            StringForm form = StringForm::kAssigned);

// INCR, DECR, INCRBY, DECRBY: as StringUpdate for a new value that update writes into
// scratch (room for a counter's text) and returns as a view of it. The new bytes replace the
// old ones in place when no reader holds them and they fit (KeyHandle::Overwrite: no
// allocation, and the key keeps its entry, as Redis's INCR keeps its object); else a new
// value is installed as StringUpdate does. Returns the update's error, if any.
using StringRewriteFn =
    detail::FunctionRef<Result<std::string_view>(const BufRef* current, char* scratch)>;
constexpr size_t kStringRewriteScratch = 32;  // the longest int64 text (20) with room to spare
Status StringRewrite(KeyHandle& h, StringRewriteFn update);

}  // namespace cairn::store
