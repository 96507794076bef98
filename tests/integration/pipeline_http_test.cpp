// A dashboard pipeline over real `http` downstreams (a test HTTP server on loopback): healthy,
// degradable failing / hanging / garbage, critical failing and hanging, sibling cancellation,
// background steps, dependency order and request id propagation.
#include <gtest/gtest.h>

#include <thread>

#include "engine_harness.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

using Reply = TestHttpServer::Reply;
using Behavior = TestHttpServer::Behavior;

Reply json_reply(const std::string& body, std::chrono::milliseconds delay = {}) {
  Reply r;
  r.body = body;
  r.delay = delay;
  return r;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.route("/auth/7",
                 [](const RecordedRequest&) { return json_reply(R"({"token":"t-7"})"); });
    users_.route("/profile/7", [](const RecordedRequest&) {
      return json_reply(R"({"name":"Ada","segment":"gold"})");
    });
    users_.route("/orders/7", [](const RecordedRequest&) { return json_reply(R"([{"id":1}])"); });
    users_.route("/recommendations/7", [](const RecordedRequest&) {
      return json_reply(R"(["b-1"])", std::chrono::milliseconds(300));
    });
  }

  std::unique_ptr<EngineUnderTest> start(const std::string& orders_extra = {},
                                         const std::string& deadline = "1500ms",
                                         const std::string& profile_class = "critical") {
    const std::string downstreams =
        "  users:\n    plugin: http\n    timeout: 800ms\n    config: { base_url: \"" +
        users_.base_url() + "\", max_connections: 50 }\n";
    const std::string pipeline =
        "endpoint: GET /dashboard/{userId}\ndeadline: " + deadline +
        "\nsteps:\n"
        "  auth:     { call: users, class: critical,   with: { path: \"/auth/${params.userId}\" } "
        "}\n"
        "  profile:  { call: users, class: " +
        profile_class +
        ", with: { path: \"/profile/${params.userId}\" } }\n"
        "  orders:   { call: users, class: degradable, timeout: 300ms, with: { path: "
        "\"/orders/${params.userId}\"" +
        orders_extra +
        " } }\n"
        "  recs:     { call: users, class: background, with: { path: "
        "\"/recommendations/${params.userId}\", query: { segment: \"${steps.profile.segment}\" } } "
        "}\n"
        "response:\n"
        "  user: { auth: \"${steps.auth}\", profile: \"${steps.profile}\" }\n"
        "  orders: \"${steps.orders}\"\n";
    return std::make_unique<EngineUnderTest>(
        downstreams, std::map<std::string, std::string>{{"dashboard.yaml", pipeline}});
  }

  TestHttpServer users_;
};

TEST_F(DashboardTest, HealthyDownstreamsGiveTheShapedPage) {
  auto engine = start();
  auto reply = engine->get("/dashboard/7");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  EXPECT_TRUE(reply.header("X-Mosaic-Partial").empty());
  auto body = reply.json();
  EXPECT_EQ(body.at("user").at("auth").at("token"), "t-7");
  EXPECT_EQ(body.at("user").at("profile").at("name"), "Ada");
  EXPECT_EQ(body.at("orders"), (json::array{json::object{{"id", 1}}}));
  EXPECT_TRUE(body.at("_meta").at("degraded").as_object().empty());
  EXPECT_EQ(body.at("_meta").at("pending"), (json::object{{"recs", "running"}}));
}

TEST_F(DashboardTest, DegradableReturning500IsNullAndNamed) {
  users_.route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.status = 500;
    r.body = R"({"oops":true})";
    return r;
  });
  auto engine = start();
  auto reply = engine->get("/dashboard/7");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("X-Mosaic-Partial"), "true");
  auto body = reply.json();
  EXPECT_TRUE(body.at("orders").is_null());
  EXPECT_EQ(body.at("_meta").at("degraded").at("orders"), "status_500");
}

TEST_F(DashboardTest, DegradableHangingTimesOutAndItsSocketIsClosed) {
  users_.route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.behavior = Behavior::kHang;
    return r;
  });
  auto engine = start();
  const auto start_time = std::chrono::steady_clock::now();
  auto reply = engine->get("/dashboard/7");
  const auto took = ms_since(start_time);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json().at("_meta").at("degraded").at("orders"), "timeout");
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 900);
  // The hung call really stopped: the downstream saw its connection closed.
  EXPECT_TRUE(users_.wait_for_closed_by_client(1, std::chrono::seconds(2)));
}

TEST_F(DashboardTest, DegradableReturningGarbageIsBadResponse) {
  users_.route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.body = "<html>not json</html>";
    r.content_type = "text/html";
    return r;
  });
  auto engine = start();
  auto reply = engine->get("/dashboard/7");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json().at("_meta").at("degraded").at("orders"), "bad_response");
}

TEST_F(DashboardTest, DegradableSpeakingBrokenHttpIsAFailureNotACrash) {
  users_.route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.behavior = Behavior::kGarbage;
    r.body = "\x01\x02 definitely not http\r\n\r\n";
    return r;
  });
  auto engine = start();
  auto reply = engine->get("/dashboard/7");
  ASSERT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.json().at("_meta").at("degraded").at("orders").as_string().empty());
}

TEST_F(DashboardTest, CriticalFailingIs502AndNoInternalTextLeaks) {
  users_.route("/profile/7", [](const RecordedRequest&) {
    Reply r;
    r.status = 503;
    r.body = R"({"secret":"stack trace here"})";
    return r;
  });
  auto engine = start();
  auto reply = engine->get("/dashboard/7", {{"X-Request-Id", "trace-me.1"}});
  ASSERT_EQ(reply.status, 502);
  auto body = reply.json();
  EXPECT_EQ(body.at("error"), "dependency_failed");
  EXPECT_EQ(body.at("step"), "profile");
  EXPECT_EQ(body.at("reason"), "status_503");
  EXPECT_EQ(body.at("request_id"), "trace-me.1");
  EXPECT_EQ(reply.body.find("secret"), std::string::npos);
}

TEST_F(DashboardTest, CriticalHangingIs504WithinTheDeadline) {
  users_.route("/profile/7", [](const RecordedRequest&) {
    Reply r;
    r.behavior = Behavior::kHang;
    return r;
  });
  auto engine = start({}, "400ms");
  const auto start_time = std::chrono::steady_clock::now();
  auto reply = engine->get("/dashboard/7");
  const auto took = ms_since(start_time);
  ASSERT_EQ(reply.status, 504) << reply.body;
  EXPECT_EQ(reply.json().at("error"), "deadline_exceeded");
  EXPECT_EQ(reply.json().at("step"), "profile");
  EXPECT_GE(took, 395);
  EXPECT_LT(took, 400 + 50 + 150);  // +50 ms is the target; the rest is this noisy machine
}

TEST_F(DashboardTest, ACriticalFailureCancelsSiblingsInFlight) {
  users_.route("/auth/7", [](const RecordedRequest&) {
    Reply r;
    r.status = 500;
    r.delay = std::chrono::milliseconds(50);
    return r;
  });
  users_.route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.behavior = Behavior::kHang;
    return r;
  });
  auto engine = start();
  const auto start_time = std::chrono::steady_clock::now();
  auto reply = engine->get("/dashboard/7");
  const auto took = ms_since(start_time);
  ASSERT_EQ(reply.status, 502);
  EXPECT_EQ(reply.json().at("step"), "auth");
  EXPECT_LT(took, 250);  // not the orders timeout (300 ms)
  // The hanging sibling's socket was shut down by the cancellation.
  ASSERT_TRUE(users_.wait_for_closed_by_client(1, std::chrono::milliseconds(500)));
}

TEST_F(DashboardTest, BackgroundStepIsStillRunningWhenTheResponseIsSent) {
  auto engine = start();
  const auto start_time = std::chrono::steady_clock::now();
  auto reply = engine->get("/dashboard/7");
  const auto took = ms_since(start_time);
  ASSERT_EQ(reply.status, 200);
  EXPECT_LT(took, 250);  // recommendations take 300 ms
  ASSERT_TRUE(users_.wait_for_requests(4, std::chrono::seconds(2)));
  bool recs_asked = false;
  for (const auto& r : users_.requests()) {
    if (r.path == "/recommendations/7") {
      recs_asked = true;
      EXPECT_EQ(r.query, "segment=gold");  // rendered from the profile step's result
    }
  }
  EXPECT_TRUE(recs_asked);
}

TEST_F(DashboardTest, DependentsWaitForTheirInputs) {
  users_.route("/profile/7", [](const RecordedRequest&) {
    return json_reply(R"({"name":"Ada","segment":"gold"})", std::chrono::milliseconds(100));
  });
  auto engine = start();
  ASSERT_EQ(engine->get("/dashboard/7").status, 200);
  ASSERT_TRUE(users_.wait_for_requests(4, std::chrono::seconds(2)));
  auto requests = users_.requests();
  std::size_t profile = 0, recs = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].path == "/profile/7") profile = i + 1;
    if (requests[i].path == "/recommendations/7") recs = i + 1;
  }
  ASSERT_TRUE(profile && recs);
  EXPECT_GT(recs, profile);  // asked only after the profile answered
}

TEST_F(DashboardTest, RequestIdAndDeadlineTravelToEveryDownstreamCall) {
  auto engine = start();
  auto reply = engine->get("/dashboard/7", {{"X-Request-Id", "abc-123_x.y"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("X-Request-Id"), "abc-123_x.y");
  EXPECT_EQ(reply.json().at("_meta").at("request_id"), "abc-123_x.y");
  ASSERT_TRUE(users_.wait_for_requests(4, std::chrono::seconds(2)));
  for (const auto& r : users_.requests()) {
    EXPECT_EQ(r.header("x-request-id"), "abc-123_x.y") << r.path;
    const int left = std::stoi(r.header("x-request-timeout-ms"));
    EXPECT_GT(left, 0) << r.path;
    EXPECT_LE(left, 1500) << r.path;
  }
}

TEST_F(DashboardTest, AnInvalidRequestIdIsReplacedByAnUnguessableOne) {
  auto engine = start();
  auto reply = engine->get("/dashboard/7", {{"X-Request-Id", "bad id with spaces"}});
  ASSERT_EQ(reply.status, 200);
  const std::string id = reply.header("X-Request-Id");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  ASSERT_TRUE(users_.wait_for_requests(4, std::chrono::seconds(2)));
  EXPECT_EQ(users_.requests().front().header("x-request-id"), id);
}

TEST_F(DashboardTest, APathParameterCannotChangeTheDownstreamPath) {
  auto engine = start();
  // A value that could climb is refused before any call: the critical step fails as bad_input.
  auto reply = engine->get("/dashboard/..%2Fadmin%3Fx=1");
  ASSERT_EQ(reply.status, 502);
  EXPECT_EQ(reply.json().at("reason"), "bad_input");
  // Other characters stay inside their one segment.
  reply = engine->get("/dashboard/7%2Fadmin%3Fx=1%23f");
  EXPECT_EQ(reply.status, 502);  // the test server has no such user: a 404 from the downstream
  ASSERT_TRUE(users_.wait_for_requests(1, std::chrono::seconds(2)));
  // auth, profile and orders start together; the first critical failure cancels the others,
  // which may then never be sent. Every call that was sent carries the value whole in its last
  // segment.
  int encoded_seen = 0;
  for (const auto& r : users_.requests()) {
    EXPECT_EQ(r.path.find("/admin"), std::string::npos) << r.target;
    EXPECT_EQ(r.path.find(".."), std::string::npos) << r.target;
    const std::string encoded = "/7%2Fadmin%3Fx%3D1%23f";
    EXPECT_TRUE(r.target == "/auth" + encoded || r.target == "/profile" + encoded ||
                r.target == "/orders" + encoded)
        << r.target;
    ++encoded_seen;
  }
  EXPECT_GE(encoded_seen, 1);
}

}  // namespace
}  // namespace mosaic::testing
