// bench/dispatch_bench.cc — what an ACL user costs per command, in-process: SET and GET of
// key:<n> through the dispatcher (lookup, arity, ACL check, store, reply), with no socket, as
// the default user and as ACL users. Without the network a command costs far less than a
// served request, so the ACL share printed here is an upper bound of its share of throughput.
//   build/rel/bench/dispatch_bench
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "resp/output_buffer.h"
#include "resp/writer.h"
#include "src/exec/acl_check.h"
#include "src/exec/command_table.h"
#include "src/exec/dispatch.h"
#include "src/exec/server_state.h"

namespace {

using namespace cairn;

constexpr int kKeys = 100000;

class Dispatcher {
 public:
  // rules: the ACL rules of the user the client authenticates as; empty: the default user.
  explicit Dispatcher(std::string_view rules) : state_(server::Config{}) {
    stats_ = state_.stats.Create();
    state_.clients.Add(&client_);
    if (!rules.empty()) {
      std::vector<std::string> setuser = {"ACL", "SETUSER", "bench", "on", ">pw"};
      for (size_t at = 0; at < rules.size();) {
        size_t end = rules.find(' ', at);
        if (end == std::string_view::npos) end = rules.size();
        setuser.emplace_back(rules.substr(at, end - at));
        at = end + 1;
      }
      Run(setuser);
      Run({"AUTH", "bench", "pw"});
    }
    for (int i = 0; i < kKeys; ++i) Run({"SET", Key(i), "value"});
  }
  ~Dispatcher() { state_.clients.Remove(&client_); }

  void Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    resp::Writer writer(&out_, client_.protocol.load());
    server::Execute(state_, client_, *stats_, writer, views);
    out_.Clear();
  }
  static std::string Key(int i) { return "key:" + std::to_string(i); }
  // The permission check alone, as dispatch makes it for args (command name first).
  bool Permits(const std::vector<std::string_view>& args) {
    const server::CommandSpec* spec = state_.commands.Find(args[0]);
    return server::AclPermits(state_, client_, *spec, args);
  }

 private:
  server::ServerState state_;
  server::ClientState client_;
  server::ThreadStats* stats_;
  resp::OutputBuffer out_;
};

constexpr std::string_view kRules[] = {
    "",                                   // the default user: no ACL check beyond a flag
    "+@all ~* &*",                        // allowed everything
    "+@all -@dangerous ~key:* &*",        // a service user: categories and a key pattern
};

void RunCommand(benchmark::State& state, std::string_view command) {
  Dispatcher d(kRules[state.range(0)]);
  std::vector<std::string> args = {std::string(command), "", "value"};
  if (command == "GET") args.pop_back();
  int i = 0;
  for (auto _ : state) {
    args[1] = Dispatcher::Key(i);
    i = (i + 7919) % kKeys;
    d.Run(args);
  }
  state.SetLabel(state.range(0) == 0 ? "default user" : std::string(kRules[state.range(0)]));
}

void BM_Set(benchmark::State& state) { RunCommand(state, "SET"); }
void BM_Get(benchmark::State& state) { RunCommand(state, "GET"); }

// The check itself, for the service user (the default user and `+@all ~*` skip it: one
// compare of a version number).
void BM_AclCheckSet(benchmark::State& state) {
  Dispatcher d(kRules[2]);
  std::string key = Dispatcher::Key(12345);
  std::vector<std::string_view> args = {"set", key, "value"};
  for (auto _ : state) benchmark::DoNotOptimize(d.Permits(args));
}

BENCHMARK(BM_Set)->DenseRange(0, 2);
BENCHMARK(BM_Get)->DenseRange(0, 2);
BENCHMARK(BM_AclCheckSet);

}  // namespace
