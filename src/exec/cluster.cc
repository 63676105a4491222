// src/exec/cluster.cc — see cluster.h.
#include "src/exec/cluster.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <sstream>

#include "resp/number.h"

namespace cairn::server {
namespace {

std::string NewNodeId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::mt19937_64 rng((uint64_t{device()} << 32) ^ device());
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() % 16];
  return id;
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool ParseSlot(std::string_view text, int* slot) {
  int64_t n = 0;
  if (!resp::ParseInt64(text, &n) || n < 0 || n >= kClusterSlots) return false;
  *slot = static_cast<int>(n);
  return true;
}

bool ParseEpoch(std::string_view text, uint64_t* epoch) {
  int64_t n = 0;
  if (!resp::ParseInt64(text, &n) || n < 0) return false;
  *epoch = static_cast<uint64_t>(n);
  return true;
}

// Writes text to path through path.tmp: fsync'ed, then renamed over it.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(errno, "opening " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::IoError(err, "writing " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoError(err, "syncing " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError(errno, "renaming " + tmp);
  return Status::Ok();
}

}  // namespace

Status ClusterState::Open(const std::string& path, int port, int bus_port) {
  std::lock_guard lock(mu_);
  enabled_ = true;
  path_ = path;
  port_ = port;
  bus_port_ = bus_port;
  FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) {
    if (errno != ENOENT) return Status::IoError(errno, "opening " + path);
    id_ = NewNodeId();
    return SaveLocked();
  }
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
  std::fclose(f);
  if (Status st = Load(text); !st.ok()) {
    return Status::Invalid(path + ": " + std::string(st.message()));
  }
  return Status::Ok();
}

// Redis's nodes.conf: one line per node ("<id> <ip:port@cport> <flags> <master> <ping>
// <pong> <config-epoch> <link> <slot ranges...>"), then "vars currentEpoch N ...". Only the
// line flagged myself matters here; a file written by a node of a larger cluster loads as
// this node with its own slots.
Status ClusterState::Load(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool found = false;
  while (std::getline(lines, line)) {
    ++number;
    std::vector<std::string_view> w = Words(line);
    if (w.empty()) continue;
    std::string where = "line " + std::to_string(number);
    if (w[0] == "vars") {
      for (size_t i = 1; i + 1 < w.size(); i += 2) {
        if (w[i] == "currentEpoch" && !ParseEpoch(w[i + 1], &current_epoch_)) {
          return Status::Invalid(where + ": a bad currentEpoch");
        }
      }
      continue;
    }
    if (w.size() < 8 || w[0].size() != 40) return Status::Invalid(where + ": not a node line");
    bool myself = false;
    for (std::string_view flags = w[2]; !flags.empty();) {
      size_t comma = flags.find(',');
      if (flags.substr(0, comma) == "myself") myself = true;
      flags = comma == std::string_view::npos ? "" : flags.substr(comma + 1);
    }
    if (!myself) continue;
    if (found) return Status::Invalid(where + ": a second node flagged myself");
    found = true;
    id_ = std::string(w[0]);
    if (!ParseEpoch(w[6], &config_epoch_)) return Status::Invalid(where + ": a bad config epoch");
    for (size_t i = 8; i < w.size(); ++i) {
      if (w[i].starts_with("[")) continue;  // a slot being migrated: not served here
      size_t dash = w[i].find('-');
      int first = 0, last = 0;
      if (!ParseSlot(w[i].substr(0, dash), &first) ||
          (dash != std::string_view::npos && !ParseSlot(w[i].substr(dash + 1), &last))) {
        return Status::Invalid(where + ": a bad slot range '" + std::string(w[i]) + "'");
      }
      if (dash == std::string_view::npos) last = first;
      for (int s = first; s <= last; ++s) SetSlotLocked(s, true);
    }
  }
  if (!found) return Status::Invalid("no node flagged myself");
  return Status::Ok();
}

std::string ClusterState::id() const {
  std::lock_guard lock(mu_);
  return id_;
}

uint64_t ClusterState::config_epoch() const {
  std::lock_guard lock(mu_);
  return config_epoch_;
}

uint64_t ClusterState::current_epoch() const {
  std::lock_guard lock(mu_);
  return current_epoch_;
}

bool ClusterState::ok() const {
  int n = assigned();
  if (n == 0) return false;
  return n == kClusterSlots || !require_full_coverage.load(std::memory_order_relaxed);
}

std::vector<std::pair<int, int>> ClusterState::Ranges() const {
  std::vector<std::pair<int, int>> ranges;
  for (int s = 0; s < kClusterSlots; ++s) {
    if (!Owns(s)) continue;
    if (!ranges.empty() && ranges.back().second == s - 1) {
      ranges.back().second = s;
    } else {
      ranges.emplace_back(s, s);
    }
  }
  return ranges;
}

void ClusterState::SetSlotLocked(int slot, bool on) {
  std::atomic<uint64_t>& word = slots_[static_cast<size_t>(slot) / 64];
  uint64_t bit = uint64_t{1} << (slot % 64);
  uint64_t old = word.load(std::memory_order_relaxed);
  if (((old & bit) != 0) == on) return;
  word.store(on ? old | bit : old & ~bit, std::memory_order_relaxed);
  assigned_.fetch_add(on ? 1 : -1, std::memory_order_relaxed);
}

Status ClusterState::AddSlots(std::span<const int> slots) {
  std::lock_guard lock(mu_);
  std::vector<bool> seen(kClusterSlots);
  for (int s : slots) {
    if (Owns(s)) return Status::Invalid("Slot " + std::to_string(s) + " is already busy");
    if (seen[static_cast<size_t>(s)]) {
      return Status::Invalid("Slot " + std::to_string(s) + " specified multiple times");
    }
    seen[static_cast<size_t>(s)] = true;
  }
  for (int s : slots) SetSlotLocked(s, true);
  return SaveLocked();
}

Status ClusterState::DelSlots(std::span<const int> slots) {
  std::lock_guard lock(mu_);
  std::vector<bool> seen(kClusterSlots);
  for (int s : slots) {
    if (!Owns(s)) return Status::Invalid("Slot " + std::to_string(s) + " is already unassigned");
    if (seen[static_cast<size_t>(s)]) {
      return Status::Invalid("Slot " + std::to_string(s) + " specified multiple times");
    }
    seen[static_cast<size_t>(s)] = true;
  }
  for (int s : slots) SetSlotLocked(s, false);
  return SaveLocked();
}

Status ClusterState::FlushSlots() {
  std::lock_guard lock(mu_);
  for (int s = 0; s < kClusterSlots; ++s) SetSlotLocked(s, false);
  return SaveLocked();
}

Status ClusterState::Reset(bool hard) {
  std::lock_guard lock(mu_);
  for (int s = 0; s < kClusterSlots; ++s) SetSlotLocked(s, false);
  if (hard) {
    id_ = NewNodeId();
    config_epoch_ = 0;
    current_epoch_ = 0;
  }
  return SaveLocked();
}

// Without other nodes there is no consensus to wait for: the first bump takes a new epoch,
// later ones find this node's epoch already the greatest (Redis's BUMPED / STILL).
Status ClusterState::BumpEpoch(bool* bumped, uint64_t* epoch) {
  std::lock_guard lock(mu_);
  *bumped = config_epoch_ == 0 || config_epoch_ != current_epoch_;
  if (*bumped) {
    ++current_epoch_;
    config_epoch_ = current_epoch_;
  }
  *epoch = config_epoch_;
  return *bumped ? SaveLocked() : Status::Ok();
}

Status ClusterState::SetConfigEpoch(uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (config_epoch_ != 0) return Status::Invalid("Node config epoch is already non-zero");
  config_epoch_ = epoch;
  if (current_epoch_ < epoch) current_epoch_ = epoch;
  return SaveLocked();
}

Status ClusterState::Save() {
  std::lock_guard lock(mu_);
  return SaveLocked();
}

Status ClusterState::SaveLocked() {
  std::string line = id_ + " :" + std::to_string(port_) + "@" + std::to_string(bus_port_) +
                     " myself,master - 0 0 " + std::to_string(config_epoch_) + " connected";
  for (auto [first, last] : Ranges()) {
    line += " " + std::to_string(first);
    if (last != first) line += "-" + std::to_string(last);
  }
  std::string text = line + "\nvars currentEpoch " + std::to_string(current_epoch_) +
                     " lastVoteEpoch 0\n";
  return WriteFileAtomically(path_, text);
}

}  // namespace cairn::server
