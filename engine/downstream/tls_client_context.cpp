#include "downstream/tls_client_context.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "mosaic/config_error.hpp"
#include "support/file_digest.hpp"

namespace mosaic::downstream {
namespace {

thread_local std::string t_verify_error;

// Replaces Poco's callback (which only raises SSLManager events): records why a certificate was
// refused, for the failure's detail, and keeps OpenSSL's verdict.
int record_verify_error(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok && t_verify_error.empty()) {
    const int error = X509_STORE_CTX_get_error(store);
    t_verify_error = X509_verify_cert_error_string(error);
  }
  return preverify_ok;
}

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "not a PEM file";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::unique_ptr<std::FILE, FileCloser> open_file(const std::string& key, const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw ConfigError(key, "cannot read '" + path + "': " + std::strerror(errno));
  return file;
}

// Reads the file now so that a missing, unreadable or garbled file is a config error naming its
// key, rather than an obscure OpenSSL message (or a failure at the first call).
void check_certificates(const std::string& key, const std::string& path) {
  auto file = open_file(key, path);
  X509* cert = PEM_read_X509(file.get(), nullptr, nullptr, nullptr);
  if (!cert) throw ConfigError(key, "'" + path + "' holds no PEM certificate: " + openssl_error());
  X509_free(cert);
}

void check_private_key(const std::string& key, const std::string& path) {
  auto file = open_file(key, path);
  EVP_PKEY* pkey = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
  if (!pkey) {
    throw ConfigError(key,
                      "'" + path + "' holds no unencrypted PEM private key: " + openssl_error());
  }
  EVP_PKEY_free(pkey);
}

bool is_ip_address(const std::string& name) {
  Poco::Net::IPAddress ignored;
  return Poco::Net::IPAddress::tryParse(name, ignored);
}

}  // namespace

std::string tls_peer_name(const HttpTlsOptions& tls, const std::string& host) {
  return tls.server_name.empty() ? host : tls.server_name;
}

Poco::Net::Context::Ptr make_client_context(const HttpTlsOptions& tls, const std::string& host) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });

  if (!tls.ca_file.empty()) check_certificates("tls.ca_file", tls.ca_file);
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    throw ConfigError(tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file",
                      "mutual TLS needs both cert_file and key_file");
  }
  if (!tls.cert_file.empty()) {
    check_certificates("tls.cert_file", tls.cert_file);
    check_private_key("tls.key_file", tls.key_file);
  }

  Poco::Net::Context::Params params;
  params.verificationMode =
      tls.verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = tls.ca_file.empty();
  params.caLocation = tls.ca_file;
  params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& e) {
    throw ConfigError(tls.ca_file.empty() ? "tls" : "tls.ca_file", e.displayText());
  }
  SSL_CTX* ctx = context->sslContext();
  // The client certificate is loaded here rather than through Params, so that a key that does
  // not match its certificate is refused at load with the key's path.
  if (!tls.cert_file.empty()) {
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
      throw ConfigError("tls.cert_file",
                        "'" + tls.cert_file + "' cannot be used: " + openssl_error());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      throw ConfigError("tls.key_file",
                        "'" + tls.key_file + "' does not match tls.cert_file: " + openssl_error());
    }
  }
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  // Poco's own host check would resolve names from the certificate through DNS for an IP
  // host; OpenSSL's (below) compares names and addresses only, during the handshake.
  context->enableExtendedCertificateVerification(false);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  if (tls.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &record_verify_error);
    const std::string name = tls_peer_name(tls, host);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_ip_address(name)
                       ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    if (ok != 1)
      throw ConfigError(tls.server_name.empty() ? "base_url" : "tls.server_name",
                        "'" + name + "' cannot be checked against a certificate");
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return context;
}

std::string tls_files_fingerprint(const HttpTlsOptions& tls) {
  return support::files_digest({tls.ca_file, tls.cert_file, tls.key_file});
}

TlsVerifyScope::TlsVerifyScope() {
  t_verify_error.clear();
}
TlsVerifyScope::~TlsVerifyScope() {
  t_verify_error.clear();
}
std::string TlsVerifyScope::last_error() {
  return t_verify_error;
}

bool is_tls_error(const std::exception& error) {
  return dynamic_cast<const Poco::Net::SSLException*>(&error) != nullptr;
}

Failure tls_failure(const std::exception& error, const std::string& detail) {
  const std::string refused = TlsVerifyScope::last_error();
  const auto* poco = dynamic_cast<const Poco::Exception*>(&error);
  const std::string text = poco ? poco->displayText() : error.what();
  const bool verify = !refused.empty() ||
                      dynamic_cast<const Poco::Net::CertificateValidationException*>(&error) ||
                      dynamic_cast<const Poco::Net::InvalidCertificateException*>(&error) ||
                      text.find("certificate verify failed") != std::string::npos;
  if (verify) {
    return Failure::Of(FailureKind::kTlsVerifyFailed,
                       refused.empty() ? detail : detail + " (" + refused + ")");
  }
  return Failure::Of(FailureKind::kTlsHandshakeFailed, detail);
}

}  // namespace mosaic::downstream
