#pragma once
// TLS on the public listener (`server.tls`): the server context, renewed by a reload, and the
// connection factory that wraps each accepted socket in it.
//
// Modern defaults, fixed rather than configurable: TLS 1.2 and 1.3 only, no compression,
// server cipher preference, forward-secret AEAD suites only (the TLS 1.2 list is kCipherList;
// TLS 1.3 uses OpenSSL's default suites: AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305), and a
// session cache so returning clients resume instead of paying a full handshake.
//
// The listening socket is a plain one: each accepted connection takes the context that is
// current at that moment (SecureStreamSocket::attach, on the connection's own thread; the
// handshake itself runs at the first read, under the header deadline). So a reload with renewed
// certificate files swaps the context in for new connections, and connections already open keep
// the one they started with.
#include <Poco/Net/Context.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "config/server_tls_config.hpp"

namespace mosaic::server {

inline constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// A certificate or key file that cannot be used; the message names the file's path.
class ListenerTlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ListenerTlsError when a file cannot be read or used, or the key does not match the
// certificate.
Poco::Net::Context::Ptr make_server_context(const config::ServerTlsConfig& tls);

class ListenerTls {
 public:
  // A context built from new files, not yet serving.
  struct Renewal {
    Poco::Net::Context::Ptr context;
    std::string digest;
  };

  // Throws ListenerTlsError (see make_server_context).
  explicit ListenerTls(const config::ServerTlsConfig& tls);

  // The context a connection accepted now is wrapped in.
  Poco::Net::Context::Ptr current() const;

  // A reload's first step: a new context when the files' content differs from the serving one's,
  // nullopt when it does not (the session cache stays warm). Throws ListenerTlsError; nothing
  // changes until renew().
  std::optional<Renewal> prepare(const config::ServerTlsConfig& tls) const;
  // The second step, once the rest of the reload can no longer fail.
  void renew(Renewal renewal);

 private:
  mutable std::mutex mutex_;
  Poco::Net::Context::Ptr context_;
  std::string digest_;
};

// Wraps each accepted socket in the listener's current context, then hands it to `inner`.
class TlsConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  TlsConnectionFactory(std::shared_ptr<const ListenerTls> tls,
                       Poco::Net::TCPServerConnectionFactory::Ptr inner)
      : tls_(std::move(tls)), inner_(std::move(inner)) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

 private:
  std::shared_ptr<const ListenerTls> tls_;
  Poco::Net::TCPServerConnectionFactory::Ptr inner_;
};

}  // namespace mosaic::server
