// src/tools/check_wal_main.cc — cairn-check-wal: shows what a WAL directory holds, finds a
// torn tail or corruption, and on request cuts the log back to its good prefix.
//
//   cairn-check-wal [--truncate] DIR
//   cairn-check-wal --show LSN DIR
//
// Prints one line per segment (name, records, LSN range, bytes), then the verdict:
//   ok: N records, last LSN L
//   torn tail: <file> at offset O, B bytes dropped
//   corruption: <file> at offset O: <reason>
// With --truncate, damage is cut off (TruncateWal) and what was cut is printed. With --show,
// the record with that LSN is printed op by op (what recovery names when a record does not
// apply).
// Exit status: 0 when the log is intact or was repaired (and for --help), 1 when it is
// damaged (and not repaired) or could not be read, 2 on usage errors (bad arguments, DIR
// not a directory).
// Run it on a stopped server only: an append in progress looks like a torn tail.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"
#include "store/durability/wal_reader.h"
#include "store/effects.h"

namespace {

namespace wal = cairn::store::wal;
using cairn::Result;
using cairn::Status;

constexpr int kExitOk = 0;
constexpr int kExitDamaged = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: cairn-check-wal [--truncate] DIR\n"
    "       cairn-check-wal --show LSN DIR\n"
    "  Checks the write-ahead log segments in DIR. With --truncate, cuts a torn\n"
    "  tail or corruption off (everything from the damage on is deleted).\n"
    "  With --show, prints the ops of the record with that LSN.\n"
    "  Exit: 0 intact or repaired, 1 damaged or unreadable, 2 usage error.\n";

int Usage(const char* why) {
  std::fprintf(stderr, "cairn-check-wal: %s\n%s", why, kUsage);
  return kExitUsage;
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void PrintSegment(const wal::WalSegmentSummary& s) {
  std::string name(BaseName(s.path));
  if (s.records == 0) {
    std::printf("%s  0 records  LSN -  %" PRIu64 " bytes\n", name.c_str(), s.size_bytes);
    return;
  }
  std::printf("%s  %" PRIu64 " records  LSN %" PRIu64 "-%" PRIu64 "  %" PRIu64 " bytes\n",
              name.c_str(), s.records, s.last_lsn - s.records + 1, s.last_lsn, s.size_bytes);
}

uint64_t TotalRecords(const wal::WalReadResult& r) {
  uint64_t n = 0;
  for (const auto& s : r.segments) n += s.records;
  return n;
}

void PrintDamage(const wal::WalReadResult& r) {
  if (r.state == wal::WalReadState::kTornTail) {
    std::printf("torn tail: %s at offset %" PRIu64 ", %" PRIu64 " bytes dropped\n",
                r.segment.c_str(), r.offset, r.bytes_dropped);
  } else {
    std::printf("corruption: %s at offset %" PRIu64 ": %s\n", r.segment.c_str(), r.offset,
                r.reason.c_str());
  }
}

// Cuts the damage off and says what was cut; returns the exit status.
int Repair(const std::string& dir, const wal::WalReadResult& r) {
  std::vector<std::string> removed;
  Status st = wal::TruncateWal(dir, r, &removed);
  for (const std::string& path : removed) std::printf("removed %s\n", path.c_str());
  if (!st.ok()) {
    std::string message(st.message());
    std::fprintf(stderr, "cairn-check-wal: truncate failed: %s\n", message.c_str());
    return kExitDamaged;
  }
  bool damaged_removed = std::find(removed.begin(), removed.end(), r.segment) != removed.end();
  if (!damaged_removed) {
    std::printf("truncated %s at offset %" PRIu64 "\n", r.segment.c_str(), r.offset);
  }
  std::printf("repaired: %" PRIu64 " records kept, last LSN %" PRIu64 "\n", TotalRecords(r),
              r.last_lsn);
  return kExitOk;
}

int Check(const std::string& dir, bool truncate) {
  Result<std::vector<wal::WalSegment>> listed = wal::ListSegments(dir);
  if (!listed.ok()) {
    std::string message(listed.status().message());
    std::fprintf(stderr, "cairn-check-wal: %s\n", message.c_str());
    return kExitDamaged;
  }
  const std::vector<wal::WalSegment>& all = *listed;
  wal::WalReadResult r = wal::ReadWal(
      dir, 0, [](const wal::WalRecord&) { return true; }, nullptr);
  for (const auto& s : r.segments) PrintSegment(s);
  for (size_t i = r.segments.size(); i < all.size(); ++i) {
    std::string name(BaseName(all[i].path));
    std::printf("%s  not checked (after the damage)\n", name.c_str());
  }
  switch (r.state) {
    case wal::WalReadState::kOk:
    case wal::WalReadState::kStopped:
      std::printf("ok: %" PRIu64 " records, last LSN %" PRIu64 "\n", TotalRecords(r), r.last_lsn);
      return kExitOk;
    case wal::WalReadState::kIoError:
      std::fprintf(stderr, "cairn-check-wal: %s\n", r.reason.c_str());
      return kExitDamaged;
    case wal::WalReadState::kTornTail:
    case wal::WalReadState::kCorrupt:
      break;
  }
  PrintDamage(r);
  return truncate ? Repair(dir, r) : kExitDamaged;
}

// Prints the ops of record lsn; returns the exit status.
int Show(const std::string& dir, uint64_t lsn) {
  bool found = false;
  wal::WalReadResult r = wal::ReadWal(
      dir, lsn - 1,
      [&](const wal::WalRecord& rec) {
        std::printf("record %" PRIu64 " in %s at offset %" PRIu64 ": %zu bytes\n", rec.lsn,
                    std::string(rec.segment).c_str(), rec.offset, rec.payload.size());
        // Every database number decodes here: the server's `databases` is not known.
        for (const std::string& op : cairn::store::DescribeEffects(rec.payload, INT32_MAX)) {
          std::printf("  %s\n", op.c_str());
        }
        found = true;
        return false;  // stop after this one
      },
      nullptr);
  if (found) return kExitOk;
  if (r.state == wal::WalReadState::kTornTail || r.state == wal::WalReadState::kCorrupt) {
    PrintDamage(r);
  }
  std::fprintf(stderr, "cairn-check-wal: no record with LSN %" PRIu64 " in %s\n", lsn, dir.c_str());
  return kExitDamaged;
}

}  // namespace

int main(int argc, char** argv) {
  bool truncate = false;
  uint64_t show_lsn = 0;
  const char* dir = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--truncate") {
      truncate = true;
    } else if (arg == "--show") {
      char* end = nullptr;
      if (i + 1 == argc) return Usage("--show needs an LSN");
      show_lsn = std::strtoull(argv[++i], &end, 10);
      if (show_lsn == 0 || *end != '\0') return Usage("--show needs an LSN (1 or more)");
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage(("unknown option " + std::string(arg)).c_str());
    } else if (dir != nullptr) {
      return Usage("more than one DIR given");
    } else {
      dir = argv[i];
    }
  }
  if (dir == nullptr) return Usage("no DIR given");
  struct stat st;
  if (::stat(dir, &st) != 0) {
    std::fprintf(stderr, "cairn-check-wal: %s: %s\n", dir, std::strerror(errno));
    return kExitUsage;
  }
  if (!S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "cairn-check-wal: %s: not a directory\n", dir);
    return kExitUsage;
  }
  if (show_lsn != 0) return Show(dir, show_lsn);
  return Check(dir, truncate);
}
