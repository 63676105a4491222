// src/net/tls_context.h — the server's TLS configuration as OpenSSL holds it: certificate and
// key, the CAs that sign client certificates, protocols, ciphers and session caching, built
// from the tls-* options with Redis 7.0's meanings (README, "TLS"). Beside it, the client side
// for connections the server makes itself (tls-replication): the client certificate
// (tls-client-cert-file and -key-file, or the server's own when either is unset), and the same
// CAs, which must sign the certificate of the server connected to.
//
// Thread-safety: Configure() may run on any thread while I/O threads call NewSession(); a
// new configuration applies to connections accepted afterwards, and the old one lives on
// (OpenSSL reference-counts it) until its last connection closes.
#pragma once

#include <mutex>
#include <string>

#include "src/base/config.h"
#include "store/base/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace cairn::server {

class TlsContext {
 public:
  TlsContext() = default;
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Builds a new OpenSSL context from config's tls-* options and, if that succeeds, makes it
  // the one new connections use. On failure the previous context stays and the message says
  // why (a missing file, a key that does not match, an unknown protocol name...).
  [[nodiscard]] Status Configure(const Config& config);
  // Whether Configure has succeeded once.
  bool ready() const;
  // A server-side SSL object for one connection (the caller frees it with SSL_free), or
  // nullptr if there is no context or OpenSSL fails.
  SSL* NewSession() const;
  // A client-side SSL object, in connect state, for a connection this server makes; the
  // handshake verifies the peer's certificate against the CAs (no host name check, as in
  // Redis). nullptr as for NewSession.
  SSL* NewClientSession() const;

  // Whether the options ask for a TLS context at all: a TLS port or tls-replication.
  static bool Wanted(const Config& config);

 private:
  mutable std::mutex mu_;
  SSL_CTX* ctx_ = nullptr;
  SSL_CTX* client_ctx_ = nullptr;
};

}  // namespace cairn::server
