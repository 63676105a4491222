// src/exec/repl_feed.cc — see repl_feed.h. The family op layouts decoded here are the grammars
// at the top of store/types/*/*_ops.h (and their op codes).
#include "src/exec/repl_feed.h"

#include <array>
#include <charconv>
#include <cstring>
#include <forward_list>
#include <set>
#include <utility>
#include <vector>

#include "src/base/small_vector.h"
#include "src/exec/functions.h"
#include "resp/number.h"
#include "store/codec.h"
#include "store/effects.h"
#include "store/object.h"
#include "store/rdb/dump_payload.h"
#include "store/rdb/rdb_object.h"
#include "store/types/hash/hash_ops.h"

namespace cairn::server {
namespace {

using store::EffectView;
using store::ValueType;
using store::codec::Decoder;

// Op codes of the families' grammars (store/types/{list,set,zset,stream}).
enum ListOpCode : uint8_t { kListPush = 1, kListPop, kListSet, kListInsert, kListRem, kListTrim };
enum SetOpCode : uint8_t { kSetAdd = 1, kSetRemove = 2 };
enum ZSetOpCode : uint8_t { kZSetScores = 1, kZSetRemove = 2 };
enum StreamOpCode : uint8_t { kStreamAdd = 1, kStreamDel = 2 };

// One command's arguments: views into the record, plus the numbers and texts it formats
// itself. A record's common commands (a SET, an HSET of a few fields) allocate nothing.
class Argv {
 public:
  Argv() = default;
  Argv(const Argv&) = delete;  // the views may point into this object
  Argv& operator=(const Argv&) = delete;

  Argv& Add(std::string_view arg) {
    args_.push_back(arg);
    return *this;
  }
  Argv& Num(int64_t n) {
    if (nums_used_ == kInlineNums) return Own(std::to_string(n));
    char* buf = nums_[nums_used_++].data();
    return Add(std::string_view(buf, resp::FormatInt64(n, buf)));
  }
  Argv& Own(std::string s) {
    owned_.push_front(std::move(s));
    return Add(owned_.front());
  }
  std::span<const std::string_view> args() const { return args_.span(); }

 private:
  static constexpr size_t kInlineNums = 4;
  SmallVector<std::string_view, 8> args_;
  std::array<std::array<char, resp::kMaxInt64Chars>, kInlineNums> nums_;
  size_t nums_used_ = 0;
  std::forward_list<std::string> owned_;  // nodes never move, and an empty list allocates nothing
};

// The commands of one record, with the SELECTs they need, appended to the caller's string
// as they come: a second command wraps the first in MULTI, Finish closes it with EXEC.
class Batch {
 public:
  Batch(int db, std::string* out) : db_(db), start_db_(db), out_(out), start_(out->size()) {}
  // A command in database db (-1: any database, e.g. FLUSHALL).
  void Add(int db, const Argv& argv) {
    if (++commands_ == 2) out_->insert(start_, kMulti);
    if (db >= 0 && db != db_) {
      std::string_view select_db[] = {"SELECT", {db_text_.data(),
                                                 resp::FormatInt64(db, db_text_.data())}};
      AppendRespCommand(out_, select_db);
      db_ = db;
    }
    AppendRespCommand(out_, argv.args());
  }
  // Drops what was added: the caller sends the record another way.
  void Reset() {
    out_->resize(start_);
    db_ = start_db_;
    commands_ = 0;
  }
  int db() const { return db_; }
  void Finish() {
    if (commands_ > 1) out_->append(kExec);
  }

 private:
  static constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
  static constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
  int db_;
  int start_db_;
  std::string* out_;
  size_t start_;
  int commands_ = 0;
  std::array<char, resp::kMaxInt64Chars> db_text_;
};

bool ReadBytes(Decoder& d, std::string_view* out) {
  uint64_t len = 0;
  return d.Varint(&len) && d.Bytes(len, out);
}

// n length-prefixed strings, each added to argv; n is checked against what is left, so a
// bad count cannot make the loop long.
bool AddStrings(Decoder& d, uint64_t n, Argv* argv) {
  if (n > d.remaining()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (!ReadBytes(d, &s)) return false;
    argv->Add(s);
  }
  return true;
}

std::string StreamIdText(uint64_t ms, uint64_t seq) {
  return std::to_string(ms) + "-" + std::to_string(seq);
}

bool ReadStreamId(Decoder& d, std::string* id) {
  uint64_t ms = 0, seq = 0;
  if (!d.Varint(&ms) || !d.Varint(&seq)) return false;
  *id = StreamIdText(ms, seq);
  return true;
}

// A score Redis reads back to the same double: the shortest round-trip form, "inf"/"-inf".
std::string ScoreText(double score) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, score);
  return std::string(buf, end);
}

bool ListCommand(std::string_view key, Decoder& d, Argv* argv) {
  uint8_t op = 0, flag = 0;
  uint64_t a = 0, b = 0;
  std::string_view elem;
  if (!d.U8(&op)) return false;
  switch (op) {
    case kListPush:
      if (!d.U8(&flag) || !d.Varint(&a)) return false;
      argv->Add(flag == 0 ? "LPUSH" : "RPUSH").Add(key);
      return AddStrings(d, a, argv);
    case kListPop:
      if (!d.U8(&flag) || !d.Varint(&a)) return false;
      argv->Add(flag == 0 ? "LPOP" : "RPOP").Add(key).Num(static_cast<int64_t>(a));
      return true;
    case kListSet:
      if (!d.Varint(&a) || !ReadBytes(d, &elem)) return false;
      argv->Add("LSET").Add(key).Num(static_cast<int64_t>(a)).Add(elem);
      return true;
    case kListRem: {
      if (!d.U8(&flag) || !d.Varint(&a) || !ReadBytes(d, &elem)) return false;
      auto count = static_cast<int64_t>(a);
      argv->Add("LREM").Add(key).Num(flag != 0 ? -count : count).Add(elem);
      return true;
    }
    case kListTrim:
      if (!d.Varint(&a) || !d.Varint(&b)) return false;
      argv->Add("LTRIM").Add(key).Num(static_cast<int64_t>(a)).Num(-static_cast<int64_t>(b) - 1);
      return true;
    default:
      return false;  // kListInsert: by index, which no Redis command takes
  }
}

bool HashCommand(std::string_view key, Decoder& d, Argv* argv) {
  uint8_t op = 0;
  uint64_t n = 0;
  if (!d.U8(&op) || !d.Varint(&n) || n == 0 || n > d.remaining()) return false;
  if (op == store::kHashDel) {
    argv->Add("HDEL").Add(key);
    return AddStrings(d, n, argv);
  }
  if (op != store::kHashSet) return false;
  argv->Add("HSET").Add(key);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t flen = 0, vlen = 0;
    std::string_view field, value;
    if (!d.Lengths(&flen, &vlen) || !d.Bytes(flen, &field) || !d.Bytes(vlen, &value)) {
      return false;
    }
    argv->Add(field).Add(value);
  }
  return true;
}

bool SetCommand(std::string_view key, Decoder& d, Argv* argv) {
  uint8_t op = 0;
  uint64_t n = 0;
  if (!d.U8(&op) || !d.Varint(&n) || n == 0) return false;
  if (op != kSetAdd && op != kSetRemove) return false;
  argv->Add(op == kSetAdd ? "SADD" : "SREM").Add(key);
  return AddStrings(d, n, argv);
}

bool ZSetCommand(std::string_view key, Decoder& d, Argv* argv) {
  uint8_t op = 0;
  uint64_t n = 0;
  if (!d.U8(&op) || !d.Varint(&n) || n == 0 || n > d.remaining()) return false;
  if (op == kZSetRemove) {
    argv->Add("ZREM").Add(key);
    return AddStrings(d, n, argv);
  }
  if (op != kZSetScores) return false;
  argv->Add("ZADD").Add(key);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::string_view member;
    if (!d.U64(&bits) || !ReadBytes(d, &member)) return false;
    double score = 0;
    std::memcpy(&score, &bits, sizeof score);
    argv->Own(ScoreText(score)).Add(member);
  }
  return true;
}

bool StreamCommand(std::string_view key, Decoder& d, Argv* argv) {
  uint8_t op = 0;
  uint64_t n = 0;
  std::string id;
  if (!d.U8(&op)) return false;
  if (op == kStreamAdd) {
    if (!ReadStreamId(d, &id) || !d.Varint(&n) || n == 0 || n > d.remaining()) return false;
    argv->Add("XADD").Add(key).Own(std::move(id));
    return AddStrings(d, 2 * n, argv);
  }
  if (op != kStreamDel || !d.Varint(&n) || n == 0 || n > d.remaining()) return false;
  argv->Add("XDEL").Add(key);
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadStreamId(d, &id)) return false;
    argv->Own(std::move(id));
  }
  return true;
}

// A collection op as one command; false when it has none (the record is sent as state).
bool ObjectCommand(const EffectView& op, Argv* argv) {
  if (op.second.empty()) return false;
  Decoder d(op.second.substr(1));
  bool ok = false;
  switch (static_cast<ValueType>(op.second[0])) {
    case ValueType::kList: ok = ListCommand(op.key, d, argv); break;
    case ValueType::kHash: ok = HashCommand(op.key, d, argv); break;
    case ValueType::kSet: ok = SetCommand(op.key, d, argv); break;
    case ValueType::kZSet: ok = ZSetCommand(op.key, d, argv); break;
    case ValueType::kStream: ok = StreamCommand(op.key, d, argv); break;
    case ValueType::kString: break;
  }
  return ok && d.empty();
}

// RESTORE key ttl payload REPLACE [ABSTTL] for a collection value.
void AddRestore(std::string_view key, const store::Value& value, int64_t expire_at_ms,
                Argv* argv) {
  std::string payload;
  rdb::EncodeObject(value, &payload);
  rdb::AppendDumpFooter(&payload);
  argv->Add("RESTORE").Add(key).Num(expire_at_ms).Own(std::move(payload)).Add("REPLACE");
  if (expire_at_ms > 0) argv->Add("ABSTTL");
}

// Function libraries live in the store's metadata under kFunctionMetaPrefix.
bool MetaCommand(const EffectView& op, Argv* argv) {
  if (!op.key.starts_with(kFunctionMetaPrefix)) return false;
  if (op.op == store::kOpSetMeta) {
    argv->Add("FUNCTION").Add("LOAD").Add("REPLACE").Add(op.second);
  } else {
    argv->Add("FUNCTION").Add("DELETE").Add(op.key.substr(kFunctionMetaPrefix.size()));
  }
  return true;
}

// One op as commands in batch; false when the op has no exact command.
bool AddOp(const EffectView& op, Batch* batch) {
  Argv argv;
  switch (op.op) {
    case store::kOpSet:
      argv.Add("SET").Add(op.key).Add(op.second);
      if (op.number != 0) argv.Add("PXAT").Num(static_cast<int64_t>(op.number));
      break;
    case store::kOpSetKeepTtl: argv.Add("SET").Add(op.key).Add(op.second).Add("KEEPTTL"); break;
    case store::kOpDel: argv.Add("DEL").Add(op.key); break;
    case store::kOpExpire:
      if (op.number == 0) {
        argv.Add("PERSIST").Add(op.key);
      } else {
        argv.Add("PEXPIREAT").Add(op.key).Num(static_cast<int64_t>(op.number));
      }
      break;
    case store::kOpAppend: argv.Add("APPEND").Add(op.key).Add(op.second); break;
    case store::kOpSetRange:
      argv.Add("SETRANGE").Add(op.key).Num(static_cast<int64_t>(op.number)).Add(op.second);
      break;
    case store::kOpRename: argv.Add("RENAME").Add(op.key).Add(op.second); break;
    case store::kOpMove: {
      // MOVE refuses an existing target; the primary's op replaced it.
      Argv del;
      del.Add("DEL").Add(op.key);
      batch->Add(static_cast<int>(op.number), del);
      argv.Add("MOVE").Add(op.key).Num(static_cast<int64_t>(op.number));
      break;
    }
    case store::kOpCopy:
      argv.Add("COPY").Add(op.key).Add(op.second).Add("DB").Num(static_cast<int64_t>(op.number));
      argv.Add("REPLACE");
      break;
    case store::kOpFlushDb: argv.Add("FLUSHDB"); break;
    case store::kOpFlushAll: argv.Add("FLUSHALL"); batch->Add(-1, argv); return true;
    case store::kOpSwapDb:
      argv.Add("SWAPDB").Num(op.db).Num(static_cast<int64_t>(op.number));
      batch->Add(-1, argv);
      return true;
    case store::kOpSetMeta:
    case store::kOpDelMeta:
      if (MetaCommand(op, &argv)) batch->Add(-1, argv);
      return true;
    case store::kOpObject:
      if (!ObjectCommand(op, &argv)) return false;
      break;
    case store::kOpSetObject: {
      if (op.flag != 0 || op.second.empty()) return false;  // KEEPTTL: sent as state
      store::ObjRef obj =
          store::DecodeObject(static_cast<ValueType>(op.second[0]), op.second.substr(1));
      if (!obj) return false;
      store::Value value(std::move(obj));
      AddRestore(op.key, value, static_cast<int64_t>(op.number), &argv);
      break;
    }
    default:
      return false;
  }
  batch->Add(op.db, argv);
  return true;
}

// The record as the keys it leaves behind: whole-database ops first, in order, then each key
// it touched as it is now.
void AddFinalState(store::Store& store, std::span<const EffectView> ops, Batch* batch) {
  std::set<std::pair<int, std::string_view>> keys;
  std::vector<std::pair<int, std::string_view>> order;
  auto note = [&](int db, std::string_view key) {
    if (keys.emplace(db, key).second) order.emplace_back(db, key);
  };
  for (const EffectView& op : ops) {
    switch (op.op) {
      case store::kOpFlushDb:
      case store::kOpFlushAll:
      case store::kOpSwapDb:
      case store::kOpSetMeta:
      case store::kOpDelMeta:
        (void)AddOp(op, batch);
        break;
      case store::kOpRename: note(op.db, op.key); note(op.db, op.second); break;
      case store::kOpMove: note(op.db, op.key); note(static_cast<int>(op.number), op.key); break;
      case store::kOpCopy: note(static_cast<int>(op.number), op.second); break;
      default: note(op.db, op.key); break;
    }
  }
  for (auto [db, key] : order) {
    const store::Entry* e = store.PeekHeld(db, key);
    Argv argv;
    if (e == nullptr) {
      argv.Add("DEL").Add(key);
    } else if (e->value.type == ValueType::kString) {
      argv.Add("SET").Add(key).Own(std::string(e->value.str.view()));
      if (e->has_expire()) argv.Add("PXAT").Num(e->expire_at_ms);
    } else {
      AddRestore(key, e->value, e->expire_at_ms, &argv);
    }
    batch->Add(db, argv);
  }
}

}  // namespace

void AppendRespCommand(std::string* out, std::span<const std::string_view> argv) {
  // "*<n>\r\n" and "$<len>\r\n" are formatted into a stack buffer: no allocation, and one
  // append per header.
  char head[resp::kMaxInt64Chars + 3];
  auto append_header = [&](char kind, size_t n) {
    head[0] = kind;
    char* end = head + 1 + resp::FormatInt64(static_cast<int64_t>(n), head + 1);
    *end++ = '\r';
    *end++ = '\n';
    out->append(head, static_cast<size_t>(end - head));
  };
  append_header('*', argv.size());
  for (std::string_view arg : argv) {
    append_header('$', arg.size());
    out->append(arg);
    out->append("\r\n", 2);
  }
}

bool ReplFeed::Translate(std::string_view payload, std::string* out) {
  thread_local std::vector<EffectView> ops;
  ops.clear();
  if (!store::DecodeEffects(payload, store_.databases(), &ops)) return false;
  Batch batch(db_, out);
  for (const EffectView& op : ops) {
    if (!AddOp(op, &batch)) {
      batch.Reset();
      AddFinalState(store_, ops, &batch);
      break;
    }
  }
  batch.Finish();
  db_ = batch.db();
  return true;
}

}  // namespace cairn::server
