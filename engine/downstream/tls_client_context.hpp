#pragma once
// The TLS side of an https downstream: one Poco::Net::Context per client, built once when the
// client is built (so a reload with renewed files builds a new one), and the mapping of TLS
// errors to typed failures.
//
// Verification is OpenSSL's own: the chain against ca_file (or the system store) and the host
// name (or IP address) through the context's X509_VERIFY_PARAM, so a wrong host name fails the
// handshake exactly like an unknown CA or an expired certificate. There is no fallback to an
// unverified connection; only `verify: false` turns verification off.
#include <Poco/Net/Context.h>

#include <exception>
#include <string>

#include "mosaic/failure.hpp"
#include "mosaic/http_client.hpp"

namespace mosaic::downstream {

// Throws mosaic::ConfigError with the key ("tls.ca_file", "tls.cert_file", "tls.key_file") when a
// file is missing, unreadable or not PEM, or the key does not match the certificate.
// `host` is the base URL's host, checked against the certificate unless tls.server_name is set.
Poco::Net::Context::Ptr make_client_context(const HttpTlsOptions& tls, const std::string& host);

// The name sent as SNI and checked against the certificate.
std::string tls_peer_name(const HttpTlsOptions& tls, const std::string& host);

// A digest of the configured files' content: part of the pool cache key, so a reload after a
// certificate was renewed builds a new client (and context) instead of reusing the old one, and a
// reload with unchanged files keeps the warm pool.
std::string tls_files_fingerprint(const HttpTlsOptions& tls);

// Records, on the calling thread, why OpenSSL refused the peer's certificate during a handshake.
// The handshake runs on the thread that called connect, so a thread-local is exact.
class TlsVerifyScope {
 public:
  TlsVerifyScope();  // clears the last error
  ~TlsVerifyScope();
  TlsVerifyScope(const TlsVerifyScope&) = delete;
  TlsVerifyScope& operator=(const TlsVerifyScope&) = delete;
  // Empty when no certificate was refused, else OpenSSL's text ("certificate has expired").
  static std::string last_error();
};

// True when `error` came from the TLS layer (Poco::Net::SSLException and its kin).
bool is_tls_error(const std::exception& error);

// A TLS failure: tls_verify_failed when the certificate was refused (recorded by TlsVerifyScope,
// or Poco's own certificate checks), tls_handshake_failed otherwise.
Failure tls_failure(const std::exception& error, const std::string& detail);

}  // namespace mosaic::downstream
