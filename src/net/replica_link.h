// src/net/replica_link.h — the connection a replica keeps to its primary (REPLICAOF host port):
// one thread with one blocking socket (link_socket.h; TLS with tls-replication yes), which
//   1. connects and hand-shakes: PING, AUTH (masterauth, masteruser), REPLCONF
//      listening-port and capa eof psync2, then PSYNC <replid> <offset + 1>;
//   2. on +FULLRESYNC receives the RDB (`$<length>` or the disk-less `$EOF:<mark>` framing)
//      into a file in `dir`, checks the whole file (structure and CRC) before touching the
//      keyspace, and only then replaces the data: a logged FLUSHALL and a logged load, so the
//      replica's own WAL holds what it received. A damaged file, a primary that stalls past
//      repl-timeout or closes mid-transfer: the error is logged, the old data stays, and the
//      link retries a second later. With repl-diskless-load on-empty-db (or swapdb) and no
//      data at all, it loads the file as it arrives instead, and a failure halfway empties
//      the keyspace again;
//   3. on +CONTINUE (or after the load) applies the command stream as the master client:
//      no replies, except REPLCONF GETACK, answered with REPLCONF ACK <offset>; an ACK also
//      goes every second. Each write of the stream carries the new offset in its own WAL
//      record (replica_state.h), so a restart resumes with a partial resync.
// Anything that ends the connection (an error, CLIENT KILL TYPE master, a new REPLICAOF)
// makes the thread start over from 1 with the offset applied so far.
//
// Threading: Start/Stop from the main thread; the link thread runs commands against the
// shared store like an I/O thread, with the master client's own state.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "src/exec/server_state.h"

namespace cairn::server {

class TlsContext;

class ReplicaLink {
 public:
  // tls: the server's TLS context, for tls-replication (it outlives the link).
  ReplicaLink(ServerState* state, const TlsContext* tls);
  ~ReplicaLink();
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  // Starts the thread; it waits for recovery to end and for a target. Call once.
  void Start();
  // Ends the connection and joins the thread.
  void Stop();

 private:
  void Run();
  // Sleeps up to ms, or until Stop or a new target.
  void Pause(int64_t ms, uint64_t generation);

  ServerState* state_;
  const TlsContext* tls_;
  ThreadStats* stats_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
};

}  // namespace cairn::server
