// src/net/migrate_socket_cache.cc — see migrate_socket_cache.h.
#include "src/net/migrate_socket_cache.h"

#include <chrono>
#include <cstdlib>
#include <utility>
#include <vector>

#include "src/net/blocking_socket.h"

namespace cairn::server {

// A lent connection: the socket, and the cache key it belongs under.
class MigrateSocketCache::Link final : public MigrateLink {
 public:
  Link(std::string key, std::unique_ptr<BlockingSocket> socket)
      : key_(std::move(key)), socket_(std::move(socket)) {}

  LinkIo Send(std::string_view bytes, int64_t timeout_ms) override {
    return socket_->SendAll(bytes, timeout_ms);
  }
  LinkIo ReadLine(std::string* line, int64_t timeout_ms) override {
    return socket_->ReadLine(line, kMaxLineBytes, timeout_ms);
  }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  std::unique_ptr<BlockingSocket> socket_;
};

MigrateSocketCache::MigrateSocketCache() = default;
MigrateSocketCache::~MigrateSocketCache() = default;

int64_t MigrateSocketCache::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

MigrateLink* MigrateSocketCache::Acquire(std::string_view host, std::string_view port,
                                         int64_t timeout_ms) {
  std::string key;
  key.reserve(host.size() + 1 + port.size());
  key.append(host).append(":").append(port);
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(key);
    if (it != slots_.end() && !it->second.lent) {
      it->second.lent = true;
      it->second.last_use_ms = NowMs();
      it->second.last_use = ++uses_;
      return it->second.link.get();
    }
  }
  // Redis reads the port with atoi: "6379abc" is 6379, a word is 0 (and fails to connect).
  int port_number = std::atoi(std::string(port).c_str());
  std::unique_ptr<BlockingSocket> socket =
      BlockingSocket::Connect(std::string(host), port_number, timeout_ms);
  if (socket == nullptr) return nullptr;
  auto link = std::make_unique<Link>(std::move(key), std::move(socket));
  std::lock_guard lock(mu_);
  MigrateLink* lent = link.get();
  if (!CacheLocked(&link, NowMs())) link.release();  // uncached: Release deletes it
  return lent;
}

bool MigrateSocketCache::CacheLocked(std::unique_ptr<Link>* link, int64_t now_ms) {
  if (slots_.contains((*link)->key())) return false;  // another command's, lent or idle
  if (slots_.size() >= kMaxCached) {
    auto oldest = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (!it->second.lent &&
          (oldest == slots_.end() || it->second.last_use < oldest->second.last_use)) {
        oldest = it;
      }
    }
    if (oldest == slots_.end()) return false;
    slots_.erase(oldest);
  }
  std::string key = (*link)->key();
  slots_[std::move(key)] = Slot{std::move(*link), /*lent=*/true, now_ms, ++uses_};
  return true;
}

void MigrateSocketCache::Release(MigrateLink* link, bool healthy) {
  auto* own = static_cast<Link*>(link);
  std::unique_ptr<Link> closing;  // closed after the lock is released
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(own->key());
    if (it == slots_.end() || it->second.link.get() != own) {
      closing.reset(own);  // an uncached connection: it served one command
    } else if (!healthy) {
      closing = std::move(it->second.link);
      slots_.erase(it);
    } else {
      it->second.lent = false;
      it->second.last_use_ms = NowMs();
      it->second.last_use = ++uses_;
    }
  }
}

size_t MigrateSocketCache::cached() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

void MigrateSocketCache::CloseIdle(int64_t now_ms) {
  std::vector<std::unique_ptr<Link>> closing;
  std::lock_guard lock(mu_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (!it->second.lent && now_ms - it->second.last_use_ms > kIdleMs) {
      closing.push_back(std::move(it->second.link));
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace cairn::server
