// tests/server/migrate_socket_cache_test.cc — MIGRATE's connection cache and its blocking
// socket, against a plain listening socket on loopback.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "src/net/migrate_socket_cache.h"

using cairn::server::LinkIo;
using cairn::server::MigrateLink;
using cairn::server::MigrateSocketCache;

namespace {

// A socket listening on a free loopback port; accepts only when asked.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 128) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = std::to_string(ntohs(addr.sin_port));
  }
  ~Listener() { ::close(fd_); }
  const std::string& port() const { return port_; }
  // The next connection made to it (the caller closes it).
  int Accept() { return ::accept(fd_, nullptr, nullptr); }

 private:
  int fd_;
  std::string port_;
};

void Write(int fd, const std::string& bytes) {
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

}  // namespace

TEST_CASE("a cached MIGRATE connection is reused, and a lent one is not shared") {
  Listener target;
  MigrateSocketCache cache;
  MigrateLink* first = cache.Acquire("127.0.0.1", target.port(), 1000);
  REQUIRE(first != nullptr);
  CHECK(cache.cached() == 1);
  MigrateLink* second = cache.Acquire("127.0.0.1", target.port(), 1000);  // first is lent
  REQUIRE(second != nullptr);
  CHECK(second != first);
  cache.Release(second, true);  // an extra connection: closed, never cached
  cache.Release(first, true);
  CHECK(cache.cached() == 1);
  CHECK(cache.Acquire("127.0.0.1", target.port(), 1000) == first);
  cache.Release(first, false);  // failed: dropped
  CHECK(cache.cached() == 0);
}

TEST_CASE("idle MIGRATE connections close after ten seconds; lent ones stay") {
  Listener target;
  MigrateSocketCache cache;
  MigrateLink* link = cache.Acquire("127.0.0.1", target.port(), 1000);
  REQUIRE(link != nullptr);
  int64_t now = MigrateSocketCache::NowMs();
  cache.CloseIdle(now + 20000);
  CHECK(cache.cached() == 1);  // lent
  cache.Release(link, true);
  cache.CloseIdle(now + MigrateSocketCache::kIdleMs - 1000);
  CHECK(cache.cached() == 1);
  cache.CloseIdle(now + MigrateSocketCache::kIdleMs + 1000);
  CHECK(cache.cached() == 0);
}

TEST_CASE("the MIGRATE cache holds at most 64 connections, dropping the least recently used") {
  Listener target;
  MigrateSocketCache cache;
  // The cache keys on host:port as given; Redis reads the port with atoi, so "<port>x<i>" is
  // one more key for the same listener.
  auto key = [&](size_t i) { return target.port() + "x" + std::to_string(i); };
  std::vector<MigrateLink*> links;
  for (size_t i = 0; i <= MigrateSocketCache::kMaxCached; ++i) {
    links.push_back(cache.Acquire("127.0.0.1", key(i), 1000));
    REQUIRE(links.back() != nullptr);
    cache.Release(links.back(), true);
  }
  CHECK(cache.cached() == MigrateSocketCache::kMaxCached);
  // Every connection but the first is still the cached one: the first went.
  for (size_t i = 1; i <= MigrateSocketCache::kMaxCached; ++i) {
    MigrateLink* again = cache.Acquire("127.0.0.1", key(i), 1000);
    CHECK(again == links[i]);
    cache.Release(again, true);
  }
}

TEST_CASE("a MIGRATE connection reads lines, bounds them, and reports timeouts and closes") {
  Listener target;
  MigrateSocketCache cache;
  CHECK(cache.Acquire("no.such.host.invalid", target.port(), 300) == nullptr);
  // Nothing listens on port 1: as in Redis, the refusal shows at the first write.
  MigrateLink* refused = cache.Acquire("127.0.0.1", "1", 300);
  REQUIRE(refused != nullptr);
  CHECK(refused->Send("*1\r\n$4\r\nPING\r\n", 300) == LinkIo::kFailed);
  cache.Release(refused, false);
  CHECK(cache.cached() == 0);
  MigrateLink* link = cache.Acquire("127.0.0.1", target.port(), 1000);
  REQUIRE(link != nullptr);
  int peer = target.Accept();
  REQUIRE(peer >= 0);
  CHECK(link->Send("*1\r\n$4\r\nPING\r\n", 1000) == LinkIo::kOk);
  char buf[64];
  CHECK(::read(peer, buf, sizeof(buf)) == 14);
  Write(peer, "-ERR " + std::string(5000, 'x') + "\r\n+OK\r\n");
  std::string line;
  CHECK(link->ReadLine(&line, 1000) == LinkIo::kOk);
  CHECK(line.size() == MigrateLink::kMaxLineBytes);
  CHECK(line.starts_with("-ERR xxx"));
  CHECK(link->ReadLine(&line, 1000) == LinkIo::kOk);
  CHECK(line == "+OK");
  CHECK(link->ReadLine(&line, 50) == LinkIo::kTimedOut);
  ::close(peer);
  CHECK(link->ReadLine(&line, 1000) == LinkIo::kFailed);
  cache.Release(link, false);
}
