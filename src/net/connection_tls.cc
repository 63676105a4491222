// src/net/connection_tls.cc — the TLS half of a connection's byte path (see connection.h):
// ciphertext in, plaintext into the parser's buffer; sendable replies out, encrypted, written
// with the same try-then-queue writes as plain output.
#include <uv.h>

#include "src/base/log.h"
#include "src/net/connection.h"
#include "src/net/io_thread.h"

namespace cairn::server {

bool Connection::ReceiveTls(std::string_view ciphertext) {
  bool ok = tls_->Receive(ciphertext, &in_);
  if (!ok) {
    // A failed handshake or a bad record closes this connection only. The alert OpenSSL
    // queued is sent on a best-effort basis (one non-blocking write) before closing.
    Log(LogLevel::kVerbose, "Error accepting a client connection: %s (addr=%s)", tls_->error().c_str(),
               client_.addr.c_str());
    tls_->TakeOutput(&tls_out_);
    if (!tls_out_.empty() && write_in_flight_ == 0) {
      uv_buf_t buf = uv_buf_init(tls_out_.data(), static_cast<unsigned>(tls_out_.size()));
      (void)uv_try_write(&stream_, &buf, 1);
    }
    Close();
    return false;
  }
  // Handshake messages the client waits for before it sends anything.
  FlushTls();
  return !closing_;
}

void Connection::FlushTls() {
  if (closing_ || write_in_flight_ > 0) return;
  if (tls_out_.empty()) {
    // Encrypt only once the previous ciphertext is gone, so unsent replies stay in out_,
    // where the output limits and back-pressure count them.
    size_t sendable = std::min(SendableBytes(), kTlsEncryptBytes);
    constexpr int kMaxIov = 256;
    struct iovec iov[kMaxIov];
    int n = sendable == 0 ? 0 : out_.Gather(iov, kMaxIov, sendable);
    size_t encrypted = 0;
    for (int i = 0; i < n; ++i) {
      if (!tls_->Send({static_cast<const char*>(iov[i].iov_base), iov[i].iov_len})) {
        Log(LogLevel::kVerbose, "TLS write failed: %s (addr=%s)", tls_->error().c_str(), client_.addr.c_str());
        Close();
        return;
      }
      encrypted += iov[i].iov_len;
    }
    ConsumeSent(encrypted);
    tls_->TakeOutput(&tls_out_);
  }
  if (tls_out_.empty()) return AfterDrain();
  uv_buf_t buf = uv_buf_init(tls_out_.data(), static_cast<unsigned>(tls_out_.size()));
  int written = uv_try_write(&stream_, &buf, 1);
  thread_->stats()->writes_processed.Add();
  if (written < 0 && written != UV_EAGAIN) {
    Close();
    return;
  }
  size_t done = written > 0 ? static_cast<size_t>(written) : 0;
  NoteWritten(done);
  tls_out_.erase(0, done);
  if (done > 0) client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);
  if (tls_out_.empty()) return AfterDrain();
  // The socket is full: libuv writes the rest; tls_out_ stays unchanged until OnWrite.
  buf = uv_buf_init(tls_out_.data(), static_cast<unsigned>(tls_out_.size()));
  write_in_flight_ = tls_out_.size();
  write_req_.data = this;
  if (uv_write(&write_req_, &stream_, &buf, 1, OnWrite) != 0) {
    write_in_flight_ = 0;
    Close();
  }
}

}  // namespace cairn::server
