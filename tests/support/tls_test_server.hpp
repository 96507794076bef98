#pragma once
// TLS fixtures: certificates made by the openssl CLI into a temp folder, and a real HTTPS server
// on 127.0.0.1 (Poco's HTTPServer over a SecureServerSocket) that counts the TLS connections it
// accepted, so a test can assert one handshake for N keep-alive calls.
//
// Certificates (PEM, in dir()):
//   ca.pem / ca.key               the private CA
//   server.pem / server.key       for 127.0.0.1 and localhost, signed by ca
//   wronghost.pem / wronghost.key for wrong.example only, signed by ca
//   client.pem / client.key       a client certificate signed by ca (mutual TLS)
//   other-ca.pem                  a second CA that signed nothing the server shows
// and whatever a test adds with make_ca, make_leaf and make_expired_leaf.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/ThreadPool.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace mosaic::testing {

class TestCertificates {
 public:
  TestCertificates() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("mosaic-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    make_ca("ca", "Mosaic Test CA");
    make_ca("other-ca", "Some Other CA");
    make_leaf("server", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost",
              "serverAuth");
    make_leaf("wronghost", "ca", "wrong.example", "subjectAltName=DNS:wrong.example", "serverAuth");
    make_leaf("client", "ca", "mosaic-client", "subjectAltName=DNS:mosaic-client", "clientAuth");
  }
  ~TestCertificates() { std::filesystem::remove_all(dir_); }
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  std::string dir() const { return dir_.string(); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // More certificates in dir(), each as `name`.pem and `name`.key; a leaf is signed by the CA
  // named `ca`.
  void make_ca(const std::string& name, const std::string& cn) const {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "
        "'/CN=" +
        cn + "' -keyout " + name + ".key -out " + name + ".pem");
  }
  void make_leaf(const std::string& name, const std::string& ca, const std::string& cn,
                 const std::string& san, const std::string& usage) const {
    std::ofstream(dir_ / (name + ".ext")) << san << "\nextendedKeyUsage=" << usage << "\n";
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=" + cn +
        "' -keyout " + name + ".key -out " + name + ".csr");
    run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
        ".key -CAcreateserial -days 30 -extfile " + name + ".ext -out " + name + ".pem");
  }
  // A leaf whose validity ended long ago (January 2020), signed by `ca`: `openssl ca` is the CLI
  // that takes explicit start and end dates.
  void make_expired_leaf(const std::string& name, const std::string& ca, const std::string& cn,
                         const std::string& san) const {
    std::ofstream(dir_ / (name + ".ext")) << san << "\nextendedKeyUsage=serverAuth\n";
    std::ofstream(dir_ / (name + ".cnf"))
        << "[ca]\ndefault_ca = test\n[test]\ndatabase = " << name << ".index\nnew_certs_dir = .\n"
        << "serial = " << name << ".serial\ndefault_md = sha256\npolicy = any\n"
        << "[any]\ncommonName = supplied\n";
    std::ofstream(dir_ / (name + ".index"));
    std::ofstream(dir_ / (name + ".serial")) << "1000\n";
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=" + cn +
        "' -keyout " + name + ".key -out " + name + ".csr");
    run("openssl ca -batch -notext -config " + name + ".cnf -cert " + ca + ".pem -keyfile " + ca +
        ".key -startdate 20200101000000Z -enddate 20200201000000Z -extfile " + name + ".ext -in " +
        name + ".csr -out " + name + ".pem");
  }

 private:
  void run(const std::string& command) const {
    const std::string full = "cd '" + dir() + "' && " + command + " >/dev/null 2>&1";
    if (std::system(full.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::filesystem::path dir_;
};

// Answers every request with 200 {"ok":true} (Content-Length, keep-alive); "/hang" waits until
// released or 10 s pass (for cancellation tests).
class TlsTestServer {
 public:
  struct Options {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;  // non-empty: a client certificate signed by it is required
  };

  // `port` 0: a free one. A fixed port lets a test put a server with other certificates where
  // an earlier one was.
  explicit TlsTestServer(const Options& options, std::uint16_t port = 0) {
    static const bool ssl_ready = [] {
      Poco::Net::initializeSSL();
      return true;
    }();
    (void)ssl_ready;
    Poco::Net::Context::Params params;
    params.certificateFile = options.cert_file;
    params.privateKeyFile = options.key_file;
    params.caLocation = options.client_ca_file;
    params.verificationMode = options.client_ca_file.empty() ? Poco::Net::Context::VERIFY_NONE
                                                             : Poco::Net::Context::VERIFY_STRICT;
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    context_->enableSessionCache(true, "mosaic-test");
    // Poco would also match the client certificate's names against the client's address.
    context_->enableExtendedCertificateVerification(false);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 64, context_);
    port_ = socket.address().port();
    auto* server_params = new Poco::Net::HTTPServerParams;
    server_params->setKeepAlive(true);
    server_params->setMaxKeepAliveRequests(10000);
    server_params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    server_ =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), pool_, socket, server_params);
    server_->start();
  }
  ~TlsTestServer() {
    released_ = true;
    server_->stopAll(true);
    pool_.joinAll();
  }

  std::uint16_t port() const { return port_; }
  std::string base_url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_);
  }
  // TCP connections accepted (each one a TLS handshake, successful or not).
  int connections() const { return server_->totalConnections(); }
  int requests() const { return requests_.load(); }
  void release() { released_ = true; }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(TlsTestServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      ++server_.requests_;
      if (request.getURI() == "/hang") {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!server_.released_ && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      static const std::string body = R"({"ok":true})";
      response.setContentType("application/json");
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      response.setKeepAlive(true);
      response.send() << body;
    }

   private:
    TlsTestServer& server_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(TlsTestServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    TlsTestServer& server_;
  };

  Poco::Net::Context::Ptr context_;
  Poco::ThreadPool pool_{2, 16};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> released_{false};
};

}  // namespace mosaic::testing
