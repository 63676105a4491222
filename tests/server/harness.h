// tests/server/harness.h — runs commands in-process, without a socket: a ServerState, one
// client, and the real dispatcher. Replies come back as text (see reply_text.h).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "resp/output_buffer.h"
#include "resp/writer.h"
#include "src/dispatch.h"
#include "src/server_state.h"
#include "tests/support/reply_text.h"

namespace cairn::test {

class InProcess {
 public:
  explicit InProcess(server::Config config = {}) : state_(config) {
    stats_ = state_.stats.Create();
    state_.clients.Add(&client_);
  }
  ~InProcess() { state_.clients.Remove(&client_); }

  // Runs one command given as separate arguments; returns its reply as text.
  std::string Run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    resp::OutputBuffer out;
    resp::Writer writer(&out, client_.protocol.load());
    server::Execute(state_, client_, *stats_, writer, views);
    std::string bytes = DrainOutput(out);
    size_t pos = 0;
    std::string text;
    if (!DecodeReply(bytes, &pos, &text) || pos != bytes.size()) return "<bad reply: " + bytes + ">";
    return text;
  }
  // Splits on spaces: Cmd("SET a b").
  std::string Cmd(std::string_view line) {
    std::vector<std::string> args;
    size_t i = 0;
    while (i < line.size()) {
      size_t j = line.find(' ', i);
      if (j == std::string_view::npos) j = line.size();
      if (j > i) args.emplace_back(line.substr(i, j - i));
      i = j + 1;
    }
    return Run(args);
  }

  server::ServerState& state() { return state_; }
  server::ClientState& client() { return client_; }
  store::Store& store() { return state_.store; }

 private:
  server::ServerState state_;
  server::ClientState client_;
  server::ThreadStats* stats_;
};

}  // namespace cairn::test
