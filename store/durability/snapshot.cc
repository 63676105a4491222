// store/durability/snapshot.cc — see snapshot.h for the cut protocol and the file grammar.
#include "store/durability/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "store/durability/log_file.h"
#include "store/durability/wal_format.h"
#include "store/store.h"

namespace cairn::store {
namespace {

using namespace wal;  // NOLINT: the shared encoders and Decoder

constexpr std::string_view kSnapshotMagic = "CAIRNSNP";
constexpr uint32_t kSnapshotVersion = 1;
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
  PutU32(&out.buffer(), static_cast<uint32_t>(store.databases()));
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

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(errno == ENOENT ? ENOENT : EIO, "reading " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Applies the entries between the header and the end marker, counting them in info. On
// failure *left is what remained of the input where the bad entry (or end marker) starts.
bool LoadEntries(Store& store, Decoder& d, SnapshotInfo* info, size_t* left) {
  Store::ReplayScope replay;
  uint64_t* keys = &info->keys;
  int64_t now_ms = store.NowMs();
  for (;;) {
    *left = d.remaining();
    uint8_t tag = 0;
    if (!d.U8(&tag)) return false;
    if (tag == kEndTag) {
      uint64_t count = 0;
      return d.U64(&count) && count == *keys;
    }
    if (tag == kMetaTag) {
      uint64_t nlen = 0, vlen = 0;
      std::string_view name, value;
      if (!d.Lengths(&nlen, &vlen) || !d.Bytes(nlen, &name) || !d.Bytes(vlen, &value)) {
        return false;
      }
      store.SetMeta(name, value);
      continue;
    }
    uint64_t db = 0, klen = 0, vlen = 0, expire = 0;
    uint8_t type = 0;
    std::string_view key, value;
    if (tag != kEntryTag || !d.Varint(&db) || !d.U8(&type) || !d.Lengths(&klen, &vlen) ||
        !d.Bytes(klen, &key) || !d.Bytes(vlen, &value) || !d.Varint(&expire) ||
        db >= static_cast<uint64_t>(store.databases()) ||
        type > static_cast<uint8_t>(ValueType::kStream)) {
      return false;
    }
    Value v;
    if (static_cast<ValueType>(type) == ValueType::kString) {
      v = Value(BufRef::Copy(value));
    } else if (ObjRef obj = DecodeObject(static_cast<ValueType>(type), value)) {
      v = Value(std::move(obj));
    } else {
      return false;
    }
    // A writer visits each key once; a key seen twice is damage that would hide a value.
    bool fresh = store.Access(static_cast<int>(db), key, [&](KeyHandle& h) {
      if (h.Find() != nullptr) return false;
      h.Put(std::move(v), static_cast<int64_t>(expire));
      return true;
    });
    if (!fresh) return false;
    ++*keys;
    if (expire != 0 && static_cast<int64_t>(expire) <= now_ms) ++info->expired;
  }
}

}  // namespace

Result<SnapshotInfo> LoadSnapshot(Store& store, const std::string& dir) {
  std::string path = dir + "/" + kSnapshotFileName;
  Result<std::string> read = ReadFile(path);
  if (!read.ok()) {
    if (read.status().sys_errno() == ENOENT) return SnapshotInfo{};
    return read.TakeStatus();
  }
  const std::string& data = *read;
  SnapshotInfo info;
  info.bytes = data.size();
  uint32_t stored_crc = 0;
  if (data.size() < 4 ||
      !Decoder(std::string_view(data).substr(data.size() - 4)).U32(&stored_crc) ||
      UnmaskCrc(stored_crc) != Crc32c(data.data(), data.size() - 4)) {
    return Damaged(path + " is incomplete or damaged (checksum)");
  }
  Decoder d(std::string_view(data).substr(0, data.size() - 4));
  std::string_view magic;
  uint32_t version = 0, databases = 0;
  if (!d.Bytes(kSnapshotMagic.size(), &magic) || magic != kSnapshotMagic || !d.U32(&version) ||
      version != kSnapshotVersion || !d.U64(&info.lsn) || !d.U32(&databases)) {
    return Damaged(path + " has a bad header");
  }
  size_t body = data.size() - 4, left = 0;
  bool loaded = LoadEntries(store, d, &info, &left);
  if (loaded && !d.empty()) left = d.remaining();  // bytes after the end marker
  if (!loaded || !d.empty()) {
    return Damaged(path + " has a malformed entry at offset " + std::to_string(body - left));
  }
  return info;
}

}  // namespace cairn::store
