// TLS through the whole engine: a pipeline over an https downstream (private CA), an expired
// certificate refused, a missing ca_file reported at its line and column, and the public listener
// serving https. Renewal on reload: tls_reload_test.cpp.
#include <gtest/gtest.h>

#include <fstream>

#include "engine_harness.hpp"
#include "tls_test_pipeline.hpp"
#include "tls_test_server.hpp"

namespace mosaic::testing {
namespace {

TEST(Tls, PipelineOverAnHttpsDownstream) {
  TestCertificates certs;
  TlsTestServer server({certs.file("server.pem"), certs.file("server.key"), ""});
  EngineUnderTest engine(https_downstream(server.base_url(), certs.file("ca.pem")),
                         kSecurePipeline);
  for (int i = 0; i < 20; ++i) {
    auto reply = engine.get("/secure");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json().at("a"), json::parse(R"({"ok":true})"));
  }
  EXPECT_EQ(server.connections(), 1);  // one handshake for the 20 calls
}

TEST(Tls, WrongCaFailsTheStepWithTlsVerifyFailed) {
  TestCertificates certs;
  TlsTestServer server({certs.file("server.pem"), certs.file("server.key"), ""});
  EngineUnderTest engine(https_downstream(server.base_url(), certs.file("other-ca.pem")),
                         kSecurePipeline);
  auto reply = engine.get("/secure");
  EXPECT_EQ(reply.status, 502) << reply.body;
  EXPECT_NE(reply.body.find("tls_verify_failed"), std::string::npos) << reply.body;
}

TEST(Tls, AnExpiredCertificateFailsTheStepWithTlsVerifyFailed) {
  TestCertificates certs;
  certs.make_expired_leaf("expired", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1");
  TlsTestServer server({certs.file("expired.pem"), certs.file("expired.key"), ""});
  // Logging on, to a file: the reason's detail (OpenSSL's words) is for the log only.
  TempFolder folder;
  const std::string log = folder.path() + "/mosaic.log";
  folder.write("pipelines/p.yaml", kSecurePipeline.at("p.yaml"));
  const std::string config = folder.write(
      "mosaic.yaml",
      EngineUnderTest::config_text(
          https_downstream(server.base_url(), certs.file("ca.pem")),
          "admin: { listen: 127.0.0.1:0 }\n",
          std::string(EngineUnderTest::kServerYaml) + "logging: { sink: \"file:" + log + "\" }\n"));
  config::Diagnostics diagnostics;
  auto engine = runtime::Engine::create(config, diagnostics);
  ASSERT_TRUE(engine) << diagnostics.str();
  engine->start();

  auto reply = http_call(engine->port(), "GET", "/secure");
  EXPECT_EQ(reply.status, 502) << reply.body;
  EXPECT_NE(reply.body.find("tls_verify_failed"), std::string::npos) << reply.body;
  EXPECT_EQ(server.requests(), 0);  // nothing was sent over the refused connection

  ASSERT_TRUE(engine->log().flush());
  std::ifstream in(log);
  std::string line;
  std::string failure;
  while (std::getline(in, line)) {
    if (line.find("\"critical step failed\"") != std::string::npos) failure = line;
  }
  EXPECT_NE(failure.find("\"reason\":\"tls_verify_failed\""), std::string::npos) << failure;
  EXPECT_NE(failure.find("certificate has expired"), std::string::npos) << failure;
}

TEST(Tls, MissingCaFileIsAnErrorAtItsLine) {
  TempFolder folder;
  folder.write("pipelines/p.yaml", kSecurePipeline.at("p.yaml"));
  const std::string missing = folder.path() + "/nope.pem";
  const std::string config =
      folder.write("mosaic.yaml",
                   EngineUnderTest::config_text(https_downstream("https://127.0.0.1:1", missing)));
  config::Diagnostics diagnostics;
  runtime::EngineOptions options;
  options.log.off = true;
  auto engine = runtime::Engine::create(config, diagnostics, options);
  ASSERT_FALSE(engine);
  // Line 9 is the `tls:` line (server, admin, plugins, downstreams, svc, plugin, config and
  // base_url come first); the error points into it, at ca_file.
  EXPECT_NE(diagnostics.str().find(config + ":9:"), std::string::npos) << diagnostics.str();
  EXPECT_NE(diagnostics.str().find("cannot read '" + missing + "'"), std::string::npos)
      << diagnostics.str();
}

TEST(Tls, ListenerServesHttps) {
  TestCertificates certs;
  TlsTestServer downstream_server({certs.file("server.pem"), certs.file("server.key"), ""});
  const std::string server_yaml =
      "server: { listen: 127.0.0.1:0, threads: 8, tls: { cert_file: \"" + certs.file("server.pem") +
      "\", key_file: \"" + certs.file("server.key") + "\" } }\n";
  EngineUnderTest engine(https_downstream(downstream_server.base_url(), certs.file("ca.pem")),
                         kSecurePipeline, "admin: { listen: 127.0.0.1:0 }\n", server_yaml);
  const HttpsReply reply = fetch_over_tls(engine.port(), certs.file("ca.pem"));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("ok":true)"), std::string::npos) << reply.body;
  // Plain HTTP on the TLS port gets no answer.
  EXPECT_ANY_THROW(http_call(engine.port(), "GET", "/secure"));
}

TEST(Tls, ListenerCertificateMustBeReadable) {
  TempFolder folder;
  folder.write("pipelines/p.yaml", kSecurePipeline.at("p.yaml"));
  const std::string config = folder.write(
      "mosaic.yaml",
      EngineUnderTest::config_text(
          https_downstream("https://127.0.0.1:1", "/nope"), "admin: { listen: 127.0.0.1:0 }\n",
          "server: { listen: 127.0.0.1:0, tls: { cert_file: missing.pem, key_file: k.pem } }\n"));
  config::Diagnostics diagnostics;
  runtime::EngineOptions options;
  options.log.off = true;
  ASSERT_FALSE(runtime::Engine::create(config, diagnostics, options));
  EXPECT_NE(diagnostics.str().find(config + ":1:50: cannot read cert_file '" + folder.path() +
                                   "/missing.pem'"),
            std::string::npos)
      << diagnostics.str();
}

}  // namespace
}  // namespace mosaic::testing
