// Bad downstreams through the whole engine (a real server on loopback): whatever a downstream
// does, a degradable step ends as null + a reason and a critical one as 502/504, never a crash
// or a hang.
#include <gtest/gtest.h>

#include <chrono>

#include "engine_harness.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

class BadDownstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string downstreams =
        "  bad:\n    plugin: http\n    timeout: 400ms\n    config: { base_url: \"" +
        server_.base_url() + "\", max_response: 1KiB }\n";
    auto pipeline = [](const std::string& prefix, const std::string& cls) {
      return "endpoint: GET /" + prefix +
             "/{kind}\ndeadline: 1500ms\nsteps:\n  s: { call: bad, class: " + cls +
             ", with: { path: \"/${params.kind}\" } }\n";
    };
    engine_ = std::make_unique<EngineUnderTest>(
        downstreams, std::map<std::string, std::string>{
                         {"d.yaml", pipeline("d", "degradable")},
                         {"c.yaml", pipeline("c", "critical")},
                         {"big.yaml",
                          "endpoint: GET /big/{n}\nsteps:\n  s: { call: bad, class: degradable, "
                          "with: { path: \"/big/${params.n}\" } }\n"}});
  }
  // Degradable: 200, s is null, _meta.degraded.s is the reason. Critical: 502 or 504.
  void expect_outcome(const std::string& kind, const std::string& reason) {
    const auto started = std::chrono::steady_clock::now();
    auto reply = engine_->get("/d/" + kind);
    ASSERT_EQ(reply.status, 200) << kind << ": " << reply.body;
    const Json body = reply.json();
    EXPECT_TRUE(body.at("s").is_null()) << kind;
    EXPECT_EQ(body.at("_meta").at("degraded").at("s"), reason.c_str())
        << kind << ": " << reply.body;
    EXPECT_EQ(reply.header("X-Mosaic-Partial"), "true");
    reply = engine_->get("/c/" + kind);
    EXPECT_TRUE(reply.status == 502 || reply.status == 504) << kind << ": " << reply.status;
    EXPECT_LT(ms_since(started), 4000) << kind;  // bounded by the call timeout, twice
  }
  TestHttpServer server_;
  std::unique_ptr<EngineUnderTest> engine_;
};

TEST_F(BadDownstreamTest, InvalidJsonIsBadResponse) {
  server_.route("/invalid", [](const RecordedRequest&) {
    TestHttpServer::Reply r;
    r.body = "{\"a\": [1, 2";
    return r;
  });
  expect_outcome("invalid", "bad_response");
}

TEST_F(BadDownstreamTest, WrongContentTypeIsBadResponse) {
  expect_outcome("text", "bad_response");
}

TEST_F(BadDownstreamTest, ResetMidBodyIsAFailure) {
  auto reply = engine_->get("/d/reset");
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.json().at("s").is_null());
  EXPECT_FALSE(reply.json().at("_meta").at("degraded").at("s").as_string().empty());
  EXPECT_EQ(engine_->get("/c/reset").status, 502);
}

TEST_F(BadDownstreamTest, OneByteAtATimeIsBoundedByTheCallTimeout) {
  expect_outcome("slow", "timeout");
}

TEST_F(BadDownstreamTest, ABodyOverMaxResponseIsTooLarge) {
  auto reply = engine_->get("/big/5000");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json().at("_meta").at("degraded").at("s"), "too_large");
  EXPECT_EQ(engine_->get("/big/500").json().at("s").as_string().size(),
            498u);  // under the limit: fine
}

TEST_F(BadDownstreamTest, NoContentIsNullNotAFailure) {
  for (const std::string kind : {"empty"}) {
    auto reply = engine_->get("/d/" + kind);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_TRUE(reply.json().at("s").is_null());
    EXPECT_EQ(engine_->get("/c/" + kind).status, 200);  // documented: 204 is a null value
  }
}

}  // namespace
}  // namespace mosaic::testing
