#include "server/tls_listener.hpp"

#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "support/file_digest.hpp"

namespace mosaic::server {

namespace {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM block of that kind";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<std::FILE, FileCloser> open_file(const std::string& key, const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    throw ListenerTlsError("cannot read server.tls." + key + " '" + path +
                           "': " + std::strerror(errno));
  }
  return file;
}

// Both files are parsed here first, so that each failure names its file and says what is wrong
// with it, rather than OpenSSL's text alone.
void check_files(const config::ServerTlsConfig& tls) {
  ERR_clear_error();
  auto cert_file = open_file("cert_file", tls.cert_file);
  std::unique_ptr<X509, X509Free> cert(PEM_read_X509(cert_file.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    throw ListenerTlsError("server.tls.cert_file '" + tls.cert_file +
                           "' holds no PEM certificate: " + openssl_error());
  }
  auto key_file = open_file("key_file", tls.key_file);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_PrivateKey(key_file.get(), nullptr, nullptr, nullptr));
  if (!key) {
    throw ListenerTlsError("server.tls.key_file '" + tls.key_file +
                           "' holds no unencrypted PEM private key: " + openssl_error());
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    throw ListenerTlsError("server.tls.key_file '" + tls.key_file +
                           "' does not match server.tls.cert_file '" + tls.cert_file +
                           "': " + openssl_error());
  }
}

std::string digest_of(const config::ServerTlsConfig& tls) {
  return support::files_digest({tls.cert_file, tls.key_file});
}

}  // namespace

Poco::Net::Context::Ptr make_server_context(const config::ServerTlsConfig& tls) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  check_files(tls);
  Poco::Net::Context::Params params;
  params.verificationMode =
      Poco::Net::Context::VERIFY_NONE;  // clients are not asked for certificates
  params.cipherList = kCipherList;
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  } catch (const Poco::Exception& e) {
    throw ListenerTlsError("server.tls: " + e.displayText());
  }
  SSL_CTX* ctx = context->sslContext();
  // The chain (certificate first, intermediates after it) and the key, as checked above.
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    throw ListenerTlsError("server.tls.cert_file '" + tls.cert_file +
                           "' cannot be used: " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    throw ListenerTlsError("server.tls.key_file '" + tls.key_file +
                           "' cannot be used: " + openssl_error());
  }
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  context->enableSessionCache(true, "mosaic");
  context->enableExtendedCertificateVerification(false);  // no client certificates to match
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return context;
}

ListenerTls::ListenerTls(const config::ServerTlsConfig& tls) : digest_(digest_of(tls)) {
  context_ = make_server_context(tls);
}

Poco::Net::Context::Ptr ListenerTls::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

std::optional<ListenerTls::Renewal> ListenerTls::prepare(const config::ServerTlsConfig& tls) const {
  // The digest is taken before the files are loaded: a file replaced in between is loaded new
  // but digested old, so the next reload loads it again rather than never.
  std::string digest = digest_of(tls);
  {
    std::lock_guard lock(mutex_);
    if (digest == digest_) return std::nullopt;
  }
  return Renewal{make_server_context(tls), std::move(digest)};
}

void ListenerTls::renew(Renewal renewal) {
  std::lock_guard lock(mutex_);
  context_ = std::move(renewal.context);
  digest_ = std::move(renewal.digest);
}

Poco::Net::TCPServerConnection* TlsConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  Poco::Net::StreamSocket wrapped(socket);
  try {
    // Only sets up the SSL object; the handshake runs at the connection's first read.
    wrapped = Poco::Net::SecureStreamSocket::attach(socket, tls_->current());
  } catch (const std::exception&) {
    // No SSL object could be made (out of memory): the client sees the connection close.
    // Throwing here instead would cost Poco's dispatcher one of its threads.
    try {
      wrapped.shutdown();
    } catch (...) {
    }
  }
  return inner_->createConnection(wrapped);
}

}  // namespace mosaic::server
