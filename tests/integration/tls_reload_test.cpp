// Renewed certificates through a reload: an https downstream whose server moved to a new CA (the
// ca_file rewritten in place), and the public listener's certificate and key replaced on disk;
// renewed files that cannot be used refuse the reload, and the running certificates serve on.
#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/X509Certificate.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine_harness.hpp"
#include "tls_test_pipeline.hpp"
#include "tls_test_server.hpp"

namespace mosaic::testing {
namespace {

namespace fs = std::filesystem;

void replace_file(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

std::string serial_of(const std::string& pem_file) {
  return Poco::Crypto::X509Certificate(pem_file).serialNumber();
}

// Certificates for both sides, the listener's kept at listener.pem/listener.key (copies of
// server.pem/server.key, signed by ca), and renewed.pem/renewed.key (CN mosaic-renewed, signed by
// a new CA) to replace them with.
class ListenerRenewal : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_.make_ca("new-ca", "Mosaic Renewed CA");
    certs_.make_leaf("renewed", "new-ca", "mosaic-renewed", "subjectAltName=IP:127.0.0.1",
                     "serverAuth");
    replace_file(certs_.file("server.pem"), listener_pem());
    replace_file(certs_.file("server.key"), listener_key());
    backend_ = std::make_unique<TlsTestServer>(
        TlsTestServer::Options{certs_.file("server.pem"), certs_.file("server.key"), ""});
    engine_ = std::make_unique<EngineUnderTest>(
        https_downstream(backend_->base_url(), certs_.file("ca.pem")), kSecurePipeline,
        "admin: { listen: 127.0.0.1:0 }\n",
        "server: { listen: 127.0.0.1:0, threads: 8, tls: { cert_file: \"" + listener_pem() +
            "\", key_file: \"" + listener_key() + "\" } }\n");
  }

  std::string listener_pem() const { return certs_.file("listener.pem"); }
  std::string listener_key() const { return certs_.file("listener.key"); }
  std::uint16_t port() const { return engine_->port(); }

  TestCertificates certs_;
  std::unique_ptr<TlsTestServer> backend_;
  std::unique_ptr<EngineUnderTest> engine_;
};

TEST_F(ListenerRenewal, NewConnectionsGetTheRenewedCertificateAfterReload) {
  const std::string old_serial = serial_of(listener_pem());
  HttpsReply first = fetch_over_tls(port(), certs_.file("ca.pem"));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.common_name, "127.0.0.1");
  EXPECT_EQ(first.serial, old_serial);

  // A keep-alive connection opened before the renewal.
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, certs_.file("ca.pem"),
                             Poco::Net::Context::VERIFY_RELAXED);
  Poco::Net::HTTPSClientSession kept("127.0.0.1", port(), context);
  kept.setTimeout(Poco::Timespan(10, 0));
  kept.setKeepAlive(true);
  auto kept_call = [&kept] {
    Poco::Net::HTTPRequest request("GET", "/secure", Poco::Net::HTTPMessage::HTTP_1_1);
    kept.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(kept.receiveResponse(response), body);
    return static_cast<int>(response.getStatus());
  };
  ASSERT_EQ(kept_call(), 200);

  replace_file(certs_.file("renewed.pem"), listener_pem());
  replace_file(certs_.file("renewed.key"), listener_key());
  // Files alone change nothing: the listener reads them on reload.
  EXPECT_EQ(fetch_over_tls(port()).serial, old_serial);
  EXPECT_ANY_THROW(fetch_over_tls(port(), certs_.file("new-ca.pem")));

  auto reloaded = engine_->admin("POST", "/reload");
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  HttpsReply after = fetch_over_tls(port(), certs_.file("new-ca.pem"));  // verified by the new CA
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.common_name, "mosaic-renewed");
  EXPECT_EQ(after.serial, serial_of(certs_.file("renewed.pem")));
  EXPECT_NE(after.serial, old_serial);
  EXPECT_ANY_THROW(fetch_over_tls(port(), certs_.file("ca.pem")));  // the old CA no longer fits

  // The connection made before the reload goes on serving, on its own handshake (a reconnect
  // would fail here: the kept context trusts the old CA only).
  EXPECT_EQ(kept_call(), 200);
  EXPECT_EQ(kept.serverCertificate().serialNumber(), old_serial);

  // A reload with the files unchanged keeps the context (and its session cache).
  ASSERT_EQ(engine_->admin("POST", "/reload").status, 200);
  EXPECT_EQ(fetch_over_tls(port()).serial, after.serial);
}

TEST_F(ListenerRenewal, UnusableRenewedFilesRefuseTheReloadAndTheOldCertificateServes) {
  const std::string old_serial = serial_of(listener_pem());
  const auto generation = engine_->engine().generation()->number;

  // The certificate renewed, its key not there (yet).
  replace_file(certs_.file("renewed.pem"), listener_pem());
  fs::remove(listener_key());
  auto refused = engine_->admin("POST", "/reload");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("cannot read key_file '" + listener_key() + "'"), std::string::npos)
      << refused.body;
  HttpsReply still = fetch_over_tls(port(), certs_.file("ca.pem"));
  EXPECT_EQ(still.status, 200);
  EXPECT_EQ(still.serial, old_serial);

  // A key that is not the certificate's.
  replace_file(certs_.file("server.key"), listener_key());
  refused = engine_->admin("POST", "/reload");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("server.tls.key_file '" + listener_key() +
                              "' does not match server.tls.cert_file '" + listener_pem() + "'"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(fetch_over_tls(port(), certs_.file("ca.pem")).serial, old_serial);
  EXPECT_EQ(engine_->engine().generation()->number, generation);  // nothing half-applied

  // With the right key the renewal goes through.
  replace_file(certs_.file("renewed.key"), listener_key());
  ASSERT_EQ(engine_->admin("POST", "/reload").status, 200);
  EXPECT_EQ(fetch_over_tls(port(), certs_.file("new-ca.pem")).serial,
            serial_of(certs_.file("renewed.pem")));
  EXPECT_EQ(engine_->engine().generation()->number, generation + 1);
}

TEST_F(ListenerRenewal, MovingTheFilesStillNeedsARestart) {
  replace_file(certs_.file("renewed.pem"), certs_.file("moved.pem"));
  replace_file(certs_.file("renewed.key"), certs_.file("moved.key"));
  std::ostringstream text;
  text << std::ifstream(engine_->config_path()).rdbuf();
  std::string config = text.str();
  const auto at = config.find(listener_pem());
  ASSERT_NE(at, std::string::npos);
  config.replace(at, listener_pem().size(), certs_.file("moved.pem"));
  std::ofstream(engine_->config_path()) << config;
  auto refused = engine_->admin("POST", "/reload");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("server.tls cannot change on reload"), std::string::npos)
      << refused.body;
  EXPECT_EQ(fetch_over_tls(port()).common_name, "127.0.0.1");
}

TEST_F(ListenerRenewal, AClientThatNeverSendsItsHelloIsClosedAtTheHeaderDeadline) {
  // The handshake runs on the connection's thread, at its first read, under the header deadline:
  // a client that connects and stays silent holds that thread no longer than header_timeout.
  EngineUnderTest engine(https_downstream(backend_->base_url(), certs_.file("ca.pem")),
                         kSecurePipeline, "admin: { listen: 127.0.0.1:0 }\n",
                         "server: { listen: 127.0.0.1:0, threads: 4, header_timeout: 300ms, "
                         "tls: { cert_file: \"" +
                             listener_pem() + "\", key_file: \"" + listener_key() + "\" } }\n");
  Poco::Net::StreamSocket silent(Poco::Net::SocketAddress("127.0.0.1", engine.port()));
  silent.setReceiveTimeout(Poco::Timespan(5, 0));
  const auto start = std::chrono::steady_clock::now();
  char byte = 0;
  int got = -1;
  try {
    got = silent.receiveBytes(&byte, 1);
  } catch (const Poco::Net::ConnectionResetException&) {
    got = 0;
  }
  EXPECT_EQ(got, 0);  // closed by the server, not timed out here
  EXPECT_LT(ms_since(start), 2000);
}

// An https downstream's server moves to a certificate from a new CA; the ca_file is rewritten in
// place with the new CA. Calls fail tls_verify_failed until the reload, and succeed after it.
TEST(DownstreamRenewal, ARewrittenCaFileIsTrustedAfterReload) {
  TestCertificates certs;
  certs.make_ca("new-ca", "Mosaic Renewed CA");
  certs.make_leaf("new-server", "new-ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1", "serverAuth");
  const std::string trusted = certs.file("trusted-ca.pem");
  replace_file(certs.file("ca.pem"), trusted);
  auto server = std::make_unique<TlsTestServer>(
      TlsTestServer::Options{certs.file("server.pem"), certs.file("server.key"), ""});
  const std::uint16_t port = server->port();
  EngineUnderTest engine(https_downstream(server->base_url(), trusted), kSecurePipeline);
  ASSERT_EQ(engine.get("/secure").status, 200);

  // A reload while the CA file is missing is refused with its path; the running pool serves on.
  fs::remove(trusted);
  auto refused = engine.admin("POST", "/reload");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("cannot read '" + trusted + "'"), std::string::npos) << refused.body;
  EXPECT_EQ(engine.get("/secure").status, 200);

  // The server renews from a new CA, at the same address.
  server.reset();
  server = std::make_unique<TlsTestServer>(
      TlsTestServer::Options{certs.file("new-server.pem"), certs.file("new-server.key"), ""}, port);
  replace_file(certs.file("new-ca.pem"), trusted);
  auto before = engine.get("/secure");  // the running context still trusts the old CA only
  EXPECT_EQ(before.status, 502) << before.body;
  EXPECT_NE(before.body.find("tls_verify_failed"), std::string::npos) << before.body;

  auto reloaded = engine.admin("POST", "/reload");
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  for (int i = 0; i < 5; ++i) {
    auto after = engine.get("/secure");
    ASSERT_EQ(after.status, 200) << after.body;
  }
  // A reload with the files unchanged keeps the warm pool: no new handshake.
  const int connections = server->connections();
  ASSERT_EQ(engine.admin("POST", "/reload").status, 200);
  EXPECT_EQ(engine.get("/secure").status, 200);
  EXPECT_EQ(server->connections(), connections);
}

}  // namespace
}  // namespace mosaic::testing
