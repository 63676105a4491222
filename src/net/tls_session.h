// src/net/tls_session.h — one TLS connection as a byte transform, with no socket of its own:
// the connection hands it the bytes libuv read (ciphertext) and gets back the plaintext the
// client sent; it hands it reply bytes (plaintext) and gets back the ciphertext to write.
// OpenSSL runs over two memory BIOs, so TLS reuses the connection's own reads, writes, I/O
// thread and batching (all replies of a pipeline are encrypted together and leave in one
// write), and the handshake happens inside the first reads.
//
// Memory stays bounded by what the caller feeds: Receive() decrypts everything it was given
// before returning, so at most one partial record (16 KB) waits inside OpenSSL.
// Thread: one thread at a time (the connection's I/O thread).
#pragma once

#include <string>
#include <string_view>

#include "resp/input_buffer.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace cairn::server {

class TlsSession {
 public:
  // Takes ownership of ssl (a server-side SSL from TlsContext::NewSession).
  explicit TlsSession(SSL* ssl);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Feeds ciphertext read from the socket, advances the handshake, and appends all the
  // plaintext it yields to plain. Returns false when the connection must close: a failed
  // handshake (bad certificate, garbage, a protocol the server refuses), a bad record, or
  // the client's close_notify. After false, TakeOutput may still hold an alert to send.
  [[nodiscard]] bool Receive(std::string_view ciphertext, resp::InputBuffer* plain);
  // Encrypts plaintext (the handshake must have finished: a client sends a command only
  // after it). Returns false on failure.
  [[nodiscard]] bool Send(std::string_view plaintext);
  // Moves the ciphertext waiting to be written (records from Send, handshake messages,
  // alerts) to the end of out.
  void TakeOutput(std::string* out);
  // Why the session failed (OpenSSL's reason), for the log; "" if it did not.
  const std::string& error() const { return error_; }

 private:
  SSL* ssl_;
  BIO* in_;   // ciphertext from the client, owned by ssl_
  BIO* out_;  // ciphertext to the client, owned by ssl_
  std::string error_;
};

}  // namespace cairn::server
