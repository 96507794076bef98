// Large results placed whole in a page go from the step's buffer to the client in one gather
// write: byte for byte what the downstream sent, with the right Content-Length, over plain HTTP
// and over the TLS listener, and a HEAD answer with the same length and no body.
#include <gtest/gtest.h>

#include <string>

#include "engine_harness.hpp"
#include "test_http_server.hpp"
#include "tls_test_pipeline.hpp"
#include "tls_test_server.hpp"

namespace mosaic::testing {
namespace {

// A JSON array of about `bytes`, its spacing the downstream's own (a re-serialized tree would
// lose it).
std::string big_json(std::size_t bytes) {
  std::string text = "[ ";
  for (int i = 0; text.size() < bytes; ++i) text += std::to_string(i) + " ,  ";
  return text + "0 ]";
}

class LargeAnswer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/big", [this](const RecordedRequest&) {
      TestHttpServer::Reply reply;
      reply.body = big_;
      return reply;
    });
    server_.route("/small", [](const RecordedRequest&) {
      TestHttpServer::Reply reply;
      reply.body = R"({"n": 1})";
      return reply;
    });
  }
  std::string downstreams() const {
    return "  svc: { plugin: http, timeout: 2s, config: { base_url: \"" + server_.base_url() +
           "\" } }\n";
  }
  // GET `endpoint`: the large result, a small one and the large one again, no `response:`.
  static std::map<std::string, std::string> pipeline(const std::string& endpoint) {
    return {{"p.yaml", "endpoint: GET " + endpoint +
                           "\nsteps:\n"
                           "  first: { call: svc, with: { path: /big } }\n"
                           "  small: { call: svc, with: { path: /small } }\n"
                           "  again: { call: svc, with: { path: /big } }\n"}};
  }
  // The page as Mosaic writes it, up to _meta.
  std::string expected_start() const {
    return R"({"first":)" + big_ + R"(,"small":{"n": 1},"again":)" + big_ + R"(,"_meta":)";
  }

  const std::string big_ = big_json(300 * 1024);
  TestHttpServer server_;
};

TEST_F(LargeAnswer, ArrivesByteForByteAsTheDownstreamSentIt) {
  EngineUnderTest engine(downstreams(), pipeline("/page"));
  const HttpReply reply = engine.get("/page");
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 300);
  EXPECT_EQ(reply.header("Content-Length"), std::to_string(reply.body.size()));
  EXPECT_EQ(reply.body.rfind(expected_start(), 0), 0u);
  const Json page = reply.json();
  EXPECT_EQ(page.at("first"), json::parse(big_));
  EXPECT_EQ(page.at("again"), json::parse(big_));
  EXPECT_EQ(page.at("_meta").at("degraded").as_object().size(), 0u);

  const HttpReply head = http_call(engine.port(), "HEAD", "/page");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(reply.body.size()));
  EXPECT_EQ(head.body, "");
}

TEST_F(LargeAnswer, ArrivesWholeOverTheTlsListener) {
  TestCertificates certs;
  const std::string server_yaml =
      "server: { listen: 127.0.0.1:0, threads: 8, tls: { cert_file: \"" + certs.file("server.pem") +
      "\", key_file: \"" + certs.file("server.key") + "\" } }\n";
  EngineUnderTest engine(downstreams(), pipeline("/secure"), "admin: { listen: 127.0.0.1:0 }\n",
                         server_yaml);
  const HttpsReply reply = fetch_over_tls(engine.port(), certs.file("ca.pem"));
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 300);
  EXPECT_EQ(reply.body.rfind(expected_start(), 0), 0u);
  EXPECT_EQ(json::parse(reply.body).at("again"), json::parse(big_));
}

}  // namespace
}  // namespace mosaic::testing
