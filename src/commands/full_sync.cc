// src/commands/full_sync.cc — see full_sync.h.
#include "src/commands/full_sync.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/exec/background_job.h"
#include "src/exec/blocking.h"
#include "src/exec/functions.h"
#include "src/exec/key_save_delay.h"
#include "src/exec/rdb_fanout.h"
#include "src/exec/rdb_files.h"
#include "src/exec/rdb_pipe.h"
#include "src/exec/server_state.h"
#include "store/rdb/rdb_keyspace.h"

namespace cairn::server {
namespace {

// The random mark after `$EOF:` that also ends a streamed file (Redis's RDB_EOF_MARK_SIZE).
constexpr size_t kEofMarkBytes = 40;

// A whole RDB file held in pieces of about kChunkBytes: it grows without the copies (and the
// transient second buffer) of one string doubling, and each piece goes to a connection's
// output as it is (WriteWholeFile), so the primary holds the file once.
struct RdbChunks {
  // With the string's terminating NUL a piece takes 1 MB exactly, an allocator size class
  // (one byte more would round up to the next class, a quarter larger).
  static constexpr size_t kChunkBytes = (1 << 20) - 1;

  // Fills each piece to the brim (the writer hands over about 1 MB at a time, more or less).
  void Append(std::string_view data) {
    bytes += data.size();
    while (!data.empty()) {
      if (chunks.empty() || chunks.back().size() == kChunkBytes) {
        chunks.emplace_back().reserve(kChunkBytes);
      }
      std::string& last = chunks.back();
      size_t n = std::min(data.size(), kChunkBytes - last.size());
      last.append(data.substr(0, n));
      data.remove_prefix(n);
    }
  }

  std::vector<std::string> chunks;
  size_t bytes = 0;
};

// What a client's RDB leaves out (REPLCONF rdb-filter-only).
struct RdbFilter {
  bool without_keys = false;
  bool without_functions = false;
};

// How a build goes, beyond its bytes.
struct BuildOptions {
  RdbFilter filter;
  // The replication offset the file stands for (its repl-offset field), unless on_cut
  // says otherwise.
  uint64_t repl_offset = 0;
  // Runs at the cut, before the first byte; returns the replication offset the file stands
  // for. May be empty.
  std::function<Result<uint64_t>(uint64_t cut_lsn)> on_cut;
  // Around each attempt at the capture: a shared build stops taking members first (each
  // must have begun before the cut) and takes them again when the capture was busy (no cut
  // was taken: rdb_fanout.h). Either may be empty.
  std::function<void()> before_capture;
  std::function<void()> capture_busy;
};

// The keyspace as an RDB file, given to sink as it is written and cut at *cut_lsn. Any
// thread; gives up (kIoError) once the server is shutting down.
Status BuildRdb(ServerState& server, const BuildOptions& build, const rdb::RdbSink& sink,
                uint64_t* cut_lsn) {
  const RdbFilter& filter = build.filter;
  rdb::RdbSaveOptions options;
  options.aux = RdbAuxFields();
  // The stream names its database (SELECT) before its first command after the cut.
  options.aux.emplace_back("repl-stream-db", "0");
  options.aux.emplace_back("repl-id", server.primary.replid());
  options.aux.emplace_back("repl-offset", std::to_string(build.repl_offset));
  size_t offset_field = options.aux.size() - 1;
  if (!filter.without_functions) options.function_meta_prefix = std::string(kFunctionMetaPrefix);
  options.keys = !filter.without_keys;
  options.after_key = KeySaveDelay(server);
  bool cut = false;
  if (build.on_cut) {
    options.on_cut = [&](uint64_t lsn) -> Status {
      cut = true;
      Result<uint64_t> offset = build.on_cut(lsn);
      if (!offset.ok()) return offset.status();
      options.aux[offset_field].second = std::to_string(*offset);  // read after on_cut
      return Status::Ok();
    };
  }
  auto save = [&] {
    if (build.before_capture) build.before_capture();
    return rdb::SaveRdb(server.store, options, [&](std::string_view bytes) {
      if (server.shutting_down.load(std::memory_order_relaxed)) {
        return Status(Code::kIoError, "the server is shutting down");
      }
      return sink(bytes);
    });
  };
  // One capture runs at a time (kBusy, before any byte, while another does): builds of
  // different kinds of file, or for replicas that came after a cut, take turns, however
  // long each is, rather than failing after a fixed wait.
  Result<rdb::RdbSaveInfo> saved = save();
  while (!saved.ok() && saved.status().code() == Code::kBusy && !cut &&
         !server.shutting_down.load(std::memory_order_relaxed)) {
    if (build.capture_busy) build.capture_busy();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    saved = save();
  }
  if (!saved.ok()) return saved.status();
  *cut_lsn = saved->lsn;
  return Status::Ok();
}

// Builds the RDB off the I/O thread: whole into `whole`, or streamed through `pipe`, by this
// job or by the leader of the shared build it joined (rdb_fanout.h).
struct RdbJob final : BackgroundJob {
  RdbJob(ServerState& server, ClientState& client, bool full_sync, bool psync, RdbFilter filter)
      : server(server),
        client(client),
        client_id(client.id),
        full_sync(full_sync),
        psync(psync),
        filter(filter) {}

  void Run() override {
    PlaceThisThread(ThreadRole::kSave, "rdb_to_replica");  // Redis forks a saver for it
    if (pipe == nullptr) {
      auto keep = [this](std::string_view bytes) {
        whole.Append(bytes);
        return Status::Ok();
      };
      status = BuildRdb(server, {.filter = filter, .repl_offset = begin}, keep, &cut_lsn);
      return;
    }
    share.pipe = pipe;
    share.at_cut = [this](uint64_t lsn, std::string_view mark) -> Result<uint64_t> {
      return StartStream(lsn, mark);
    };
    bool leader = false;
    std::shared_ptr<RdbFanout> fanout = server.rdb_fanouts.Join(FileKind(), &share, &leader);
    if (leader) {
      Lead(*fanout);
    } else {
      fanout->WaitFinished();
    }
    status = share.status;
  }
  // A full sync still counted as pending (ReplPrimary::BeginFullSync) is ended, so the
  // primary stops noting cuts for it.
  void Abandon() override {
    if (full_sync && !sync_finished) server.primary.AbortFullSync(client_id);
  }

  // Clients whose files hold the same may share one build.
  std::string FileKind() const {
    return std::string(filter.without_keys ? "-keys" : "+keys") +
           (filter.without_functions ? "-functions" : "+functions");
  }

  // The first client of a fanout builds the file for every client that joins it before the
  // cut: those that come within repl-diskless-sync-delay (or until
  // repl-diskless-sync-max-replicas have), and those that come while it waits for another
  // build's capture (BuildRdb waits for it; the key copy, not the other build's writing).
  void Lead(RdbFanout& fanout) {
    int64_t delay_s = 0, enough = 0;
    (void)resp::ParseInt64(server.config.Value("repl-diskless-sync-delay"), &delay_s);
    (void)resp::ParseInt64(server.config.Value("repl-diskless-sync-max-replicas"), &enough);
    if (delay_s > 0) {
      Log(LogLevel::kNotice, "Delay next BGSAVE for diskless SYNC");
      fanout.WaitForMembers(
          std::chrono::steady_clock::now() + std::chrono::seconds(delay_s),
          static_cast<size_t>(std::max<int64_t>(enough, 0)),
          [this] { return server.shutting_down.load(std::memory_order_relaxed); });
    }
    Log(LogLevel::kNotice, "Starting BGSAVE for SYNC with target: replicas sockets");
    std::string mark = RandomHex(kEofMarkBytes);
    BuildOptions build{.filter = filter,
                       .repl_offset = begin,
                       .on_cut = [&](uint64_t lsn) { return fanout.Cut(lsn, mark); },
                       .before_capture = [&] { fanout.Close(); },
                       .capture_busy = [&] { fanout.Reopen(); }};
    auto push = [&](std::string_view bytes) { return fanout.Push(bytes); };
    Status built = BuildRdb(server, build, push, &cut_lsn);
    if (built.ok()) built = fanout.Push(mark);
    fanout.Finish(built);
  }

  Status Push(std::string_view bytes) { return pipe->Push(bytes) ? Status::Ok() : Gone(); }
  static Status Gone() {
    return Status(Code::kIoError, "the replica's connection closed during the transfer");
  }

  // At the cut of a streamed file (on the leader's thread): a full sync registers the
  // replica there (the stream after the cut waits in its mailbox until the file is through),
  // then its framing goes first. Returns the replication offset it starts from (0: a file
  // only).
  Result<uint64_t> StartStream(uint64_t lsn, std::string_view mark) {
    cut_lsn = lsn;
    pipe->set_cut_lsn(lsn);
    uint64_t offset = 0;
    if (full_sync) {
      std::optional<Result<uint64_t>> finished;
      bool ran = pipe->RunUnlessCancelled([&] {
        sync_finished = true;
        finished.emplace(server.primary.FinishFullSync(client, begin, history, lsn,
                                                      /*streamed=*/true));
      });
      if (!ran) return Gone();
      if (!finished->ok()) return finished->status();
      ++server.primary.sync_full;
      offset = **finished;
    }
    std::string head;
    if (psync) {
      head = "+FULLRESYNC " + server.primary.replid() + " " + std::to_string(offset) + "\r\n";
    }
    if (Status st = Push(head + "$EOF:" + std::string(mark) + "\r\n"); !st.ok()) return st;
    return offset;
  }

  ServerState& server;
  ClientState& client;  // touched by Run only under the pipe's lock (RunUnlessCancelled)
  uint64_t client_id;   // what Abandon names it by: the client may be gone
  bool full_sync;       // false: the file only (redis-cli --rdb)
  bool psync;
  RdbFilter filter;
  uint64_t begin = 0;    // the stream offset when the full sync began (BeginFullSync)
  uint64_t history = 0;  // ... and the numbering it belongs to
  std::shared_ptr<RdbPipe> pipe;  // set: the file streams, from a build it may share
  RdbFanout::Member share;        // its place in that build (rdb_fanout.h)
  // FinishFullSync ran (streamed: at the cut, maybe on another job's thread; read once
  // this job's Run has returned).
  bool sync_finished = false;
  Status status;
  RdbChunks whole;
  uint64_t cut_lsn = 0;
};

// Whether the client's file streams as it is written (full_sync.h).
bool Streams(const CommandContext& ctx) {
  return ctx.block != nullptr && ctx.client.repl_capa_eof &&
         ctx.server.config.Value("repl-diskless-sync") == "yes";
}

// SYNC/PSYNC's first run: starts a job for the file on a thread of its own (nullptr: the
// command replies on its second run) or, when the command cannot wait, builds the whole file
// in place. The second run: the finished job.
std::shared_ptr<RdbJob> TakeJob(CommandContext& ctx, bool full_sync, bool psync) {
  if (IsBlockedRetry(ctx) && ctx.block->background != nullptr) {
    return std::static_pointer_cast<RdbJob>(ctx.block->background);
  }
  RdbFilter filter{ctx.client.repl_rdb_without_keys, ctx.client.repl_rdb_without_functions};
  auto job = std::make_shared<RdbJob>(ctx.server, ctx.client, full_sync, psync, filter);
  if (full_sync) job->begin = ctx.server.primary.BeginFullSync(ctx.client, &job->history);
  if (Streams(ctx)) {
    ServerState& server = ctx.server;
    int64_t timeout_s = 60;
    (void)resp::ParseInt64(server.config.Value("repl-timeout"), &timeout_s);
    job->pipe = std::make_shared<RdbPipe>(
        ctx.client.mailbox.notify,
        [&server] { return server.shutting_down.load(std::memory_order_relaxed); },
        std::chrono::seconds(std::max<int64_t>(timeout_s, 1)));
    ctx.client.rdb_pipe = job->pipe;  // the connection takes the pieces as they come
  }
  if (ctx.block != nullptr) {
    ctx.block->background = job;
    return nullptr;
  }
  job->Run();
  return job;
}

// $<length> and the whole file, whose pieces the output takes over: no copy on the I/O
// thread. Like a read's reply, it leaves once the log is durable through the cut.
void WriteWholeFile(CommandContext& ctx, RdbJob& job) {
  store::Store::ObserveLsn(job.cut_lsn);
  ctx.reply.WriteRaw("$" + std::to_string(job.whole.bytes) + "\r\n");
  for (std::string& chunk : job.whole.chunks) ctx.reply.WriteRawOwned(std::move(chunk));
  ctx.client.repl_rdb_unsent += static_cast<int64_t>(job.whole.bytes);
  job.whole = RdbChunks{};
}

// The second run of a streamed file: what the connection has not taken yet goes as this
// reply. A failure after the first byte leaves the client part of a file: it is closed at
// once (a replica retries); one before gets an error. Returns whether the file went through.
bool EndStream(CommandContext& ctx, RdbJob& job) {
  if (!job.status.ok()) {
    if (job.pipe->timed_out()) {
      Log(LogLevel::kWarning, "Disconnecting timedout replica (streaming sync): %s",
          ctx.client.addr.c_str());
    }
    ctx.client.rdb_pipe.reset();
    job.Abandon();
    if (job.pipe->started()) {  // closed at once: what is still unsent is of no use
      ctx.client.kill_requested.store(true);
      if (ctx.client.wake) ctx.client.wake();
    } else {
      ctx.reply.WriteError("ERR " + std::string(job.status.message()));
    }
    return false;
  }
  std::vector<std::string> pieces;
  size_t bytes = job.pipe->TakeInto(&pieces);
  store::Store::ObserveLsn(job.cut_lsn);
  for (std::string& piece : pieces) ctx.reply.WriteRawOwned(std::move(piece));
  ctx.client.repl_rdb_unsent += static_cast<int64_t>(bytes);
  return true;
}

// A full sync's whole file is in the output: the replica goes online once the socket has
// taken it (the connection tells: ClientState::repl_rdb_all_queued).
void NoteFileQueued(CommandContext& ctx) { ctx.client.repl_rdb_all_queued = true; }

// A whole file's job failed: its error.
bool WholeFileBuilt(CommandContext& ctx, RdbJob& job) {
  if (job.status.ok()) return true;
  job.Abandon();
  ctx.reply.WriteError("ERR " + std::string(job.status.message()));
  return false;
}

}  // namespace

void SendRdbOnly(CommandContext& ctx, bool psync) {
  std::shared_ptr<RdbJob> job = TakeJob(ctx, /*full_sync=*/false, psync);
  if (job == nullptr) return;
  if (job->pipe != nullptr) {
    if (EndStream(ctx, *job)) ctx.client.close_after_reply = true;
    ctx.client.rdb_pipe.reset();
    return;
  }
  if (!WholeFileBuilt(ctx, *job)) return;
  if (psync) ctx.reply.WriteRaw("+FULLRESYNC " + ctx.server.primary.replid() + " 0\r\n");
  WriteWholeFile(ctx, *job);
  ctx.client.close_after_reply = true;
}

void FullSync(CommandContext& ctx, bool psync) {
  std::shared_ptr<RdbJob> job = TakeJob(ctx, /*full_sync=*/true, psync);
  if (job == nullptr) return;
  if (job->pipe != nullptr) {
    // The stream follows the replica's first ACK (client.h).
    if (EndStream(ctx, *job)) NoteFileQueued(ctx);
    return;
  }
  if (!WholeFileBuilt(ctx, *job)) return;
  ReplPrimary& primary = ctx.server.primary;
  job->sync_finished = true;
  Result<uint64_t> offset =
      primary.FinishFullSync(ctx.client, job->begin, job->history, job->cut_lsn,
                             /*streamed=*/false);
  if (!offset.ok()) {
    ctx.reply.WriteError("ERR " + std::string(offset.status().message()));
    return;
  }
  ++primary.sync_full;
  if (psync) {
    ctx.reply.WriteRaw("+FULLRESYNC " + primary.replid() + " " + std::to_string(*offset) +
                       "\r\n");
  }
  WriteWholeFile(ctx, *job);
  NoteFileQueued(ctx);
}

}  // namespace cairn::server
