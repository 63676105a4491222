// src/net/tls_session.cc — see tls_session.h.
#include "src/net/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>

namespace cairn::server {
namespace {

// OpenSSL's reason for the last failure on this thread, and the error queue cleared (it is
// per thread and shared by every connection of the thread).
std::string TakeSslError(int code) {
  unsigned long e = ERR_get_error();
  char buf[256];
  std::string reason;
  if (e != 0) {
    ERR_error_string_n(e, buf, sizeof(buf));
    reason = buf;
  } else {
    reason = code == SSL_ERROR_ZERO_RETURN ? "closed by the client" : "TLS error";
  }
  ERR_clear_error();
  return reason;
}

}  // namespace

TlsSession::TlsSession(SSL* ssl) : ssl_(ssl) {
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  // An empty read BIO means "wait for more bytes", not end of file.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

bool TlsSession::Receive(std::string_view ciphertext, resp::InputBuffer* plain) {
  while (!ciphertext.empty()) {
    int fed = BIO_write(in_, ciphertext.data(),
                        static_cast<int>(std::min<size_t>(ciphertext.size(), INT_MAX)));
    if (fed <= 0) {
      error_ = "out of memory";
      return false;
    }
    ciphertext.remove_prefix(static_cast<size_t>(fed));
  }
  // SSL_read runs the handshake first; after it, each call decrypts what has arrived. Every
  // complete record is drained, so OpenSSL keeps at most one partial record.
  for (;;) {
    std::span<char> space = plain->Writable(resp::InputBuffer::kDefaultSize);
    int n = SSL_read(ssl_, space.data(), static_cast<int>(std::min<size_t>(space.size(), INT_MAX)));
    if (n > 0) {
      plain->Commit(static_cast<size_t>(n));
      continue;
    }
    int code = SSL_get_error(ssl_, n);
    if (code == SSL_ERROR_WANT_READ) return true;
    error_ = TakeSslError(code);
    return false;
  }
}

bool TlsSession::Send(std::string_view plaintext) {
  while (!plaintext.empty()) {
    int n = SSL_write(ssl_, plaintext.data(),
                      static_cast<int>(std::min<size_t>(plaintext.size(), INT_MAX)));
    if (n <= 0) {
      error_ = TakeSslError(SSL_get_error(ssl_, n));
      return false;
    }
    plaintext.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void TlsSession::TakeOutput(std::string* out) {
  char* data = nullptr;
  long n = BIO_get_mem_data(out_, &data);
  if (n <= 0) return;
  out->append(data, static_cast<size_t>(n));
  (void)BIO_reset(out_);
}

}  // namespace cairn::server
