#pragma once
// TLS on the public listener (`server.tls`): the server context and the listening socket.
//
// Modern defaults, fixed rather than configurable: TLS 1.2 and 1.3 only, no compression,
// server cipher preference, forward-secret AEAD suites only (the TLS 1.2 list is kCipherList;
// TLS 1.3 uses OpenSSL's default suites: AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305), and a
// session cache so returning clients resume instead of paying a full handshake.
#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include "config/server_tls_config.hpp"

namespace mosaic::server {

inline constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Throws Poco::Exception when the key does not match the certificate or a file cannot be used.
Poco::Net::Context::Ptr make_server_context(const config::ServerTlsConfig& tls);

// An unbound socket: a SecureServerSocket when TLS is enabled, a plain one otherwise.
Poco::Net::ServerSocket make_listen_socket(const config::ServerTlsConfig& tls);

}  // namespace mosaic::server
