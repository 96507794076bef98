// PooledHttpClient over https against a real TLS server on loopback, with certificates made by the
// openssl CLI: verification on by default, a private CA, host names, mutual TLS, connection reuse
// (one handshake for many calls), cancellation, and config errors for missing files.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "downstream/http_client_pool.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "fake_call_context.hpp"
#include "mosaic/config_error.hpp"
#include "test_http_server.hpp"
#include "tls_test_server.hpp"

namespace mosaic::downstream {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::CollectingLogger;
using mosaic::testing::FakeCallContext;
using mosaic::testing::TestCertificates;
using mosaic::testing::TlsTestServer;

template <class T>
std::string reason(const T& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().reason();
}

template <class T>
std::string detail(const T& outcome) {
  return outcome.ok() ? "" : outcome.failure().detail;
}

HttpRequest get(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

class HttpsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new TestCertificates(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static std::string file(const std::string& name) { return certs_->file(name); }
  static TlsTestServer::Options server_with(const std::string& leaf,
                                            bool require_client_cert = false) {
    return {file(leaf + ".pem"), file(leaf + ".key"),
            require_client_cert ? file("ca.pem") : std::string()};
  }
  static HttpClientOptions options_for(const TlsTestServer& server,
                                       const std::string& ca = "ca.pem",
                                       const std::string& host = "127.0.0.1") {
    HttpClientOptions options;
    options.base_url = server.base_url(host);
    options.max_connections = 4;
    if (!ca.empty()) options.tls.ca_file = file(ca);
    return options;
  }
  static Outcome<HttpResponse> call(PooledHttpClient& client, const std::string& target = "/json") {
    FakeCallContext context(5s);
    return client.send(get(target), context);
  }

  static TestCertificates* certs_;
};

TestCertificates* HttpsClientTest::certs_ = nullptr;

TEST_F(HttpsClientTest, SucceedsWithThePrivateCa) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server));
  auto outcome = call(client);
  ASSERT_TRUE(outcome.ok()) << detail(outcome);
  EXPECT_EQ(outcome.value().status, 200);
  EXPECT_EQ(outcome.value().body, R"({"ok":true})");
}

TEST_F(HttpsClientTest, SucceedsByHostNameToo) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server, "ca.pem", "localhost"));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "ok") << detail(outcome);
}

TEST_F(HttpsClientTest, SystemStoreDoesNotTrustAPrivateCa) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server, /*ca=*/""));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "tls_verify_failed") << detail(outcome);
}

TEST_F(HttpsClientTest, RefusesACertificateFromAnotherCa) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server, "other-ca.pem"));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "tls_verify_failed") << detail(outcome);
  EXPECT_NE(detail(outcome).find("unable to get local issuer certificate"), std::string::npos)
      << detail(outcome);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, RefusesAWrongHostName) {
  TlsTestServer server(server_with("wronghost"));
  PooledHttpClient client(options_for(server));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "tls_verify_failed") << detail(outcome);
  EXPECT_NE(detail(outcome).find("mismatch"), std::string::npos) << detail(outcome);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, RefusesAnExpiredCertificate) {
  certs_->make_expired_leaf("expired", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1");
  TlsTestServer server(server_with("expired"));
  PooledHttpClient client(options_for(server));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "tls_verify_failed") << detail(outcome);
  EXPECT_NE(detail(outcome).find("certificate has expired"), std::string::npos) << detail(outcome);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, ServerNameChoosesTheNameToCheck) {
  TlsTestServer server(server_with("wronghost"));
  auto options = options_for(server);
  options.tls.server_name = "wrong.example";
  PooledHttpClient client(options);
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "ok") << detail(outcome);
}

TEST_F(HttpsClientTest, VerifyFalseAcceptsAnyCertificate) {
  TlsTestServer server(server_with("wronghost"));
  auto options = options_for(server, "other-ca.pem");
  options.tls.verify = false;
  PooledHttpClient client(options);
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "ok") << detail(outcome);
}

TEST_F(HttpsClientTest, MutualTlsWithTheClientCertificate) {
  TlsTestServer server(server_with("server", /*require_client_cert=*/true));
  auto options = options_for(server);
  options.tls.cert_file = file("client.pem");
  options.tls.key_file = file("client.key");
  PooledHttpClient client(options);
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "ok") << detail(outcome);
}

TEST_F(HttpsClientTest, MutualTlsRefusedWithoutAClientCertificate) {
  TlsTestServer server(server_with("server", /*require_client_cert=*/true));
  PooledHttpClient client(options_for(server));
  auto outcome = call(client);
  EXPECT_EQ(reason(outcome), "tls_handshake_failed") << detail(outcome);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, OneHandshakeForManySequentialCalls) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server));
  for (int i = 0; i < 50; ++i) {
    auto outcome = call(client);
    ASSERT_TRUE(outcome.ok()) << i << ": " << detail(outcome);
  }
  EXPECT_EQ(server.requests(), 50);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client.stats().opened_total, 1u);
  EXPECT_EQ(client.stats().reused_total, 49u);
}

TEST_F(HttpsClientTest, CancellationStopsACallAtOnce) {
  TlsTestServer server(server_with("server"));
  PooledHttpClient client(options_for(server));
  ASSERT_TRUE(call(client).ok());  // warm: the cancel hits a reused TLS connection
  FakeCallContext context(5s);
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    context.cancel();
  });
  auto start = Clock::now();
  auto outcome = client.send(get("/hang"), context);
  canceller.join();
  EXPECT_EQ(reason(outcome), "cancelled") << detail(outcome);
  EXPECT_LT(Clock::now() - start, 1s);
  server.release();
}

TEST_F(HttpsClientTest, ADeadlineBoundsAHungHandshake) {
  // A plain TCP listener that never speaks TLS: the handshake waits for the server's hello.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  HttpClientOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(silent.address().port());
  options.tls.ca_file = file("ca.pem");
  PooledHttpClient client(options);
  FakeCallContext context(200ms);
  auto start = Clock::now();
  auto outcome = client.send(get("/json"), context);
  EXPECT_EQ(reason(outcome), "timeout") << detail(outcome);
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST_F(HttpsClientTest, APlainHttpServerIsAHandshakeFailure) {
  // Answers the ClientHello with plain HTTP, as a server without TLS on that port would.
  Poco::Net::ServerSocket plain(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::thread responder([&plain] {
    Poco::Net::StreamSocket peer = plain.acceptConnection();
    char buffer[512];
    peer.receiveBytes(buffer, sizeof buffer);
    const std::string reply =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    peer.sendBytes(reply.data(), static_cast<int>(reply.size()));
    peer.close();
  });
  HttpClientOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(plain.address().port());
  options.tls.ca_file = file("ca.pem");
  PooledHttpClient client(options);
  auto outcome = call(client);
  responder.join();
  EXPECT_EQ(reason(outcome), "tls_handshake_failed") << detail(outcome);
}

std::string config_error(const HttpClientOptions& options) {
  try {
    PooledHttpClient client(options);
  } catch (const ConfigError& e) {
    return e.path() + ": " + e.what();
  }
  return "no error";
}

TEST_F(HttpsClientTest, MissingOrBadFilesAreConfigErrors) {
  HttpClientOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.tls.ca_file = certs_->dir() + "/missing.pem";
  EXPECT_EQ(config_error(options),
            "tls.ca_file: cannot read '" + options.tls.ca_file + "': No such file or directory");

  options.tls.ca_file = file("ca.key");  // a key, not a certificate
  EXPECT_EQ(config_error(options).rfind("tls.ca_file: '", 0), 0u) << config_error(options);

  options.tls.ca_file = file("ca.pem");
  options.tls.cert_file = file("client.pem");
  EXPECT_EQ(config_error(options), "tls.key_file: mutual TLS needs both cert_file and key_file");

  options.tls.key_file = certs_->dir() + "/nokey.pem";
  EXPECT_EQ(config_error(options).rfind("tls.key_file: cannot read", 0), 0u)
      << config_error(options);

  options.tls.key_file = file("server.key");  // does not match client.pem
  EXPECT_EQ(config_error(options).rfind("tls.key_file: ", 0), 0u) << config_error(options);

  options.tls.key_file = file("client.key");
  EXPECT_EQ(config_error(options), "no error");
}

TEST_F(HttpsClientTest, PoolCacheKeyChangesWhenACertificateFileChanges) {
  HttpClientOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.tls.ca_file = file("renewed-ca.pem");
  std::filesystem::copy_file(file("ca.pem"), options.tls.ca_file);
  const std::string before = options_key(options);
  EXPECT_EQ(options_key(options), before);
  std::filesystem::copy_file(file("other-ca.pem"), options.tls.ca_file,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_NE(options_key(options), before);
}

TEST_F(HttpsClientTest, PoolCacheKeySeesAnInPlaceRewriteThatKeepsSizeAndMtime) {
  // What `cp -p`, or two writes within the file system's timestamp granularity, leave behind:
  // same inode, same size, same mtime, other content.
  HttpClientOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.tls.ca_file = file("rewritten-ca.pem");
  std::ofstream(options.tls.ca_file, std::ios::binary) << std::string(100, 'a');
  const auto mtime = std::filesystem::last_write_time(options.tls.ca_file);
  const std::string before = options_key(options);
  std::ofstream(options.tls.ca_file, std::ios::binary) << std::string(100, 'b');
  std::filesystem::last_write_time(options.tls.ca_file, mtime);
  EXPECT_NE(options_key(options), before);
}

TEST(HttpsPlugin, VerifyFalseWarnsOnceAtLoad) {
  TestCertificates certs;
  PluginLoader loader({MOSAIC_PLUGIN_DIR});
  CollectingLogger logger;
  EnginePluginServices services(logger);
  auto plugin = loader.load("http");
  DownstreamSpec spec{"secure",
                      Json(json::object{{"base_url", "https://127.0.0.1:1"},
                                        {"tls", json::object{{"verify", false}}}}),
                      1000ms};
  auto downstream = keep_library_alive(plugin->create_downstream(spec, services), plugin);
  EXPECT_TRUE(logger.contains("warn tls verification is off"))
      << ::testing::PrintToString(logger.lines());
  EXPECT_EQ(logger.lines().size(), 1u);

  DownstreamSpec missing{
      "secure",
      Json(json::object{{"base_url", "https://127.0.0.1:1"},
                        {"tls", json::object{{"ca_file", certs.dir() + "/nope.pem"}}}}),
      1000ms};
  try {
    plugin->create_downstream(missing, services);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.path(), "tls.ca_file");
  }
  DownstreamSpec plain{"plain",
                       Json(json::object{{"base_url", "http://127.0.0.1:1"},
                                         {"tls", json::object{{"verify", true}}}}),
                       1000ms};
  try {
    plugin->create_downstream(plain, services);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.path(), "tls");
  }
}

}  // namespace
}  // namespace mosaic::downstream
