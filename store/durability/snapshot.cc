// store/durability/snapshot.cc — see snapshot.h for the cut protocol and the file grammar.
#include "store/durability/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "store/bulk_load.h"
#include "store/durability/file_window.h"
#include "store/durability/log_file.h"
#include "store/durability/wal_format.h"
#include "store/store.h"

namespace cairn::store {
namespace {

using namespace wal;  // NOLINT: the shared encoders and Decoder

constexpr std::string_view kSnapshotMagic = "CAIRNSNP";
constexpr uint32_t kSnapshotVersion = 2;  // 1: without the key counts (still read)
// The fewest bytes an entry takes (tag, db, type, lengths, expiry): what bounds the key
// counts a header may declare against the file's size.
constexpr uint64_t kMinEntryBytes = 5;
constexpr uint8_t kEntryTag = 1;
constexpr uint8_t kMetaTag = 2;
constexpr uint8_t kEndTag = 0xFF;
constexpr size_t kFlushBytes = 1 << 20;

// "writing <tmp>: No space left on device": the step that failed and the OS's reason.
Status Failed(const Status& st, const std::string& step) {
  if (st.code() == Code::kIoError) return Status::IoError(st.sys_errno(), step);
  return Status(st.code(), step + ": " + std::string(st.message()));
}

// A damaged file; the message ends in strerror(EBADMSG), the wording of cairn's startup errors.
Status Damaged(const std::string& what) {
  return Status::Corruption(what + ": " + std::strerror(EBADMSG));
}

// Streams the file through one buffer, keeping the running CRC of everything written.
class SnapshotFile {
 public:
  explicit SnapshotFile(std::unique_ptr<LogFile> file) : file_(std::move(file)) {}
  std::string& buffer() { return buf_; }
  Status FlushIfFull() { return buf_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    crc_ = Crc32c(buf_.data(), buf_.size(), crc_);
    Status st = file_->Append(buf_);
    bytes_ += buf_.size();
    buf_.clear();
    return st;
  }
  uint32_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }
  LogFile& file() { return *file_; }

 private:
  std::unique_ptr<LogFile> file_;
  std::string buf_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
};

void EncodeEntry(std::string* out, const CapturedEntry& e) {
  PutU8(out, kEntryTag);
  PutVarint(out, static_cast<uint64_t>(e.db));
  PutU8(out, static_cast<uint8_t>(e.value.type));
  std::string encoded;
  std::string_view value;
  if (e.value.is_string()) {
    value = e.value.str.view();
  } else {
    e.value.obj->Encode(&encoded);
    value = encoded;
  }
  PutLengths(out, e.key.size(), value.size());
  out->append(e.key);
  out->append(value);
  PutVarint(out, static_cast<uint64_t>(e.expire_at_ms));
}

bool Cancelled(const SnapshotOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

// Captures and writes every shard; the caller has started the capture.
Status WriteEntries(Store& store, Capture& capture, SnapshotFile& out, uint64_t* keys,
                    const SnapshotOptions& options) {
  for (size_t i = 0; i < Store::kShards; ++i) {
    store.CaptureShard(i);
    std::vector<CapturedEntry> entries;
    entries.swap(capture.entries[i]);  // complete: captured under the shard lock
    for (const CapturedEntry& e : entries) {
      EncodeEntry(&out.buffer(), e);
      if (Status st = out.FlushIfFull(); !st.ok()) return st;
      if (options.keys_written != nullptr) {
        options.keys_written->store(options.keys_written->load(std::memory_order_relaxed) + 1,
                                    std::memory_order_relaxed);
      }
      if (Cancelled(options)) return Status::IoError(ECANCELED, "the snapshot was cancelled");
      if (options.after_key) options.after_key();  // a delay: a cancel meanwhile counts too
      if (Cancelled(options)) return Status::IoError(ECANCELED, "the snapshot was cancelled");
    }
    *keys += entries.size();
  }
  return Status::Ok();
}

}  // namespace

Result<SnapshotInfo> WriteSnapshot(Store& store, const std::string& dir,
                                   const SnapshotOptions& options) {
  std::string tmp = dir + "/" + kSnapshotFileName + ".tmp";
  std::string final_path = dir + "/" + kSnapshotFileName;
  ::unlink(tmp.c_str());
  Result<std::unique_ptr<LogFile>> file = OpenPosixLogFile(tmp);
  if (!file.ok()) return Failed(file.status(), "creating " + tmp);
  Capture capture(Store::kShards);
  if (!store.StartCapture(&capture)) {
    return Status(Code::kBusy, std::string("a snapshot is already running: ") +
                                   std::strerror(EBUSY));
  }
  SnapshotFile out(std::move(file).value());
  out.buffer() = std::string(kSnapshotMagic);
  PutU32(&out.buffer(), kSnapshotVersion);
  PutU64(&out.buffer(), capture.lsn);
  PutU32(&out.buffer(), static_cast<uint32_t>(capture.db_keys.size()));
  for (uint64_t keys : capture.db_keys) PutU64(&out.buffer(), keys);
  SnapshotInfo info;
  info.lsn = capture.lsn;
  info.changes = capture.changes;
  Status st = WriteEntries(store, capture, out, &info.keys, options);
  store.FinishCapture();
  for (const auto& [name, value] : capture.meta) {
    PutU8(&out.buffer(), kMetaTag);
    PutLengths(&out.buffer(), name.size(), value.size());
    out.buffer().append(name);
    out.buffer().append(value);
  }
  if (st.ok()) {
    PutU8(&out.buffer(), kEndTag);
    PutU64(&out.buffer(), info.keys);
    st = out.Flush();
  }
  if (st.ok()) {
    std::string crc;
    PutU32(&crc, MaskCrc(out.crc()));
    st = out.file().Append(crc);
  }
  if (st.ok()) st = out.file().Sync();
  // Published only once the log holds every record up to the cut: a crash can then never
  // leave a snapshot that is ahead of the log, which recovery could not tell from damage.
  Journal* journal = store.journal();  // once: CONFIG SET appendonly may change it
  if (st.ok() && journal != nullptr) st = journal->SyncThrough(capture.lsn);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return Failed(st, "writing " + tmp);
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    return Status::IoError(errno, "renaming " + tmp);
  }
  if (Status synced = SyncDir(dir); !synced.ok()) return Failed(synced, "syncing " + dir);
  info.bytes = out.bytes() + 4;
  return info;
}

namespace {

// One item of the file after the header, decoded from the window's bytes.
struct Item {
  uint8_t tag = 0;
  uint64_t db = 0, expire = 0, count = 0;
  uint8_t type = 0;
  std::string_view key, value;  // an entry's (a meta item's name and value)
};

// Decodes the item at d; false if d does not hold all of it or it does not decode.
bool DecodeItem(Decoder& d, Item* it) {
  if (!d.U8(&it->tag)) return false;
  if (it->tag == kEndTag) return d.U64(&it->count);
  uint64_t klen = 0, vlen = 0;
  if (it->tag == kMetaTag) {
    return d.Lengths(&klen, &vlen) && d.Bytes(klen, &it->key) && d.Bytes(vlen, &it->value);
  }
  return it->tag == kEntryTag && d.Varint(&it->db) && d.U8(&it->type) &&
         d.Lengths(&klen, &vlen) && d.Bytes(klen, &it->key) && d.Bytes(vlen, &it->value) &&
         d.Varint(&it->expire);
}

// An item's head: its tag and, for an entry or meta item, what precedes its key (the db
// varint, the type, the packed lengths). Never longer than this.
constexpr size_t kMaxItemHead = 1 + 10 + 1 + 17;
constexpr size_t kMaxVarint = 10;

// From the head at d, the item's size: at least *least bytes, at most *most. False if the
// head does not decode (a short head can only be the file's end) or declares more than
// `left` bytes.
bool ItemSize(Decoder d, uint64_t left, uint64_t* least, uint64_t* most) {
  size_t start = d.remaining();
  uint8_t tag = 0, type = 0;
  uint64_t db = 0, klen = 0, vlen = 0;
  if (!d.U8(&tag)) return false;
  if (tag == kEndTag) {
    *least = *most = 1 + 8;
    return *least <= left;
  }
  bool head = tag == kMetaTag   ? d.Lengths(&klen, &vlen)
              : tag == kEntryTag ? d.Varint(&db) && d.U8(&type) && d.Lengths(&klen, &vlen)
                                 : false;
  if (!head || klen > left || vlen > left) return false;  // the sum below cannot overflow
  uint64_t tail = tag == kEntryTag ? 1 : 0;                // the expiry varint, 1 to 10 bytes
  *least = (start - d.remaining()) + klen + vlen + tail;
  *most = *least + (tail == 0 ? 0 : kMaxVarint - 1);
  return *least <= left;
}

// Decodes the item at the window's position into *it (its views valid until the next Fill)
// and moves past it. Its head says how long it is, so one Fill brings in all of it; false
// when no item can be read there (damage: the CRC held, but no writer makes such a file).
Result<bool> NextItem(FileWindow& w, Item* it) {
  if (Status st = w.Fill(kMaxItemHead); !st.ok()) return st;
  uint64_t least = 0, most = 0;
  if (!ItemSize(Decoder(w.available()), w.left(), &least, &most)) return false;
  if (Status st = w.Fill(static_cast<size_t>(std::min(most, w.left()))); !st.ok()) return st;
  std::string_view bytes = w.available();
  Decoder d(bytes);
  if (!DecodeItem(d, it)) return false;
  w.Consume(bytes.size() - d.remaining());
  return true;
}

// Makes the entry of one item; null if it cannot be (a bad database or type, or a value
// that does not decode). A short string goes straight into the entry, as a SET's does.
UniqueEntry MakeEntry(const Store& store, const Item& it) {
  if (it.db >= static_cast<uint64_t>(store.databases()) ||
      it.type > static_cast<uint8_t>(ValueType::kStream)) {
    return nullptr;
  }
  if (static_cast<ValueType>(it.type) == ValueType::kString) {
    if (Entry::EmbedsString(it.key.size(), it.value.size())) {
      return UniqueEntry(Entry::CreateEmbedded(it.key, it.value));
    }
    return UniqueEntry(Entry::Create(it.key, Value(BufRef::Copy(it.value))));
  }
  ObjRef obj = DecodeObject(static_cast<ValueType>(it.type), it.value);
  if (!obj) return nullptr;
  return UniqueEntry(Entry::Create(it.key, Value(std::move(obj))));
}

// Applies the items between the header and the end marker, counting them in info. Returns
// the offset of the first item that is bad (or of bytes after the end marker); none when
// every item loaded. A writer visits each key once: a key seen twice is damage that would
// hide a value.
Result<std::optional<uint64_t>> LoadEntries(Store& store, FileWindow& w, SnapshotInfo* info) {
  Store::ReplayScope replay;
  BulkLoader bulk(store);
  // The first damage in file order: a key met twice, still queued, comes before a later one.
  auto bad_at = [&](uint64_t offset) {
    std::optional<BulkLoader::Duplicate> dup = bulk.Flush();
    return std::optional<uint64_t>(dup ? dup->tag : offset);
  };
  int64_t now_ms = store.NowMs();
  for (;;) {
    uint64_t at = w.offset();
    Item it;
    Result<bool> next = NextItem(w, &it);
    if (!next.ok()) return next.TakeStatus();  // a read failed: that is what startup reports
    if (!*next) return bad_at(at);
    if (it.tag == kEndTag) {
      if (auto dup = bulk.Flush()) return std::optional<uint64_t>(dup->tag);
      if (it.count != info->keys) return std::optional<uint64_t>(at);
      if (w.left() != 0) return std::optional<uint64_t>(w.offset());  // nothing may follow
      return std::optional<uint64_t>();
    }
    if (it.tag == kMetaTag) {
      store.SetMeta(it.key, it.value);
      continue;
    }
    UniqueEntry entry = MakeEntry(store, it);
    if (!entry) return bad_at(at);
    ++info->keys;
    if (it.expire != 0 && static_cast<int64_t>(it.expire) <= now_ms) ++info->expired;
    int db = static_cast<int>(it.db);
    if (auto dup = bulk.Add(db, std::move(entry), static_cast<int64_t>(it.expire), at)) {
      return std::optional<uint64_t>(dup->tag);
    }
  }
}

// Checks the CRC of a file of size bytes: a first pass through it, so that nothing is
// loaded from a file that turns out damaged further on.
Status CheckFile(int fd, uint64_t size, const std::string& path) {
  char tail[4];
  if (size < sizeof(tail)) return Damaged(path + " is incomplete or damaged (checksum)");
  if (Status st = ReadExactly(fd, tail, sizeof(tail), size - 4, path); !st.ok()) return st;
  uint32_t stored_crc = 0;
  (void)Decoder(std::string_view(tail, sizeof(tail))).U32(&stored_crc);  // 4 bytes: decodes
  Result<uint32_t> crc = ChecksumOf(fd, size - 4, path);
  if (!crc.ok()) return crc.TakeStatus();
  if (UnmaskCrc(stored_crc) != *crc) return Damaged(path + " is incomplete or damaged (checksum)");
  return Status::Ok();
}

// Version 2's key counts, after the fixed header: each database's tables are sized for its
// count. The counts together are held to what the rest of the file can hold, so false
// counts cost no more than true ones for a file of that size.
Status ReserveTables(Store& store, FileWindow& w, uint32_t databases, const std::string& path) {
  uint64_t bytes = uint64_t{databases} * 8;
  if (bytes > w.left()) return Damaged(path + " has a bad header");
  if (Status st = w.Fill(static_cast<size_t>(bytes)); !st.ok()) return st;
  Decoder d(w.available());
  uint64_t room = (w.left() - bytes) / kMinEntryBytes;
  for (uint32_t db = 0; db < databases; ++db) {
    uint64_t keys = 0;
    (void)d.U64(&keys);  // the window holds them all
    if (db >= static_cast<uint32_t>(store.databases())) continue;
    keys = std::min(keys, room);
    room -= keys;
    store.Reserve(static_cast<int>(db), keys);
  }
  w.Consume(static_cast<size_t>(bytes));
  return Status::Ok();
}

// Reads magic, version, cut and database count at the window's start (and version 2's key
// counts, sizing the tables by them).
Status ReadHeader(Store& store, FileWindow& w, const std::string& path, SnapshotInfo* info) {
  constexpr size_t kHeaderBytes = kSnapshotMagic.size() + 4 + 8 + 4;
  if (Status st = w.Fill(kHeaderBytes); !st.ok()) return st;
  Decoder d(w.available());
  std::string_view magic;
  uint32_t version = 0, databases = 0;
  if (!d.Bytes(kSnapshotMagic.size(), &magic) || magic != kSnapshotMagic || !d.U32(&version) ||
      (version != 1 && version != kSnapshotVersion) || !d.U64(&info->lsn) ||
      !d.U32(&databases)) {
    return Damaged(path + " has a bad header");
  }
  w.Consume(kHeaderBytes);
  return version == 1 ? Status::Ok() : ReserveTables(store, w, databases, path);
}

// Checks the whole file, then loads it in a second pass through a window of it.
Result<SnapshotInfo> LoadSnapshotFile(Store& store, int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::IoError(errno, "reading " + path);
  auto size = static_cast<uint64_t>(st.st_size);
  // Both passes read front to back: ask for a larger read-ahead.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // advice: its failure is harmless
  if (Status checked = CheckFile(fd, size, path); !checked.ok()) return checked;
  SnapshotInfo info;
  info.bytes = size;
  FileWindow w(fd, size - 4, path);  // the entries end where the CRC starts
  if (Status header = ReadHeader(store, w, path, &info); !header.ok()) return header;
  Result<std::optional<uint64_t>> bad = LoadEntries(store, w, &info);
  if (!bad.ok()) return bad.TakeStatus();
  if (*bad) return Damaged(path + " has a malformed entry at offset " + std::to_string(**bad));
  return info;
}

}  // namespace

Result<SnapshotInfo> LoadSnapshot(Store& store, const std::string& dir) {
  std::string path = dir + "/" + kSnapshotFileName;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return SnapshotInfo{};
    return Status::IoError(errno, "reading " + path);
  }
  Result<SnapshotInfo> loaded = LoadSnapshotFile(store, fd, path);
  ::close(fd);
  return loaded;
}

}  // namespace cairn::store
