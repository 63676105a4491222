// bench/cache_bench.cc — a cache-aside workload against any Redis-protocol server, for the cache
// table of scripts/bench (scripts/bench_cache.py).
//
// Each connection repeats: GET `pipeline` keys drawn from a Zipf distribution over `keys` key
// names, then SET (a `value-size` byte value) each key that missed, as an application caching
// a slower store would. After `warmup-s` seconds the run counts, for `seconds` seconds: GETs,
// hits, SETs and operations per second. With maxmemory below the data set's size the hit
// ratio shows how well the server's eviction keeps the keys that are asked for.
//
// Threads each run one epoll loop over their connections; every connection keeps one batch in
// flight. Raw RESP over plain sockets: no client library.
//
// Usage: cache_bench --port P [--keys N] [--value-size B] [--threads T] [--conns C]
//                    [--pipeline P] [--seconds S] [--warmup-s W] [--zipf-s A] [--seed X]
// Prints one line: gets=... hits=... sets=... ops=... seconds=... ops_per_s=... hit_ratio=...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
  int port = 6379;
  size_t keys = 1000000;
  size_t value_size = 100;
  int threads = 2;
  int conns = 25;  // per thread
  int pipeline = 1;
  double seconds = 10;
  double warmup_s = 5;
  double zipf_s = 0.99;
  uint64_t seed = 1;
};

struct Counts {
  uint64_t gets = 0, hits = 0, sets = 0;
};

// Key ranks drawn with P(rank k) proportional to 1 / k^s; the rank is scattered over the key
// names so hot keys are not neighbours.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t k = 0; k < n; ++k) cdf_[k] = (sum += 1.0 / std::pow(double(k + 1), s));
    for (double& c : cdf_) c /= sum;
  }
  size_t Draw(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    size_t rank = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
    rank = std::min(rank, cdf_.size() - 1);
    return (rank * 2654435761ull) % cdf_.size();
  }

 private:
  std::vector<double> cdf_;
};

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  *out += "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    *out += "$" + std::to_string(a.size()) + "\r\n";
    out->append(a);
    *out += "\r\n";
  }
}

// Parses one reply of the kinds this workload gets (bulk, nil, simple, error) from buf at
// *pos. Returns false when incomplete; *hit says whether it was a non-nil bulk string.
bool ParseReply(const std::string& buf, size_t* pos, bool* hit, bool* error) {
  size_t eol = buf.find("\r\n", *pos);
  if (eol == std::string::npos) return false;
  char type = buf[*pos];
  *hit = false;
  *error = type == '-';
  if (type == '$') {
    long len = std::strtol(buf.c_str() + *pos + 1, nullptr, 10);
    if (len >= 0) {
      if (buf.size() < eol + 2 + size_t(len) + 2) return false;
      *hit = true;
      *pos = eol + 2 + size_t(len) + 2;
      return true;
    }
  }
  *pos = eol + 2;
  return true;
}

struct Conn {
  int fd = -1;
  std::string out, in;
  std::vector<size_t> batch;   // keys of the GETs in flight
  std::vector<size_t> missed;  // keys of the SETs in flight
  size_t awaiting = 0;
  bool setting = false;
};

std::string KeyName(size_t k) { return "key:" + std::to_string(k); }

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("connect");
    std::exit(2);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

class Worker {
 public:
  Worker(const Options& o, const Zipf& zipf, uint64_t seed, const std::atomic<int>* phase)
      : o_(o), zipf_(zipf), rng_(seed), phase_(phase), value_(o.value_size, 'v') {}

  void Run() {
    int ep = epoll_create1(0);
    std::vector<Conn> conns(static_cast<size_t>(o_.conns));
    for (size_t i = 0; i < conns.size(); ++i) {
      conns[i].fd = Connect(o_.port);
      epoll_event ev{EPOLLIN, {.u64 = i}};
      epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
      SendGets(conns[i]);
    }
    std::vector<epoll_event> events(conns.size());
    char chunk[65536];
    while (phase_->load(std::memory_order_relaxed) < 2) {
      int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        Conn& c = conns[events[i].data.u64];
        ssize_t got = read(c.fd, chunk, sizeof(chunk));
        if (got <= 0) {
          std::fprintf(stderr, "cache_bench: connection closed by the server\n");
          std::exit(2);
        }
        c.in.append(chunk, static_cast<size_t>(got));
        Consume(c);
      }
    }
    for (Conn& c : conns) close(c.fd);
    close(ep);
  }

  Counts counts;

 private:
  void Flush(Conn& c) {
    size_t off = 0;
    while (off < c.out.size()) {
      ssize_t w = write(c.fd, c.out.data() + off, c.out.size() - off);
      if (w <= 0) {
        std::perror("write");
        std::exit(2);
      }
      off += static_cast<size_t>(w);
    }
    c.out.clear();
  }

  void SendGets(Conn& c) {
    c.batch.clear();
    for (int i = 0; i < o_.pipeline; ++i) {
      size_t k = zipf_.Draw(rng_);
      c.batch.push_back(k);
      AppendCommand(&c.out, {"GET", KeyName(k)});
    }
    c.awaiting = c.batch.size();
    c.setting = false;
    Flush(c);
  }

  void Consume(Conn& c) {
    size_t pos = 0;
    bool hit = false, error = false;
    bool measuring = phase_->load(std::memory_order_relaxed) == 1;
    while (c.awaiting > 0 && ParseReply(c.in, &pos, &hit, &error)) {
      size_t index = (c.setting ? c.missed.size() : c.batch.size()) - c.awaiting;
      --c.awaiting;
      if (c.setting) {
        counts.sets += measuring;
        continue;
      }
      counts.gets += measuring;
      counts.hits += measuring && hit;
      if (!hit) c.missed.push_back(c.batch[index]);
    }
    c.in.erase(0, pos);
    if (c.awaiting > 0) return;
    if (!c.setting && !c.missed.empty()) {
      for (size_t k : c.missed) AppendCommand(&c.out, {"SET", KeyName(k), value_});
      c.awaiting = c.missed.size();
      c.setting = true;
      Flush(c);
      return;
    }
    c.missed.clear();
    SendGets(c);
  }

  const Options& o_;
  const Zipf& zipf_;
  std::mt19937_64 rng_;
  const std::atomic<int>* phase_;
  std::string value_;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    const char* v = argv[i + 1];
    if (name == "--port") o.port = std::atoi(v);
    else if (name == "--keys") o.keys = std::strtoull(v, nullptr, 10);
    else if (name == "--value-size") o.value_size = std::strtoull(v, nullptr, 10);
    else if (name == "--threads") o.threads = std::atoi(v);
    else if (name == "--conns") o.conns = std::atoi(v);
    else if (name == "--pipeline") o.pipeline = std::atoi(v);
    else if (name == "--seconds") o.seconds = std::atof(v);
    else if (name == "--warmup-s") o.warmup_s = std::atof(v);
    else if (name == "--zipf-s") o.zipf_s = std::atof(v);
    else if (name == "--seed") o.seed = std::strtoull(v, nullptr, 10);
    else {
      std::fprintf(stderr, "cache_bench: unknown option %s\n", name.c_str());
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  Zipf zipf(o.keys, o.zipf_s);
  std::atomic<int> phase{0};  // 0 warm-up, 1 measuring, 2 stop
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(o, zipf, o.seed * 1000 + t, &phase));
  }
  for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));
  phase = 1;
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  phase = 2;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& t : threads) t.join();
  Counts total;
  for (auto& w : workers) {
    total.gets += w->counts.gets;
    total.hits += w->counts.hits;
    total.sets += w->counts.sets;
  }
  uint64_t ops = total.gets + total.sets;
  std::printf("gets=%llu hits=%llu sets=%llu ops=%llu seconds=%.3f ops_per_s=%.0f "
              "hit_ratio=%.4f\n",
              (unsigned long long)total.gets, (unsigned long long)total.hits,
              (unsigned long long)total.sets, (unsigned long long)ops, secs, ops / secs,
              total.gets ? double(total.hits) / double(total.gets) : 0.0);
  return 0;
}
