// src/net/connection.cc — see connection.h.
#include "src/net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "src/base/log.h"
#include "src/exec/client_eviction.h"
#include "src/exec/client_pause.h"
#include "src/exec/dispatch.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/pipeline_prefetch.h"
#include "src/exec/pubsub.h"
#include "src/exec/rdb_pipe.h"
#include "src/exec/transaction.h"
#include "src/net/io_thread.h"
#include "src/net/socket_debug_channel.h"
#include "src/net/tls_context.h"
#include "store/store.h"

namespace cairn::server {
namespace {

// "ip:port" of a socket address, as CLIENT LIST prints it.
std::string FormatAddress(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    auto* a = reinterpret_cast<const sockaddr_un*>(&ss);
    return std::string(a->sun_path) + ":0";
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(IoThread* thread) : thread_(thread) {}

Connection::~Connection() = default;

void Connection::Open(IoThread* thread, const AcceptedSocket& socket) {
  auto* c = new Connection(thread);
  if (socket.tls != nullptr) {
    SSL* ssl = socket.tls->NewSession();
    if (ssl == nullptr) {
      delete c;
      ::close(socket.fd);
      return;
    }
    c->tls_ = std::make_unique<TlsSession>(ssl);
    c->tls_in_.resize(kTlsReadBytes);
  }
  if (!c->Init(socket.fd, socket.unix_socket)) ::close(socket.fd);
}

void Connection::DescribePeer(int fd, bool unix_socket) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    client_.addr = FormatAddress(ss);
  }
  len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    client_.laddr = FormatAddress(ss);
  }
  if (unix_socket && client_.addr == ":0") client_.addr = client_.laddr;
}

bool Connection::Init(int fd, bool unix_socket) {
  uv_loop_t* loop = thread_->loop();
  int rc = unix_socket ? uv_pipe_init(loop, &pipe_, 0) : uv_tcp_init(loop, &tcp_);
  if (rc != 0) {
    delete this;
    return false;
  }
  handle_.data = this;
  rc = unix_socket ? uv_pipe_open(&pipe_, fd) : uv_tcp_open(&tcp_, fd);
  if (rc != 0) {
    closing_ = true;
    uv_close(&handle_, OnClose);  // the handle is initialized: libuv frees it, then we do
    return false;
  }
  ServerState* state = thread_->state();
  if (!unix_socket) {
    uv_tcp_nodelay(&tcp_, 1);
    int keepalive_s = state->config.Read([](const Config& c) { return c.tcp_keepalive_s; });
    if (keepalive_s > 0) uv_tcp_keepalive(&tcp_, 1, static_cast<unsigned>(keepalive_s));
  }
  client_.fd = fd;
  client_.output = this;
  if (tls_ == nullptr) client_.debug_port = this;
  client_.created_ms = WallMs();
  client_.last_interaction_ms = client_.created_ms;
  client_.authenticated = !state->acl.AuthRequired();
  parser_.set_authenticated(client_.authenticated);
  DescribePeer(fd, unix_socket);
  // The id and wake() must be in place before the client becomes visible to CLIENT KILL.
  IoThread* t = thread_;
  client_.id = state->clients.NextId();
  uint64_t id = client_.id;
  client_.wake = [t, id] { t->Post([t, id] { t->CheckKill(id); }); };
  client_.mailbox.notify = [t, id] { t->NotifyMail(id); };
  state->clients.Add(&client_);
  thread_->Register(this);
  thread_->stats()->connections_received.Add();
  ResumeReading();
  return true;
}

void Connection::ServeWhileBusy() {
  if (closing_ || !reading_ || waiter_ != nullptr || held_by_pause_ || write_in_flight_ > 0 ||
      running_command_) {
    return;
  }
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&stream_), &fd) != 0) return;
  bool got = false;
  for (;;) {
    std::span<char> space = in_.Writable(resp::InputBuffer::kDefaultSize);
    if (tls_ != nullptr) space = {tls_in_.data(), tls_in_.size()};
    ssize_t n = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
    if (n > 0) NoteRead(static_cast<uint64_t>(n));
    if (n > 0 && tls_ != nullptr && !ReceiveTls({space.data(), static_cast<size_t>(n)})) return;
    if (n > 0) {
      if (tls_ == nullptr) in_.Commit(static_cast<size_t>(n));
      got = true;
      continue;
    }
    if (n == 0) close_after_flush_ = true;  // EOF: answer what came, then close
    break;
  }
  if (!got) return;
  ProcessInput();
  Flush();
}

void Connection::ResumeReading() {
  if (reading_ || closing_ || debug_channel_open_) return;
  if (uv_read_start(&stream_, OnAlloc, OnRead) == 0) reading_ = true;
}

void Connection::PauseReading() {
  if (!reading_) return;
  uv_read_stop(&stream_);
  reading_ = false;
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
  auto* c = static_cast<Connection*>(handle->data);
  if (c->tls_ != nullptr) {  // ciphertext: decrypted into in_ by OnRead
    *buf = uv_buf_init(c->tls_in_.data(), static_cast<unsigned>(c->tls_in_.size()));
    return;
  }
  // A large bulk value in progress is read in bigger chunks (never more than it still needs,
  // and never more than kMaxReadChunkBytes ahead of what has arrived).
  size_t want = std::clamp(c->parser_.bytes_wanted(), resp::InputBuffer::kDefaultSize / 2,
                           kMaxReadChunkBytes);
  std::span<char> space = c->in_.Writable(want);
  *buf = uv_buf_init(space.data(), static_cast<unsigned>(std::min<size_t>(space.size(), UINT_MAX)));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) noexcept {
  auto* c = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    c->Close();  // EOF or error
    return;
  }
  if (nread == 0) return;
  c->NoteRead(static_cast<uint64_t>(nread));
  if (c->tls_ == nullptr) {
    c->in_.Commit(static_cast<size_t>(nread));
  } else if (!c->ReceiveTls({c->tls_in_.data(), static_cast<size_t>(nread)})) {
    return;
  }
  c->client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);
  c->ProcessInput();
  // Small replies wait for the end of the loop iteration, to leave in a burst with the other
  // clients' (IoThread::DeferFlush). Once they fill an output block they go now: libuv may
  // call OnRead again for the next chunk of a long pipeline, whose replies would otherwise
  // pile up (and count against maxmemory) until the whole pipeline ran.
  if (c->out_.size() >= resp::OutputBuffer::kBlockSize) {
    c->Flush();
  } else if (!c->out_.empty() || c->close_after_flush_) {
    c->thread_->DeferFlush(c->client_.id);
  }
}

// The loop stops (leaving unparsed bytes in in_) whenever the client must wait: blocked on a
// key, output over the high-water mark (a client pipelining without reading), the WAL too
// far behind (back-pressure), a CLIENT PAUSE. Each resumes through its own callback, which
// calls ProcessInput again. A partial command is kept; the parser resumes where it stopped.
void Connection::ProcessInput() {
  ServerState* state = thread_->state();
  ThreadStats* stats = thread_->stats();
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  resp::ParserLimits limits;
  limits.max_bulk_len = state->limits.proto_max_bulk_len.load(std::memory_order_relaxed);
  parser_.set_limits(limits);
  size_t prefetched = 0;  // commands ahead whose keys were prefetched (pipeline_prefetch.h)
  bool count_memory = ClientMemoryLimit(*state) > 0;  // maxmemory-clients
  while (!closing_ && !close_after_flush_) {
    if (waiter_ != nullptr || in_background_) {
      // Blocked: later commands wait in the buffer, within the query buffer limit.
      if (static_cast<int64_t>(in_.size()) >
          state->limits.client_query_buffer_limit.load(std::memory_order_relaxed)) {
        Close();
      }
      break;
    }
    if (out_.size() > kOutputHighWaterBytes) {
      PauseReading();  // resumes when the output drains (OnWrite)
      break;
    }
    if (WalBacklogged()) {
      PauseForWal();  // resumes when a batch is written (OnDurable)
      break;
    }
    // Not while a command is partly parsed: its headers were looked at already, and looking
    // again on every read of a slow client would rescan them. Not before AUTH: a client
    // that may not read keys has no business warming them.
    if (prefetched == 0 && !held_by_pause_ && !parser_.mid_command() && client_.authenticated) {
      prefetched = PrefetchPipeline(*state, client_.db.load(std::memory_order_relaxed), in_.data());
    }
    // A command held by CLIENT PAUSE was parsed already: its arguments still point into
    // the input buffer, which nothing changed while reading was paused.
    resp::ParseStatus status = std::exchange(held_by_pause_, false)
                                   ? resp::ParseStatus::kCommand
                                   : parser_.Parse(in_.data());
    if (prefetched > 0) --prefetched;
    if (status == resp::ParseStatus::kCommand) {
      if (count_memory && CountsBeforeRun() && PublishSizes()) return;  // evicted
      if (PauseHolds()) {
        held_by_pause_ = true;
        break;
      }
      size_t consumed = parser_.consumed();
      bool replied = RunCommand(writer);
      in_.Consume(consumed);  // after the command: the arguments point into the buffer
      parser_.set_authenticated(client_.authenticated || !state->acl.AuthRequired());
      if (!replied) continue;  // blocked: the loop stops at the top
      if (client_.close_after_reply || client_.kill_requested.load()) close_after_flush_ = true;
      continue;
    }
    in_.Consume(parser_.consumed());
    if (status == resp::ParseStatus::kNeedMore) {
      int64_t limit = state->limits.client_query_buffer_limit.load(std::memory_order_relaxed);
      if (static_cast<int64_t>(in_.size()) > limit) {
        Log(LogLevel::kWarning, "Closing client that reached max query buffer length (id=%llu)",
            static_cast<unsigned long long>(client_.id));
        Close();
      }
      break;
    }
    writer.WriteError(parser_.error());
    stats->NoteErrors(writer.last_error_code());
    close_after_flush_ = true;
  }
  PublishSizes();
}

bool Connection::RunCommand(resp::Writer& writer) {
  ServerState* state = thread_->state();
  ThreadStats* stats = thread_->stats();
  // Messages published before this command was read go out before its reply, as in Redis
  // (for a tracking client: invalidations, including those its previous command caused).
  if (IsSubscriber(client_) || client_.monitor || client_.tracking != 0) DeliverMail(writer);
  // This client's writes still held count as observed by what it runs next: a PUBLISH
  // (or keyspace event) after a SET must not reach subscribers before the SET is durable.
  if (!gates_.empty()) store::Store::ObserveLsn(gates_.back().lsn);
  uint64_t reply_start = sent_total_ + out_.size();
  // As Redis, the running command is still in the query buffer (CLIENT LIST's qbuf).
  client_.query_buffer_bytes.store(in_.size(), std::memory_order_relaxed);
  ClientState::ReplyMode mode_before = client_.reply_mode;
  // While it runs, the command may wait for a busy script's shard and the thread serve its
  // other clients meanwhile (IoThread::OnLockWait); this one is mid-command and must not be.
  running_command_ = true;
  Execute(*state, client_, *stats, writer, parser_.args(), &block_);
  running_command_ = false;
  if (std::exchange(block_.replied_at_once, false)) blocking_replies_end_ = replies_ + 1;
  bool replied;
  if (block_.background != nullptr) {
    StartBackground();
    replied = false;
  } else {
    replied = !block_.requested || StartBlocking(writer);
  }
  if (thread_->serving_busy()) {  // refused or harmless: nothing to publish, no locks to take
    GateReply(reply_start, 0);
    ++replies_;
    return true;
  }
  // Clients blocked on keys this command wrote are served before the next command runs.
  if (BlockingRegistry::HasReady()) state->blocking.ServeReady(*state, *stats);
  // What the command observed is thread-local: a command that blocked sends no reply now,
  // and its LSN must not gate the reply of the next command this thread runs (another
  // client's, which could then wait for, or be failed by, a record it never saw).
  uint64_t observed = store::Store::TakeObservedLsn();
  PublishKeyspaceEvents(*state, observed);
  // Invalidations for the keys this command (and the clients it served) changed; the
  // writer's own ones reach it after this reply, as in Redis.
  state->tracking.Invalidate(*state, observed);
  if (!replied) return false;
  if (DropReply(mode_before) && !RepliedWithPushes()) {
    out_.Truncate(static_cast<size_t>(reply_start - sent_total_));
    return true;
  }
  GateReply(reply_start, observed);
  ++replies_;
  return true;
}

bool Connection::PauseHolds() {
  bool holds = CheckPause();
  if (holds != pause_counted_) {  // INFO's blocked_clients counts each held client once
    thread_->state()->paused_clients.fetch_add(holds ? 1 : -1);
    pause_counted_ = holds;
  }
  return holds;
}

bool Connection::CheckPause() {
  ServerState* state = thread_->state();
  ServerState::PauseKind kind = state->pause_kind.load(std::memory_order_relaxed);
  if (kind == ServerState::PauseKind::kNone) return false;  // the usual case: one load
  int64_t wait_ms = state->pause_end_ms.load() - WallMs();
  if (wait_ms <= 0) return false;
  // A command Redis would refuse (unknown, wrong arity) is answered at once.
  const CommandSpec* spec = state->commands.Find(parser_.args()[0]);
  if (spec == nullptr || !spec->ArityAccepts(parser_.args().size())) return false;
  if (kind == ServerState::PauseKind::kWrite &&
      !WritePauseHolds(*state, client_, *spec, parser_.args())) {
    return false;
  }
  PauseReading();
  if (pause_timer_ == nullptr) {
    pause_timer_ = new uv_timer_t;
    uv_timer_init(thread_->loop(), pause_timer_);
    pause_timer_->data = this;
  }
  uv_timer_start(pause_timer_, OnPauseEnd, static_cast<uint64_t>(wait_ms), 0);
  return true;
}

void Connection::OnPauseEnd(uv_timer_t* timer) noexcept {
  static_cast<Connection*>(timer->data)->ResumeFromPause();
}

void Connection::ResumeFromPause() {
  if (!held_by_pause_ || closing_) return;
  if (pause_timer_ != nullptr) uv_timer_stop(pause_timer_);
  ResumeReading();
  ProcessInput();  // runs the held command first, or holds it again if still paused
  Flush();
}

// (Un)subscribe confirmations are pushes, like messages: CLIENT REPLY never drops them.
bool Connection::RepliedWithPushes() const {
  const CommandSpec* ran = client_.last_command.load(std::memory_order_relaxed);
  return ran != nullptr && (ran->flags & kPubSub) && (ran->flags & kSubscribedContext);
}

bool Connection::DropReply(ClientState::ReplyMode before) {
  using Mode = ClientState::ReplyMode;
  Mode after = client_.reply_mode;
  // CLIENT REPLY SKIP arms the next command; the command after it has its reply dropped
  // and turns replies back on (unless it changed the mode itself: ON replies OK).
  if (after == Mode::kSkipNext) {
    client_.reply_mode = Mode::kSkip;
    return true;
  }
  if (before == Mode::kSkip && after == Mode::kSkip) {
    client_.reply_mode = Mode::kOn;
    return true;
  }
  return after == Mode::kOff;
}

bool Connection::StartBlocking(resp::Writer& writer) {
  ServerState* state = thread_->state();
  auto w = std::make_shared<Waiter>();
  w->client_id = client_.id;
  w->thread_index = thread_->index();
  w->client = &client_;
  w->spec = client_.last_command.load(std::memory_order_relaxed);
  if (block_.retry_args.empty()) {
    w->args.assign(parser_.args().begin(), parser_.args().end());
  } else {
    w->args = std::move(block_.retry_args);
  }
  w->db = client_.db.load(std::memory_order_relaxed);
  w->keys = std::move(block_.keys);
  w->timeout_reply = block_.timeout_reply;
  int64_t deadline_ms = block_.deadline_ms;
  block_ = BlockRequest{};
  if (state->blocking.Block(w, *state, *thread_->stats(), writer)) {
    blocking_replies_end_ = replies_ + 1;
    return true;
  }
  waiter_ = std::move(w);
  client_.blocked.store(true);
  if (deadline_ms == 0) return false;
  if (block_timer_ == nullptr) {
    block_timer_ = new uv_timer_t;
    uv_timer_init(thread_->loop(), block_timer_);
    block_timer_->data = this;
  }
  int64_t wait_ms = std::max<int64_t>(deadline_ms - state->store.NowMs(), 0);
  uv_timer_start(block_timer_, OnBlockTimeout, static_cast<uint64_t>(wait_ms), 0);
  return false;
}

void Connection::StartBackground() {
  background_args_.assign(parser_.args().begin(), parser_.args().end());
  background_spec_ = client_.last_command.load(std::memory_order_relaxed);
  in_background_ = true;
  std::shared_ptr<BackgroundJob> job = std::move(block_.background);
  block_ = BlockRequest{};
  thread_->RunInBackground(client_.id, std::move(job));  // started now or queued
}

void Connection::OnBackgroundDone(std::shared_ptr<BackgroundJob> job) {
  if (!in_background_ || closing_) {
    job->Abandon();
    return;
  }
  in_background_ = false;
  std::vector<std::string> args = std::move(background_args_);
  std::vector<std::string_view> views(args.begin(), args.end());
  BlockRequest second_run;
  second_run.retry = true;
  second_run.background = std::move(job);
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  uint64_t start = sent_total_ + out_.size();
  ServerState* state = thread_->state();
  (void)ExecuteAgain(*state, client_, *thread_->stats(), writer, *background_spec_, views,
                     second_run);
  GateReply(start, store::Store::TakeObservedLsn());
  ++replies_;
  if (client_.repl_rdb_all_queued) {  // a full sync's file ends where the output ends now
    client_.repl_rdb_all_queued = false;
    rdb_file_end_ = sent_total_ + out_.size();
    if (sent_total_ >= rdb_file_end_) NoteFileSent();
  }
  if (client_.close_after_reply || client_.kill_requested.load()) close_after_flush_ = true;
  ProcessInput();
  Flush();
}

void Connection::EndBlocking() {
  waiter_.reset();
  client_.blocked.store(false);
  client_.unblock_request.store(0);
  if (block_timer_ != nullptr) uv_timer_stop(block_timer_);
}

void Connection::OnBlockTimeout(uv_timer_t* timer) noexcept {
  auto* c = static_cast<Connection*>(timer->data);
  if (c->waiter_ == nullptr || !c->thread_->state()->blocking.Cancel(c->waiter_.get())) return;
  std::shared_ptr<Waiter> waiter = c->waiter_;
  c->EndBlocking();
  resp::Writer writer(&c->out_, c->client_.protocol.load(std::memory_order_relaxed));
  WriteWaiterTimeoutReply(writer, *waiter, *c->thread_->state());
  ++c->replies_;
  c->ProcessInput();
  c->Flush();
}

void Connection::OnUnblocked(std::string reply, uint64_t lsn) {
  if (waiter_ == nullptr || closing_) return;
  EndBlocking();
  if (client_.reply_mode == ClientState::ReplyMode::kOff) reply.clear();
  uint64_t start = sent_total_ + out_.size();
  out_.Append(reply);
  GateReply(start, lsn);
  blocking_replies_end_ = ++replies_;
  ProcessInput();
  Flush();
}

bool Connection::WalBacklogged() const {
  ServerState* state = thread_->state();
  store::GroupCommit* wal = state->wal.load(std::memory_order_acquire);
  // A failed log refuses writes (MISCONF) and so stops growing; reads go on meanwhile.
  return wal != nullptr &&
         static_cast<int64_t>(wal->pending_bytes()) >
             state->limits.wal_max_pending_bytes.load(std::memory_order_relaxed) &&
         !wal->failed();
}

void Connection::PauseForWal() {
  PauseReading();
  paused_for_wal_ = true;
  if (!waiting_durable_) {
    waiting_durable_ = true;
    // Any batch written frees log space: look again then.
    store::GroupCommit* wal = thread_->state()->wal.load(std::memory_order_acquire);
    thread_->WaitDurable(this, wal != nullptr ? wal->durable_lsn() + 1 : 0);
  }
}

void Connection::OnDurable() {
  waiting_durable_ = false;
  if (paused_for_wal_ && !closing_) {
    paused_for_wal_ = false;
    ResumeReading();
    ProcessInput();  // commands already buffered; pauses again if the log is still behind
  }
  Flush();
}

void Connection::GateReply(uint64_t start, uint64_t lsn) {
  store::GroupCommit* wal = thread_->state()->wal.load(std::memory_order_acquire);
  if (lsn == 0 || wal == nullptr || lsn <= thread_->state()->DurableLsn(*wal)) {
    return;
  }
  uint64_t end = sent_total_ + out_.size();
  if (!gates_.empty() && gates_.back().lsn >= lsn) {
    gates_.back().end = end;  // one gate can cover replies that need no later LSN
    return;
  }
  gates_.push_back(Gate{start, end, lsn, replies_});
}

void Connection::FailHeldReplies() {
  // Replies leave in order, so everything from the first held reply on waits together.
  if (blocking_replies_end_ > gates_.front().first_reply) return;
  ServerState* state = thread_->state();
  std::string error;
  {
    std::lock_guard lock(state->wal_error_mu);
    error = std::string(errors::kMisconfWal) + state->wal_error;
  }
  const Gate& first = gates_.front();
  uint64_t held = replies_ - first.first_reply;
  out_.Truncate(static_cast<size_t>(first.start - sent_total_));
  gates_.clear();
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  for (uint64_t i = 0; i < held; ++i) writer.WriteError(error);
  if (held > 0) thread_->stats()->NoteErrors(writer.last_error_code(), held);
}

size_t Connection::SendableBytes() {
  store::GroupCommit* wal = thread_->state()->wal.load(std::memory_order_acquire);
  uint64_t durable = wal != nullptr ? thread_->state()->DurableLsn(*wal) : UINT64_MAX;
  while (!gates_.empty() && gates_.front().lsn <= durable) gates_.pop_front();
  if (!gates_.empty() && wal->failed()) {
    // A replica's file cannot take an error in its middle: the replica retries instead.
    if (client_.repl_rdb_unsent > 0) {
      Log(LogLevel::kWarning, "Closing replica %s mid-file: the WAL failed",
          client_.addr.c_str());
      Close();
      return 0;
    }
    FailHeldReplies();
  }
  if (gates_.empty()) return out_.size();
  if (!waiting_durable_) {
    waiting_durable_ = true;
    thread_->WaitDurable(this, gates_.front().lsn);
  }
  return static_cast<size_t>(gates_.front().start - sent_total_);
}

// A large command, or large replies of the commands before it, count against
// maxmemory-clients before it runs: a client must not pass the limit by a whole read's worth
// of pipelined commands before it is looked at (Redis checks between commands).
bool Connection::CountsBeforeRun() const {
  return parser_.consumed() >= kCountBeforeRunBytes || out_.size() >= kCountBeforeRunBytes;
}

bool Connection::PublishSizes() {
  if (closing_) return false;  // out of the registry, and out of the clients' total
  client_.query_buffer_bytes.store(in_.size(), std::memory_order_relaxed);
  client_.multi_queued.store(
      client_.multi.active ? static_cast<int>(client_.multi.queued.size()) : -1,
      std::memory_order_relaxed);
  client_.output_bytes.store(out_.size(), std::memory_order_relaxed);
  // Like Redis's omem, which counts the reply list beyond the client's fixed 16 KB buffer:
  // the first block is what every connection has.
  size_t memory = out_.memory_bytes();
  size_t block = resp::OutputBuffer::kBlockSize;
  size_t output = memory > block ? memory - block : 0;
  client_.output_memory_bytes.store(output, std::memory_order_relaxed);
  // What counts against maxmemory-clients (client_eviction.h): every connection keeps its
  // first output block and its own state. A full-sync RDB on its way out (redis-cli --rdb)
  // is not the client's, as for the output limits.
  constexpr size_t kFixed = resp::OutputBuffer::kBlockSize + sizeof(Connection);
  int64_t held = static_cast<int64_t>(kFixed + in_.size() + output +
                                      client_.mailbox.bytes() + client_.multi.queued_bytes +
                                      client_.watched_bytes + client_.pubsub.bytes) -
                 std::min<int64_t>(client_.repl_rdb_unsent, static_cast<int64_t>(output));
  if (!UpdateClientMemory(*thread_->state(), client_, held)) return false;
  Close();
  return true;
}

void Connection::NoteRead(uint64_t bytes) {
  ThreadStats* stats = thread_->stats();
  stats->reads_processed.Add();
  stats->net_input_bytes.Add(bytes);
  if (client_.replica.load(std::memory_order_relaxed)) stats->net_repl_input_bytes.Add(bytes);
}

void Connection::NoteWritten(uint64_t bytes) {
  if (bytes > 0 && client_.rdb_pipe != nullptr) client_.rdb_pipe->NoteProgress();
  ThreadStats* stats = thread_->stats();
  stats->net_output_bytes.Add(bytes);
  if (client_.replica.load(std::memory_order_relaxed)) stats->net_repl_output_bytes.Add(bytes);
}

void Connection::Flush() {
  if (closing_ || write_in_flight_ > 0) return;
  // A YES debugging session writes the socket from its own thread: messages that arrive
  // meanwhile (tracking, RESP3 Pub/Sub) wait, and go with the connection when it closes.
  if (debug_channel_open_ && in_background_) return;
  if (tls_ != nullptr) return FlushTls();
  if (out_.empty()) {
    if (close_after_flush_) Close();
    return;
  }
  size_t sendable = SendableBytes();
  if (sendable == 0) return;  // held until the WAL is durable (OnDurable)
  constexpr int kMaxIov = 256;
  struct iovec iov[kMaxIov];
  int n = out_.Gather(iov, kMaxIov, sendable);
  // uv_buf_t is laid out as struct iovec on Unix (libuv documents this), so the gathered
  // array goes to libuv as is.
  auto* bufs = reinterpret_cast<uv_buf_t*>(iov);
  int written = uv_try_write(&stream_, bufs, static_cast<unsigned>(n));
  thread_->stats()->writes_processed.Add();
  if (written < 0 && written != UV_EAGAIN) {
    Close();
    return;
  }
  size_t done = written > 0 ? static_cast<size_t>(written) : 0;
  size_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  NoteWritten(done);
  ConsumeSent(done);
  if (done > 0) client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);
  if (done == total) return AfterDrain();
  // The socket is full: hand the rest of this batch to libuv and wait for completion.
  n = out_.Gather(iov, kMaxIov, sendable - done);
  write_in_flight_ = 0;
  for (int i = 0; i < n; ++i) write_in_flight_ += iov[i].iov_len;
  write_req_.data = this;
  if (uv_write(&write_req_, &stream_, bufs, static_cast<unsigned>(n), OnWrite) != 0) {
    write_in_flight_ = 0;
    Close();
  }
}

void Connection::OnWrite(uv_write_t* req, int status) noexcept {
  auto* c = static_cast<Connection*>(req->data);
  size_t sent = c->write_in_flight_;
  c->write_in_flight_ = 0;
  if (c->closing_) return;
  if (status < 0) {
    c->Close();
    return;
  }
  c->NoteWritten(sent);
  if (c->tls_ != nullptr) {
    c->tls_out_.erase(0, sent);  // its plaintext was consumed when it was encrypted
  } else {
    c->ConsumeSent(sent);
  }
  c->client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);
  // A file streaming in refills the output as the socket takes it, not only once it drains.
  if (c->client_.rdb_pipe != nullptr) c->TakeRdbPieces();
  if (c->MaybeResume()) return;
  c->Flush();
}

void Connection::AfterDrain() {
  if (client_.rdb_pipe != nullptr && TakeRdbPieces()) return Flush();
  if (MaybeResume()) return;
  if (!out_.empty() && SendableBytes() > 0) return Flush();  // more than kMaxIov segments
  PublishSizes();
  if (close_after_flush_ && out_.empty()) Close();
}

// After output drained below half the high-water mark, reading and executing resume (they
// pause in ProcessInput). Returns true if it ran ProcessInput and Flush.
bool Connection::MaybeResume() {
  if (reading_ || closing_ || close_after_flush_ || out_.size() > kOutputHighWaterBytes / 2) {
    return false;
  }
  ResumeReading();
  ProcessInput();  // commands left in the buffer while output was over the limit
  Flush();
  return true;
}

void Connection::DeliverMail(resp::Writer& writer) {
  uint64_t start = sent_total_ + out_.size();
  // Held like a reply until what it reveals is durable. (If the log fails meanwhile, the
  // held messages are dropped with the held replies: FailHeldReplies.)
  GateReply(start, DeliverMailbox(client_, writer));
}

void Connection::OnMail() {
  if (closing_) return;
  if (client_.rdb_pipe != nullptr) {  // a file streams in: its replica's stream waits
    if (CheckOutputLimit()) return;
    if (TakeRdbPieces()) Flush();
    PublishSizes();
    return;
  }
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  DeliverMail(writer);
  if (CheckOutputLimit()) return;
  Flush();
  PublishSizes();
}

bool Connection::TakeRdbPieces() {
  RdbPipe& pipe = *client_.rdb_pipe;
  if (out_.size() >= RdbPipe::kWindowBytes) return false;
  std::vector<std::string> pieces;
  size_t bytes = pipe.TakeInto(&pieces);
  if (bytes == 0) return false;
  uint64_t start = sent_total_ + out_.size();
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  for (std::string& piece : pieces) writer.WriteRawOwned(std::move(piece));
  client_.repl_rdb_unsent += static_cast<int64_t>(bytes);
  GateReply(start, pipe.cut_lsn());
  return true;
}

void Connection::ConsumeSent(size_t n) {
  out_.Consume(n);
  sent_total_ += n;
  if (client_.repl_rdb_unsent > 0) {
    client_.repl_rdb_unsent -= std::min<int64_t>(client_.repl_rdb_unsent, static_cast<int64_t>(n));
  }
  if (rdb_file_end_ != 0 && sent_total_ >= rdb_file_end_) NoteFileSent();
}

// The socket took the last byte of a full sync's file (with TLS: the last byte was
// encrypted, which is when ConsumeSent learns of it).
void Connection::NoteFileSent() {
  rdb_file_end_ = 0;
  thread_->state()->primary.FileSent(client_);
}

// Subscribers and monitors are in the pubsub class: they receive whatever the server does,
// whether or not they read. An attached replica is in the replica class.
const OutputClassLimit& Connection::OutputClass() const {
  const RuntimeLimits& limits = thread_->state()->limits;
  if (client_.replica.load(std::memory_order_relaxed)) return limits.output_replica;
  if (IsSubscriber(client_) || client_.monitor) return limits.output_pubsub;
  return limits.output_normal;
}

bool Connection::CheckOutputLimit() {
  if (closing_) return false;
  const OutputClassLimit& limit = OutputClass();
  int64_t hard = limit.hard_bytes.load(std::memory_order_relaxed);
  int64_t soft = limit.soft_bytes.load(std::memory_order_relaxed);
  int64_t soft_s = limit.soft_seconds.load(std::memory_order_relaxed);
  // What this client holds in the server: unsent output and messages not yet taken. A
  // replica's full-sync RDB does not count, as Redis sends it outside the output buffer.
  int64_t held = static_cast<int64_t>(out_.size() + client_.mailbox.bytes()) -
                 client_.repl_rdb_unsent;
  bool over = client_.mailbox.overflowed() || (hard > 0 && held >= hard);
  if (soft > 0 && held >= soft) {
    int64_t now = WallMs();
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now;
    over = over || now - soft_limit_since_ms_ > soft_s * 1000;
  } else {
    soft_limit_since_ms_ = 0;
  }
  if (!over) return false;
  Log(LogLevel::kWarning,
      "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output buffer "
      "limits.",
      static_cast<unsigned long long>(client_.id), client_.addr.c_str());
  Close();
  return true;
}

void Connection::CheckKill() {
  if (client_.kill_requested.load()) {
    Close();
    return;
  }
  uint8_t how = client_.unblock_request.exchange(0);
  if (how == 0 || waiter_ == nullptr) return;
  // CLIENT UNBLOCK: unless a write served the client meanwhile, it stops waiting and gets
  // its timeout reply or an error.
  if (!thread_->state()->blocking.Cancel(waiter_.get())) return;
  std::shared_ptr<Waiter> waiter = waiter_;
  EndBlocking();
  resp::Writer writer(&out_, client_.protocol.load(std::memory_order_relaxed));
  if (how == kUnblockError) {
    writer.WriteError("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    WriteWaiterTimeoutReply(writer, *waiter, *thread_->state());
  }
  ++replies_;
  ProcessInput();
  Flush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  PauseReading();
  // Before Detach: a job streaming this client a file registers it as a replica only while
  // the pipe is not cancelled (rdb_pipe.h).
  if (client_.rdb_pipe != nullptr) client_.rdb_pipe->Cancel();
  if (waiter_ != nullptr) thread_->state()->blocking.Cancel(waiter_.get());
  UnwatchAll(*thread_->state(), client_);
  // Before the client state goes: publishers reach it only through the registry.
  thread_->state()->pubsub.RemoveClient(client_);
  thread_->state()->monitors.Remove(&client_);
  if (client_.replica.load()) thread_->state()->primary.Detach(client_);
  thread_->state()->tracking.Disable(client_);
  EndBlocking();
  if (pause_counted_) thread_->state()->paused_clients.fetch_sub(1);
  for (uv_timer_t** timer : {&block_timer_, &pause_timer_}) {
    if (*timer == nullptr) continue;
    uv_close(reinterpret_cast<uv_handle_t*>(*timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    *timer = nullptr;
  }
  thread_->Unregister(this);
  (void)UpdateClientMemory(*thread_->state(), client_, 0);  // before Remove: see its contract
  thread_->state()->clients.Remove(&client_);
  uv_os_fd_t fd;
  if (debug_channel_open_ && uv_fileno(&handle_, &fd) == 0) ::shutdown(fd, SHUT_RDWR);
  uv_close(&handle_, OnClose);
}

bool Connection::HasPendingOutput() const {
  return !out_.empty() || write_in_flight_ > 0 || !tls_out_.empty();
}

std::unique_ptr<DebugChannel> Connection::OpenDebugChannel() {
  uv_os_fd_t fd;
  if (tls_ != nullptr || HasPendingOutput() || uv_fileno(&handle_, &fd) != 0) return nullptr;
  int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return nullptr;
  PauseReading();
  debug_channel_open_ = true;
  // What the client sent after this command is the session's first input.
  std::string unread(in_.data().substr(parser_.consumed()));
  return std::make_unique<SocketDebugChannel>(own, std::move(unread));
}

void Connection::OnClose(uv_handle_t* handle) noexcept {
  delete static_cast<Connection*>(handle->data);
}

}  // namespace cairn::server
