// src/net/connection.h — one client connection on its I/O thread: socket -> input buffer ->
// parser -> dispatcher -> output buffer -> one write per batch.
//
// Every complete command in a read runs back to back; all of their replies leave in one
// writev (uv_try_write, then uv_write for what the socket did not take). While a write is in
// flight, new replies accumulate and go out when it completes. If pending output passes
// kOutputHighWaterBytes the connection stops executing (and reading) until it drains, so a
// client that pipelines without reading replies cannot grow the server's memory unboundedly.
//
// A TLS connection (tls_session.h) has the same path: the bytes libuv reads are decrypted
// into the input buffer, and sendable replies are encrypted into tls_out_, which is written
// like plain output. Plaintext is encrypted only once the previous ciphertext is written,
// so the output limits and back-pressure see pending replies in out_ as for plain TCP.
//
// A protocol error sends the replies of the commands before it, then the error, then closes
// this connection only. A SCRIPT DEBUG session talks to the client over its own descriptor
// instead (OpenDebugChannel). Thread: the owning IoThread's loop thread for every member.
#pragma once

#include <uv.h>

#include <deque>
#include <memory>
#include <string>

#include "resp/input_buffer.h"
#include "resp/output_buffer.h"
#include "resp/parser.h"
#include "resp/writer.h"
#include "src/exec/blocking.h"
#include "src/exec/client.h"
#include "src/exec/script_debug.h"
#include "src/net/tls_session.h"

namespace cairn::server {

class IoThread;
struct AcceptedSocket;
struct OutputClassLimit;

class Connection final : public DebugPort {
 public:
  static constexpr size_t kOutputHighWaterBytes = 16 * 1024 * 1024;
  static constexpr size_t kMaxReadChunkBytes = 4 * 1024 * 1024;
  // With maxmemory-clients set, a command of at least this many bytes, or one behind this
  // much output, is counted against it before it runs (CountsBeforeRun).
  static constexpr size_t kCountBeforeRunBytes = 32 * 1024;
  // TLS: ciphertext read per call (a few records), and plaintext encrypted per write.
  static constexpr size_t kTlsReadBytes = 64 * 1024;
  static constexpr size_t kTlsEncryptBytes = 1024 * 1024;

  // Wraps an accepted socket (TLS if it came from the TLS port) and starts reading. Owns
  // itself: deleted when closed. On failure the socket is closed.
  static void Open(IoThread* thread, const AcceptedSocket& socket);

  // Closes the connection (pending output is dropped). Idempotent.
  void Close();
  ClientState& client() { return client_; }
  // Reads what the client sent and runs it, from inside a busy script on this thread
  // (IoThread::ServeBusy): the socket is read directly, not through the loop.
  void ServeWhileBusy();
  // Closes if another thread asked for it (CLIENT KILL), or ends a wait it asked to end
  // (CLIENT UNBLOCK).
  void CheckKill();
  // CLIENT UNPAUSE: runs the command CLIENT PAUSE held, if any.
  void ResumeFromPause();
  // Sends replies whose writes have become durable (called when the durable LSN advances).
  // Also resumes a client paused because the WAL was too far behind (back-pressure).
  void OnDurable();
  // A blocked command was served on another thread (blocking.h): sends its reply once lsn is
  // durable and resumes the client's later commands.
  void OnUnblocked(std::string reply, uint64_t lsn);
  // Waiting for something other than its own input: blocked on keys, or for a background job.
  bool held() const { return waiter_ != nullptr || in_background_; }
  // The background job this client's command started (background_job.h) has finished: runs
  // the command again to reply, then the client's later commands.
  void OnBackgroundDone(std::shared_ptr<BackgroundJob> job);
  // The loop's deferred flush (IoThread::DeferFlush): sends the replies to what OnRead ran.
  void FlushDeferred() { Flush(); }
  // Other threads posted messages (Pub/Sub) to this client's mailbox: appends them to the
  // output between replies and sends them.
  void OnMail();
  // client-output-buffer-limit: closes this client if its pending output (with its mailbox)
  // is over its class's hard limit, or has stayed over the soft limit for longer than the
  // limit's seconds. Returns whether it closed.
  bool CheckOutputLimit();

  // SCRIPT DEBUG (script_debug.h): plain sockets only; TLS connections offer no channel.
  bool HasPendingOutput() const override;
  std::unique_ptr<DebugChannel> OpenDebugChannel() override;

 private:
  // The client-output-buffer-limit class this client is held to now: replica, pubsub
  // (subscribers and MONITOR) or normal.
  const OutputClassLimit& OutputClass() const;
  // n bytes of out_ left the server (written, or encrypted for TLS).
  void ConsumeSent(size_t n);
  Connection(IoThread* thread);
  ~Connection();
  bool Init(int fd, bool unix_socket);
  void DescribePeer(int fd, bool unix_socket);

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void OnWrite(uv_write_t* req, int status) noexcept;
  static void OnClose(uv_handle_t* handle) noexcept;

  // Parses and executes every complete command in the input buffer; stops while blocked.
  void ProcessInput();
  // Runs the command the parser holds and gates its reply. Returns false if the client is
  // now blocked (no reply yet).
  bool RunCommand(resp::Writer& writer);
  // CLIENT PAUSE: whether the command just parsed must wait (then reading stops and a timer
  // runs it when the pause ends).
  bool PauseHolds();
  bool CheckPause();
  static void OnPauseEnd(uv_timer_t* timer) noexcept;
  // CLIENT REPLY: whether the reply of the command just run is dropped (the mode before it
  // ran is before); advances SKIP's state.
  bool DropReply(ClientState::ReplyMode before);
  // Whether the command just run was a (un)subscribe, whose confirmations are pushes.
  bool RepliedWithPushes() const;
  // The command just run asked to block: registers the waiter (or, if a retry served it at
  // once, leaves the reply in writer and returns true).
  bool StartBlocking(resp::Writer& writer);
  static void OnBlockTimeout(uv_timer_t* timer) noexcept;
  // Leaves the blocked state and arms nothing further.
  void EndBlocking();
  // The command just run handed work to a background job: holds the client until it ends
  // (while it waits for a free slot too, IoThread::RunInBackground).
  void StartBackground();
  // Appends the mailbox's messages to the output, gated on what they reveal.
  void DeliverMail(resp::Writer& writer);
  // A full sync's RDB streams in (ClientState::rdb_pipe): takes the pieces written so far
  // into the output while it holds less than the pipe's window, gated on the file's cut
  // like a reply. Returns whether it took any.
  bool TakeRdbPieces();
  // The output reached rdb_file_end_: the replica's file is through (ReplPrimary::FileSent).
  void NoteFileSent();
  // Sends pending output: try a direct writev, queue the rest.
  void Flush();
  // Counts bytes read from or written to the socket (INFO stats): an attached replica's
  // count as replication's too, inside the totals as Redis counts them.
  void NoteRead(uint64_t bytes);
  void NoteWritten(uint64_t bytes);
  // TLS (connection_tls.cc): ciphertext read from the socket -> plaintext in in_ (false:
  // the session failed and the connection is closing); sendable out_ -> ciphertext
  // tls_out_ -> socket.
  bool ReceiveTls(std::string_view ciphertext);
  void FlushTls();
  // After every pending byte has left: resume a paused client, or close if asked to.
  void AfterDrain();
  void PauseReading();
  void ResumeReading();
  bool MaybeResume();
  // Publishes the buffer sizes other threads read (CLIENT LIST, INFO) and this client's
  // memory for maxmemory-clients; returns true if that evicted this client (now closing).
  bool PublishSizes();
  bool CountsBeforeRun() const;
  // Durable before visible: a reply that reveals LSN L (a write's own, or the last change of
  // a shard a read looked at) is held until the WAL is durable up to L. A gate covers output
  // bytes [start, end); replies stay in order, so everything from the first held gate on
  // waits. Under every appendfsync policy: `always` waits for the fdatasync, `everysec` and
  // `no` for the write(2) (as Redis writes its AOF buffer before any reply leaves), so a
  // process crash never loses an acknowledged write.
  void GateReply(uint64_t start, uint64_t lsn);
  // Pending bytes that may be sent now.
  size_t SendableBytes();
  // Back-pressure: Append never waits (it runs under shard locks), so clients that write
  // faster than the disk would grow the WAL's pending batch without bound. Instead, while
  // more than wal-max-pending-bytes wait to be written, a connection stops reading and
  // executing until the next batch is written.
  bool WalBacklogged() const;
  void PauseForWal();

  IoThread* thread_;
  union {
    uv_handle_t handle_;
    uv_stream_t stream_;
    uv_tcp_t tcp_;
    uv_pipe_t pipe_;
  };
  uv_write_t write_req_;
  size_t write_in_flight_ = 0;  // bytes the pending uv_write covers
  bool reading_ = false;
  // A debugging session owns the socket's input (OpenDebugChannel): reading never resumes,
  // and closing shuts the socket down so that the session's descriptor sees the end too.
  bool debug_channel_open_ = false;
  bool closing_ = false;
  bool close_after_flush_ = false;
  resp::InputBuffer in_;
  resp::Parser parser_;
  resp::OutputBuffer out_;
  uint64_t sent_total_ = 0;  // bytes of out_ written to the socket so far
  // Where a full sync's file ends in the output (sent_total_'s count; 0: no file on its way).
  uint64_t rdb_file_end_ = 0;
  struct Gate {
    uint64_t start, end, lsn;  // absolute output offsets
    uint64_t first_reply;      // index of the first reply the gate holds
  };
  uint64_t replies_ = 0;  // replies written so far
  // The WAL failed: held replies must never say OK. Replaces every held reply with a
  // -MISCONF error (the write may still reach the log when the disk recovers: its outcome is
  // unknown to the client, as after a timeout, but it was never acknowledged). Except when a
  // blocking command's reply (BLPOP, XREADGROUP...) is among them: it hands over elements
  // already taken from the store, so it and the replies around it wait for the disk instead.
  void FailHeldReplies();
  // One past the index of the last reply of a blocking command (0: none yet).
  uint64_t blocking_replies_end_ = 0;
  std::deque<Gate> gates_;
  bool waiting_durable_ = false;       // registered with the thread for the next durable wake-up
  bool paused_for_wal_ = false;        // reading paused by PauseForWal
  BlockRequest block_;                 // filled by a blocking handler during Execute
  std::shared_ptr<Waiter> waiter_;     // while blocked
  // While a background job runs for the last command: the command, for the second run.
  bool in_background_ = false;
  const CommandSpec* background_spec_ = nullptr;
  std::vector<std::string> background_args_;
  uv_timer_t* block_timer_ = nullptr;  // created on the first timed block; closed with us
  int64_t soft_limit_since_ms_ = 0;
  bool running_command_ = false;       // inside Execute (ServeWhileBusy leaves it alone)
  bool held_by_pause_ = false;         // the parsed command waits for CLIENT PAUSE to end
  bool pause_counted_ = false;         // counted in ServerState::paused_clients
  uv_timer_t* pause_timer_ = nullptr;    // when output last went over the soft limit; 0: under
  ClientState client_;
  std::unique_ptr<TlsSession> tls_;  // null on plain TCP and unix sockets
  std::string tls_in_;               // TLS: ciphertext read buffer
  std::string tls_out_;              // TLS: ciphertext not yet written (a write covers its head)
};

}  // namespace cairn::server
