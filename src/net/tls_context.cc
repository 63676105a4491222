// src/net/tls_context.cc — see tls_context.h. The checks and their order follow Redis 7.0's
// tls.c, so the same configuration is accepted or refused for the same reason.
#include "src/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <strings.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cairn::server {
namespace {

// OpenSSL's error queue as one line, and cleared.
std::string SslErrors() {
  std::string out;
  char buf[256];
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown error" : out;
}

Status Fail(const std::string& what) { return Status::Invalid(what); }

// tls-protocols: "TLSv1.2 TLSv1.3" (any case, any order) -> min and max versions. Empty means
// TLSv1.2 and TLSv1.3, Redis's default. Gaps are not possible in OpenSSL: the range from the
// oldest to the newest named is enabled.
Status ParseProtocols(const std::string& text, int* min_version, int* max_version) {
  struct Named {
    const char* name;
    int version;
  };
  static const Named kVersions[] = {{"tlsv1", TLS1_VERSION}, {"tlsv1.1", TLS1_1_VERSION},
                                    {"tlsv1.2", TLS1_2_VERSION}, {"tlsv1.3", TLS1_3_VERSION}};
  *min_version = text.empty() ? TLS1_2_VERSION : 0;
  *max_version = text.empty() ? TLS1_3_VERSION : 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.find(' ', i), text.size());
    std::string word = text.substr(i, end - i);
    i = end + 1;
    if (word.empty()) continue;
    int version = 0;
    for (const Named& n : kVersions) {
      if (strcasecmp(word.c_str(), n.name) == 0) version = n.version;
    }
    if (version == 0) {
      return Fail("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', "
                  "'TLSv1.2' and 'TLSv1.3'.");
    }
    *min_version = *min_version == 0 ? version : std::min(*min_version, version);
    *max_version = std::max(*max_version, version);
  }
  if (*min_version == 0) return Fail("Invalid tls-protocols configuration string");
  return Status::Ok();
}

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  int n = static_cast<int>(std::min<size_t>(pass->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

// The certificate a context presents: the server's, or for the client side the client files.
struct Identity {
  const std::string& cert_file;
  const std::string& key_file;
  const std::string& key_file_pass;
};

Identity ServerIdentity(const TlsOptions& t) { return {t.cert_file, t.key_file, t.key_file_pass}; }

// As in Redis, the client files are used only when both are set.
Identity ClientIdentity(const TlsOptions& t) {
  if (t.client_cert_file.empty() || t.client_key_file.empty()) return ServerIdentity(t);
  return {t.client_cert_file, t.client_key_file, t.client_key_file_pass};
}

// Certificate, key, CAs, ciphers and protocols: what a handshake needs.
Status LoadIdentity(SSL_CTX* ctx, const Config& c, const Identity& id, int min_version,
                    int max_version) {
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // (OpenSSL 3 refuses client-initiated renegotiation unless allowed, as Redis wants.)
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE);
  std::string pass = id.key_file_pass;
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &pass);
  bool ok = SSL_CTX_use_certificate_chain_file(ctx, id.cert_file.c_str()) > 0;
  if (!ok) return Fail("Failed to load certificate: " + id.cert_file + ": " + SslErrors());
  ok = SSL_CTX_use_PrivateKey_file(ctx, id.key_file.c_str(), SSL_FILETYPE_PEM) > 0;
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!ok) return Fail("Failed to load private key: " + id.key_file + ": " + SslErrors());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Fail("Private key does not match the certificate: " + SslErrors());
  }
  const char* ca_file = c.tls.ca_cert_file.empty() ? nullptr : c.tls.ca_cert_file.c_str();
  const char* ca_dir = c.tls.ca_cert_dir.empty() ? nullptr : c.tls.ca_cert_dir.c_str();
  if ((ca_file || ca_dir) && SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) <= 0) {
    return Fail("Failed to configure CA certificate(s) file/directory: " + SslErrors());
  }
  if (!c.tls.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, c.tls.ciphers.c_str())) {
    return Fail("Failed to configure ciphers: " + c.tls.ciphers);
  }
  if (!c.tls.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, c.tls.ciphersuites.c_str())) {
    return Fail("Failed to configure ciphersuites: " + c.tls.ciphersuites);
  }
  return Status::Ok();
}

// Client certificates (tls-auth-clients), session caching, cipher preference, DH params.
Status ApplyPolicy(SSL_CTX* ctx, const Config& c) {
  int verify = c.tls.auth_clients == "no"         ? SSL_VERIFY_NONE
               : c.tls.auth_clients == "optional" ? SSL_VERIFY_PEER
                                                  : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  if (c.tls.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, c.tls.session_cache_size);
    SSL_CTX_set_timeout(ctx, c.tls.session_cache_timeout);
    static const unsigned char kId[] = "cairn";
    SSL_CTX_set_session_id_context(ctx, kId, sizeof(kId) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (c.tls.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (c.tls.dh_params_file.empty()) {
    SSL_CTX_set_dh_auto(ctx, 1);
    return Status::Ok();
  }
  BIO* f = BIO_new_file(c.tls.dh_params_file.c_str(), "r");
  if (f == nullptr) {
    return Fail("Failed to load " + c.tls.dh_params_file + ": " + std::strerror(errno));
  }
  EVP_PKEY* params = PEM_read_bio_Parameters(f, nullptr);
  BIO_free(f);
  if (params == nullptr || SSL_CTX_set0_tmp_dh_pkey(ctx, params) <= 0) {
    EVP_PKEY_free(params);
    return Fail("Failed to load DH params file: " + c.tls.dh_params_file + ": " + SslErrors());
  }
  return Status::Ok();  // params now belong to ctx
}

// The client side: the peer (a primary) must show a certificate the CAs signed.
Result<SSL_CTX*> NewClientContext(const Config& c, int min_version, int max_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Fail("Failed to create TLS context: " + SslErrors());
  Status st = LoadIdentity(ctx, c, ClientIdentity(c.tls), min_version, max_version);
  if (!st.ok()) {
    SSL_CTX_free(ctx);
    return st;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

}  // namespace

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
  SSL_CTX_free(client_ctx_);
}

bool TlsContext::Wanted(const Config& c) { return c.tls.port != 0 || c.tls.replication; }

Status TlsContext::Configure(const Config& c) {
  if (c.tls.cert_file.empty()) return Fail("No tls-cert-file configured!");
  if (c.tls.key_file.empty()) return Fail("No tls-key-file configured!");
  if ((c.tls.auth_clients != "no" || c.tls.replication) && c.tls.ca_cert_file.empty() &&
      c.tls.ca_cert_dir.empty()) {
    return Fail("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                "tls-cluster, tls-replication or tls-auth-clients are enabled!");
  }
  int min_version = 0, max_version = 0;
  if (Status st = ParseProtocols(c.tls.protocols, &min_version, &max_version); !st.ok()) {
    return st;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Fail("Failed to create TLS context: " + SslErrors());
  Status st = LoadIdentity(ctx, c, ServerIdentity(c.tls), min_version, max_version);
  if (st.ok()) st = ApplyPolicy(ctx, c);
  Result<SSL_CTX*> client = st.ok() ? NewClientContext(c, min_version, max_version)
                                    : Result<SSL_CTX*>(st);
  ERR_clear_error();
  if (!client.ok()) {
    SSL_CTX_free(ctx);
    return client.status();
  }
  std::lock_guard lock(mu_);
  SSL_CTX_free(ctx_);  // connections that use it hold their own references
  SSL_CTX_free(client_ctx_);
  ctx_ = ctx;
  client_ctx_ = *client;
  return Status::Ok();
}

bool TlsContext::ready() const {
  std::lock_guard lock(mu_);
  return ctx_ != nullptr;
}

SSL* TlsContext::NewSession() const {
  std::lock_guard lock(mu_);
  return ctx_ == nullptr ? nullptr : SSL_new(ctx_);
}

SSL* TlsContext::NewClientSession() const {
  SSL* ssl = nullptr;
  {
    std::lock_guard lock(mu_);
    if (client_ctx_ != nullptr) ssl = SSL_new(client_ctx_);
  }
  if (ssl != nullptr) SSL_set_connect_state(ssl);
  return ssl;
}

}  // namespace cairn::server
