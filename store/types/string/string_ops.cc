// store/types/string/string_ops.cc — see string_ops.h.
#include "store/types/string/string_ops.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "store/effects.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

bool Fits(uint64_t offset, uint64_t len, uint64_t max_len) {
  return len <= max_len && offset <= max_len - len;
}

// old with patch written at offset; the gap past the old end is zero bytes.
BufRef Patched(std::string_view old, size_t offset, std::string_view patch) {
  size_t size = std::max(old.size(), offset + patch.size());
  Buffer* buf = Buffer::Allocate(size);
  char* out = buf->MutableData();
  if (!old.empty()) std::memcpy(out, old.data(), old.size());
  if (offset > old.size()) std::memset(out + old.size(), 0, offset - old.size());
  std::memcpy(out + offset, patch.data(), patch.size());
  return BufRef(buf);
}

// Redis 7.0's GETRANGE rules: negative indexes count from the end, both are clamped into the
// string. Returns false for an empty range.
bool ClampRange(int64_t start, int64_t end, size_t size, size_t* from, size_t* count) {
  int64_t len = static_cast<int64_t>(size);
  if (start < 0 && end < 0 && start > end) return false;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return false;
  *from = static_cast<size_t>(start);
  *count = static_cast<size_t>(end - start + 1);
  return true;
}

}  // namespace

Result<BufRef> StringGet(KeyHandle& h) {
  Result<const BufRef*> found = FindAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  return *found != nullptr ? **found : BufRef();
}

NewString::NewString(std::string_view key, std::string_view bytes) {
  if (Entry::EmbedsString(key.size(), bytes.size())) {
    entry_.reset(Entry::CreateEmbedded(key, bytes));
  } else {
    buffer_ = BufRef::Copy(bytes);
  }
}

void NewString::Install(KeyHandle& h, int64_t expire_at_ms) {
  if (entry_) {
    h.PutEntry(std::move(entry_), expire_at_ms);
  } else {
    h.Put(StringValue(std::move(buffer_)), expire_at_ms);
  }
}

// The new value was made by the caller before the lock was taken, so the critical section
// is a lookup and a pointer swap. A plain SET does not look first: Put and PutEntry find the
// old entry (expiring it if due) in the one walk of its chain that links the new one.
Result<StringSetResult> StringSet(KeyHandle& h, NewString* value, const StringSetOptions& o) {
  StringSetResult r;
  if (o.get || o.condition != SetCondition::kAlways) {
    Entry* e = h.Find();
    if (o.get && e != nullptr) {
      if (e->value.type != kTypeOf<BufRef>) return Code::kWrongType;
      r.old = e->value.str;
    }
    if ((o.condition == SetCondition::kIfMissing && e != nullptr) ||
        (o.condition == SetCondition::kIfExists && e == nullptr)) {
      return r;
    }
  }
  r.done = true;
  if (o.expire_at_ms > 0 && h.ExpiresAtOnce(o.expire_at_ms)) {
    h.DeleteAsExpired();  // EXAT/PXAT in the past: the new value would expire at once
    r.expired = true;
    return r;
  }
  value->Install(h, o.expire_at_ms);
  return r;
}

Result<BufRef> StringGetDel(KeyHandle& h) {
  Result<BufRef> value = StringGet(h);
  if (value.ok() && *value) h.Delete();
  return value;
}

Result<BufRef> StringGetEx(KeyHandle& h, int64_t expire_at_ms, ExpiryChange* change) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) return BufRef();
  BufRef value = e->value.str;
  ExpiryChange done = ExpiryChange::kNone;
  if (expire_at_ms == 0) {
    if (e->has_expire()) {  // a key without a TTL is left alone: no change, no WATCH abort
      done = ExpiryChange::kRemoved;
      h.SetExpire(e, 0);
    }
  } else if (expire_at_ms > 0 && h.ExpiresAtOnce(expire_at_ms)) {
    h.Delete();
    done = ExpiryChange::kDeleted;
  } else if (expire_at_ms > 0) {
    h.SetExpire(e, expire_at_ms);
    done = ExpiryChange::kSet;
  }
  if (change != nullptr) *change = done;
  return value;
}

void StringGetMany(std::span<KeyHandle> handles, std::span<BufRef> values) {
  for (size_t i = 0; i < handles.size(); ++i) {
    Result<const BufRef*> found = FindAs<BufRef>(handles[i]);
    if (found.ok() && *found != nullptr) values[i] = **found;
  }
}

bool StringSetMany(std::span<KeyHandle> handles, std::span<NewString> values,
                   bool only_if_none_exist, SetEachFn on_set) {
  if (only_if_none_exist) {
    for (KeyHandle& h : handles) {
      if (h.Find() != nullptr) return false;
    }
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    values[i].Install(handles[i], 0);
    on_set(i);
  }
  return true;
}

// Appending extends the value in place when no reader holds it, else builds a new buffer
// with room to grow (store/buffer.h), so repeated APPENDs cost amortized O(1) per byte.
Result<size_t> StringAppend(KeyHandle& h, std::string_view tail, uint64_t max_len) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) {
    h.Put(StringValue(BufRef::Copy(tail)), 0);
    return tail.size();
  }
  size_t head = e->value.str.size();
  if (!Fits(head, tail.size(), max_len)) return Code::kTooLarge;
  h.Append(e, tail);  // logs only the tail
  return head + tail.size();
}

Result<size_t> StringSetRange(KeyHandle& h, uint64_t offset, std::string_view patch,
                              uint64_t max_len) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  std::string_view old = e != nullptr ? e->value.str.view() : std::string_view();
  if (patch.empty()) return old.size();  // nothing to write, no key to create
  // Replay refuses a record reaching past kMaxSetRangeEnd (a forged offset must not size an
  // allocation), so the live op may not reach past it either: the log must always replay.
  if (!Fits(offset, patch.size(), std::min(max_len, kMaxSetRangeEnd))) return Code::kTooLarge;
  BufRef bytes = Patched(old, static_cast<size_t>(offset), patch);
  size_t length = bytes.size();
  h.PutRange(std::move(bytes), offset, patch);  // logs the patch only
  return length;
}

Result<StringSlice> StringGetRange(KeyHandle& h, int64_t start, int64_t end) {
  Result<BufRef> value = StringGet(h);
  if (!value.ok()) return value.TakeStatus();
  StringSlice slice{std::move(*value), {}};
  size_t from = 0, count = 0;
  if (ClampRange(start, end, slice.value.size(), &from, &count)) {
    slice.bytes = slice.value.view().substr(from, count);
  }
  return slice;
}

Status StringRewrite(KeyHandle& h, StringRewriteFn update) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  char scratch[kStringRewriteScratch];
  Result<std::string_view> next = update(e != nullptr ? &e->value.str : nullptr, scratch);
  if (!next.ok()) return next.TakeStatus();
  if (e == nullptr || !h.Overwrite(e, *next)) h.Put(Value(BufRef::Copy(*next)), kKeepTtl);
  return Status::Ok();
}

Result<BufRef> StringUpdate(KeyHandle& h, StringUpdateFn update, StringForm form) {
  Result<const BufRef*> found = FindAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Result<BufRef> next = update(*found);
  if (next.ok()) h.Put(StringValue(*next, form), kKeepTtl);
  return next;
}

}  // namespace cairn::store
