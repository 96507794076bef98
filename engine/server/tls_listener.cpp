#include "server/tls_listener.hpp"

#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <openssl/ssl.h>

#include <mutex>

namespace mosaic::server {

Poco::Net::Context::Ptr make_server_context(const config::ServerTlsConfig& tls) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  Poco::Net::Context::Params params;
  params.certificateFile = tls.cert_file;
  params.privateKeyFile = tls.key_file;
  params.verificationMode =
      Poco::Net::Context::VERIFY_NONE;  // clients are not asked for certificates
  params.cipherList = kCipherList;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  context->enableSessionCache(true, "mosaic");
  context->enableExtendedCertificateVerification(false);  // no client certificates to match
  SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return context;
}

Poco::Net::ServerSocket make_listen_socket(const config::ServerTlsConfig& tls) {
  if (!tls.enabled()) return Poco::Net::ServerSocket();
  return Poco::Net::SecureServerSocket(make_server_context(tls));
}

}  // namespace mosaic::server
