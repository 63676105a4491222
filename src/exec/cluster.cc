// src/exec/cluster.cc — see cluster.h.
#include "src/exec/cluster.h"

#include <cerrno>
#include <cstdio>
#include <random>
#include <sstream>

#include "resp/number.h"
#include "src/base/config_file.h"

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
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {  // empty: a new node, as Redis
    id_ = NewNodeId();
    return SaveLocked();
  }
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

ClusterState::Saved ClusterState::TakeLocked() const {
  Saved saved{.id = id_, .config_epoch = config_epoch_, .current_epoch = current_epoch_};
  for (size_t i = 0; i < slots_.size(); ++i) saved.words[i] = slots_[i].load();
  return saved;
}

// Rewrites the file for a change already applied; when that fails, the change is undone, so
// a refused request changes nothing (a restart would not have it either).
Status ClusterState::CommitLocked(const Saved& before) {
  Status st = SaveLocked();
  if (st.ok()) return st;
  id_ = before.id;
  config_epoch_ = before.config_epoch;
  current_epoch_ = before.current_epoch;
  for (int s = 0; s < kClusterSlots; ++s) {
    SetSlotLocked(s, (before.words[static_cast<size_t>(s) / 64] >> (s % 64)) & 1);
  }
  return st;
}

Status ClusterState::SetSlots(std::span<const int> slots, bool serve) {
  std::lock_guard lock(mu_);
  std::vector<bool> seen(kClusterSlots);
  for (int s : slots) {
    if (Owns(s) == serve) {
      return Status::Invalid("Slot " + std::to_string(s) +
                             (serve ? " is already busy" : " is already unassigned"));
    }
    if (seen[static_cast<size_t>(s)]) {
      return Status::Invalid("Slot " + std::to_string(s) + " specified multiple times");
    }
    seen[static_cast<size_t>(s)] = true;
  }
  Saved before = TakeLocked();
  for (int s : slots) SetSlotLocked(s, serve);
  return CommitLocked(before);
}

Status ClusterState::FlushSlots() {
  std::lock_guard lock(mu_);
  Saved before = TakeLocked();
  for (int s = 0; s < kClusterSlots; ++s) SetSlotLocked(s, false);
  return CommitLocked(before);
}

Status ClusterState::Reset(bool hard) {
  std::lock_guard lock(mu_);
  Saved before = TakeLocked();
  for (int s = 0; s < kClusterSlots; ++s) SetSlotLocked(s, false);
  if (hard) {
    id_ = NewNodeId();
    config_epoch_ = 0;
    current_epoch_ = 0;
  }
  return CommitLocked(before);
}

// Without other nodes there is no consensus to wait for: the first bump takes a new epoch,
// later ones find this node's epoch already the greatest (Redis's BUMPED / STILL).
Status ClusterState::BumpEpoch(bool* bumped, uint64_t* epoch) {
  std::lock_guard lock(mu_);
  Saved before = TakeLocked();
  *bumped = config_epoch_ == 0 || config_epoch_ != current_epoch_;
  if (*bumped) {
    ++current_epoch_;
    config_epoch_ = current_epoch_;
  }
  Status st = *bumped ? CommitLocked(before) : Status::Ok();
  *epoch = config_epoch_;
  return st;
}

Status ClusterState::SetConfigEpoch(uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (config_epoch_ != 0) return Status::Invalid("Node config epoch is already non-zero");
  Saved before = TakeLocked();
  config_epoch_ = epoch;
  if (current_epoch_ < epoch) current_epoch_ = epoch;
  return CommitLocked(before);
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
  return ReplaceFileAtomically(path_, text);
}

}  // namespace cairn::server
