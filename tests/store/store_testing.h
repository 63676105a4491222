// tests/store/store_testing.h — small helpers the store tests share: a scoped encoding limit,
// SET/GET-like calls through Store::Access, the set of keys a database holds, and a recording
// journal.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/journal.h"
#include "store/store.h"
#include "store/types/string/string_ops.h"

namespace cairn::store::testing {

// Sets one encoding limit (store/encoding_limits.h) for the length of a test and puts the old
// value back afterwards (the limits are process-wide).
template <class T>
class ScopedLimit {
 public:
  ScopedLimit(std::atomic<T>& limit, T value) : limit_(limit), old_(limit.load()) {
    limit_.store(value);
  }
  ~ScopedLimit() { limit_.store(old_); }

 private:
  std::atomic<T>& limit_;
  T old_;
};

inline Value StringValue(std::string_view bytes) {
  return Value(BufRef::Copy(bytes));
}

// SET key value [PXAT expire_at_ms].
inline void Set(Store& store, std::string_view key, std::string_view value,
                int64_t expire_at_ms = 0, int db = 0) {
  store.Access(db, key, [&](KeyHandle& h) { h.Put(StringValue(value), expire_at_ms); });
}

// StringSet of bytes on h's key. The new value is made inside the lock here; the server makes
// it before (string_ops.h, NewString).
inline Result<StringSetResult> SetBytes(KeyHandle& h, std::string_view bytes,
                                        const StringSetOptions& o = {}) {
  NewString value(h.key(), bytes);
  return StringSet(h, &value, o);
}

// GET key: the value, or nullopt when the key does not exist (or has expired).
inline std::optional<std::string> Get(Store& store, std::string_view key, int db = 0) {
  return store.Access(db, key, [](KeyHandle& h) -> std::optional<std::string> {
    Entry* e = h.Find();
    if (e == nullptr) return std::nullopt;
    return std::string(e->value.str.view());
  });
}

inline bool Exists(Store& store, std::string_view key, int db = 0) {
  return Get(store, key, db).has_value();
}

// The key's expiry in unix ms (0 for none), or -2 when the key does not exist.
inline int64_t ExpireAt(Store& store, std::string_view key, int db = 0) {
  return store.Access(db, key, [](KeyHandle& h) -> int64_t {
    Entry* e = h.Find();
    return e == nullptr ? -2 : e->expire_at_ms;
  });
}

// A journal that keeps every payload it is given, so a test can replay them into another
// store (ApplyEffects) or look at what was logged.
class RecordingJournal : public Journal {
 public:
  uint64_t Append(std::string_view payload) override {
    records.emplace_back(payload);
    return records.size();
  }
  uint64_t last_lsn() const override { return records.size(); }
  Status SyncThrough(uint64_t lsn) override {
    sync_requests.push_back(lsn);
    return sync_error;
  }
  std::vector<std::string> records;
  std::vector<uint64_t> sync_requests;  // every SyncThrough argument, in order
  Status sync_error;                    // what SyncThrough returns
};

// KEYS *: every live key of db.
inline std::set<std::string> Keys(Store& store, int db = 0) {
  std::set<std::string> keys;
  store.ForEach(db, [&](const Entry& e) { keys.emplace(e.key()); });
  return keys;
}

}  // namespace cairn::store::testing
