// tests/server/harness.h — runs commands in-process, without a socket: a ServerState, one
// client, and the real dispatcher. Replies come back as text (see reply_text.h).
//
// BlockingClient adds a client whose commands may block (BLPOP, XREADGROUP ... BLOCK), as a
// connection's do; clients blocked on a key are served after each command that writes it,
// as Connection::RunCommand does.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/output_buffer.h"
#include "resp/writer.h"
#include "src/exec/blocking.h"
#include "src/exec/dispatch.h"
#include "src/exec/server_state.h"
#include "store/journal.h"
#include "tests/support/reply_text.h"

namespace cairn::test {

// "SET a b" -> {"SET", "a", "b"}.
inline std::vector<std::string> SplitCommand(std::string_view line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) args.emplace_back(line.substr(i, j - i));
    i = j + 1;
  }
  return args;
}

// One reply's bytes as text, or "<bad reply: ...>".
inline std::string ReplyText(const std::string& bytes) {
  size_t pos = 0;
  std::string text;
  if (!DecodeReply(bytes, &pos, &text) || pos != bytes.size()) return "<bad reply: " + bytes + ">";
  return text;
}

// A configuration with DEBUG enabled (enable-debug-command yes), for tests that use it:
// like Redis, the server refuses DEBUG by default.
inline server::Config WithDebug() {
  server::Config config;
  config.enable_debug_command = "yes";
  return config;
}

class InProcess {
 public:
  explicit InProcess(server::Config config = {}) : state_(config) {
    stats_ = state_.stats.Create();
    state_.clients.Add(&client_);
    state_.blocking.set_deliver(
        [this](server::Delivery d) { served_[d.client_id].push_back(ReplyText(d.reply)); });
  }
  ~InProcess() { state_.clients.Remove(&client_); }

  // Runs one command given as separate arguments; returns its reply as text.
  std::string Run(std::vector<std::string> args) {
    resp::OutputBuffer out;
    Execute(client_, args, &out, nullptr);
    return ReplyText(DrainOutput(out));
  }
  // Splits on spaces: Cmd("SET a b").
  std::string Cmd(std::string_view line) { return Run(SplitCommand(line)); }

  // Runs args for client, then serves the clients blocked on keys it wrote.
  void Execute(server::ClientState& client, const std::vector<std::string>& args,
               resp::OutputBuffer* out, server::BlockRequest* block) {
    std::vector<std::string_view> views(args.begin(), args.end());
    resp::Writer writer(out, client.protocol.load());
    server::Execute(state_, client, *stats_, writer, views, block);
    if (server::BlockingRegistry::HasReady()) state_.blocking.ServeReady(state_, *stats_);
  }
  // Replies the blocking registry served to client_id since the last call, oldest first.
  std::vector<std::string> TakeServed(uint64_t client_id) {
    std::vector<std::string> replies;
    replies.swap(served_[client_id]);
    return replies;
  }

  server::ServerState& state() { return state_; }
  server::ClientState& client() { return client_; }
  server::ThreadStats& stats() { return *stats_; }
  store::Store& store() { return state_.store; }

 private:
  server::ServerState state_;
  server::ClientState client_;
  server::ThreadStats* stats_;
  std::unordered_map<uint64_t, std::vector<std::string>> served_;
};

// Another client of an InProcess server, whose commands may block.
class BlockingClient {
 public:
  BlockingClient(InProcess& server, uint64_t id) : server_(server) { client_.id = id; }
  ~BlockingClient() {
    if (waiter_ != nullptr) server_.state().blocking.Cancel(waiter_.get());
  }

  // The reply, or "<blocked>" when the command now waits for a key.
  std::string Run(const std::vector<std::string>& args) {
    resp::OutputBuffer out;
    server::BlockRequest block;
    server_.Execute(client_, args, &out, &block);
    if (!block.requested) return ReplyText(DrainOutput(out));
    auto w = std::make_shared<server::Waiter>();
    w->client_id = client_.id;
    w->client = &client_;
    w->spec = client_.last_command.load();
    w->args = block.retry_args.empty() ? args : std::move(block.retry_args);
    w->db = client_.db.load();
    w->keys = std::move(block.keys);
    w->timeout_reply = block.timeout_reply;
    resp::Writer writer(&out, client_.protocol.load());
    if (server_.state().blocking.Block(w, server_.state(), server_.stats(), writer)) {
      return ReplyText(DrainOutput(out));
    }
    waiter_ = std::move(w);
    return "<blocked>";
  }
  std::string Cmd(std::string_view line) { return Run(SplitCommand(line)); }
  // The reply a write served this client since it blocked, or "" while it still waits.
  std::string Served() {
    std::vector<std::string> replies = server_.TakeServed(client_.id);
    if (replies.empty()) return "";
    waiter_.reset();
    return replies.front();
  }

 private:
  InProcess& server_;
  server::ClientState client_;
  std::shared_ptr<server::Waiter> waiter_;
};

// A journal that only counts the records appended (one per command, or per transaction).
class CountingJournal : public store::Journal {
 public:
  uint64_t Append(std::string_view) override { return ++lsn_; }
  uint64_t last_lsn() const override { return lsn_; }

 private:
  uint64_t lsn_ = 0;
};

}  // namespace cairn::test
