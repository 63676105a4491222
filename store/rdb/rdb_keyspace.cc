// store/rdb/rdb_keyspace.cc — see rdb_keyspace.h.
#include "store/rdb/rdb_keyspace.h"

#include <cerrno>
#include <cstring>
#include <map>

#include "store/bulk_load.h"
#include "store/capture.h"
#include "store/store.h"

namespace cairn::rdb {
namespace {

using store::CapturedEntry;
using store::Store;

// Writes the captured entries grouped by database. Each shard's entries are already in
// database order (the capture walks one database after another), so a cursor per shard
// finds a database's run without sorting.
void WriteKeys(store::Capture& capture, int databases, const std::function<void()>& after_key,
               RdbFileWriter& out, uint64_t* keys) {
  std::vector<size_t> next(capture.entries.size(), 0);
  for (int db = 0; db < databases && out.status().ok(); ++db) {
    uint64_t count = 0, expires = 0;
    for (size_t s = 0; s < capture.entries.size(); ++s) {
      const std::vector<CapturedEntry>& entries = capture.entries[s];
      for (size_t i = next[s]; i < entries.size() && entries[i].db == db; ++i) {
        ++count;
        expires += entries[i].expire_at_ms != 0 ? 1 : 0;
      }
    }
    if (count == 0) continue;
    out.SelectDb(db, count, expires);
    for (size_t s = 0; s < capture.entries.size(); ++s) {
      std::vector<CapturedEntry>& entries = capture.entries[s];
      for (; next[s] < entries.size() && entries[next[s]].db == db; ++next[s]) {
        CapturedEntry& e = entries[next[s]];
        out.Key(e.key, e.value, e.expire_at_ms);
        e.value = store::Value();  // a written collection no longer needs copy-on-write
        if (after_key) after_key();
      }
    }
    *keys += count;
  }
}

class StoreLoader final : public RdbVisitor {
 public:
  StoreLoader(Store& store, const RdbLoadOptions& options, RdbLoadInfo* info)
      : store_(store), options_(options), info_(info) {}

  Status OnFunction(std::string_view code) override {
    ++info_->functions;
    return options_.on_function ? options_.on_function(code) : Status::Ok();
  }

  Status OnKey(RdbKey&& key) override {
    if (key.db < 0 || key.db >= store_.databases()) {
      return Status::Corruption("the file has database " + std::to_string(key.db) +
                                ", beyond the " + std::to_string(store_.databases()) +
                                " configured (databases)");
    }
    if (key.expire_at_ms != 0 && key.expire_at_ms <= options_.now_ms) {
      ++info_->expired;
      return Status::Ok();
    }
    store::UniqueEntry entry(store::Entry::Create(key.key, std::move(key.value)));
    ++info_->loaded;
    return Refused(bulk_.Add(key.db, std::move(entry), key.expire_at_ms));
  }

  Status OnResizeDb(int db, uint64_t keys) override {
    store_.Reserve(db, keys);
    return Status::Ok();
  }

  // Inserts the keys still queued; the load is not done until this succeeds.
  Status Finish() { return Refused(bulk_.Flush()); }

 private:
  static Status Refused(const std::optional<store::BulkLoader::Duplicate>& dup) {
    if (!dup) return Status::Ok();
    return Status::Corruption("the key \"" + dup->key + "\" appears twice in database " +
                              std::to_string(dup->db));
  }

  Store& store_;
  const RdbLoadOptions& options_;
  RdbLoadInfo* info_;
  store::BulkLoader bulk_{store_};
};

// The header, the AUX fields and the function libraries found in meta.
void WriteHead(const RdbSaveOptions& options, const store::MetaMap& meta, RdbFileWriter& out) {
  out.Header();
  for (const auto& [name, value] : options.aux) out.Aux(name, value);
  if (options.function_meta_prefix.empty()) return;
  for (const auto& [name, code] : meta) {
    if (name.rfind(options.function_meta_prefix, 0) == 0) out.Function(code);
  }
}

}  // namespace

Result<RdbSaveInfo> SaveRdb(Store& store, const RdbSaveOptions& options, RdbSink sink) {
  store::Capture capture(Store::kShards);
  if (!store.StartCapture(&capture)) {
    return Status(Code::kBusy,
                  std::string("a snapshot is already running: ") + std::strerror(EBUSY));
  }
  // Without keys the capture ends at once: its cut and metadata, taken together, are all
  // the file needs.
  if (options.keys) {
    for (size_t i = 0; i < Store::kShards; ++i) store.CaptureShard(i);
  }
  store.FinishCapture();
  if (options.on_cut) {
    if (Status st = options.on_cut(capture.lsn); !st.ok()) return st;
  }

  RdbFileWriter out(std::move(sink));
  WriteHead(options, capture.meta, out);
  RdbSaveInfo info;
  info.lsn = capture.lsn;
  if (options.keys) WriteKeys(capture, store.databases(), options.after_key, out, &info.keys);
  if (Status st = out.Finish(); !st.ok()) return st;
  info.bytes = out.bytes();
  return info;
}

Result<RdbSaveInfo> SaveRdbHeld(Store& store, const RdbSaveOptions& options, RdbSink sink) {
  RdbFileWriter out(std::move(sink));
  WriteHead(options, store.Meta(), out);
  RdbSaveInfo info;
  for (int db = 0; db < store.databases() && out.status().ok(); ++db) {
    uint64_t count = 0, expires = 0;
    store.ForEach(db, [&](const store::Entry& e) {
      ++count;
      expires += e.has_expire() ? 1 : 0;
    });
    if (count == 0) continue;
    out.SelectDb(db, count, expires);
    store.ForEach(db, [&](const store::Entry& e) {
      out.Key(e.key(), e.value, e.expire_at_ms);
      if (options.after_key) options.after_key();
    });
    info.keys += count;
  }
  if (Status st = out.Finish(); !st.ok()) return st;
  info.bytes = out.bytes();
  return info;
}

Result<RdbLoadInfo> LoadRdb(Store& store, RdbSource& source, const RdbLoadOptions& options) {
  RdbLoadInfo info;
  StoreLoader loader(store, options, &info);
  Store::ReplayScope replay;  // nothing expires under the load's feet
  Result<RdbReadInfo> read = ReadRdbFile(source, loader);
  // Even after an error, as when keys went in one at a time: the keys read before it go in,
  // and a key met twice before it is the first damage in the file.
  if (Status st = loader.Finish(); !st.ok()) return st;
  if (!read.ok()) return read.TakeStatus();
  info.read = *read;
  return info;
}

}  // namespace cairn::rdb
