// The admin listener of a real engine: health and readiness, the bearer token, the effective
// config with secrets redacted, the pipelines view, Prometheus text that moves with traffic, and
// W3C trace context reaching real http downstreams.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "engine_harness.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

const char* kToken = "s3cret-admin-token-0123456789";

// The value of one sample line of the Prometheus text ("name{labels} value"), -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

std::string mock_downstreams() {
  return "  users: { plugin: mock, config: { latency: 1ms } }\n"
         "  flaky: { plugin: mock, breaker: off, config: { fail_rate: 1.0 } }\n"
         "  vault: { plugin: http, config: { base_url: \"http://127.0.0.1:9\", headers: { "
         "X-Api-Key: hunter2, "
         "Authorization: \"Bearer x\", X-Plain: visible } } }\n";
}

std::map<std::string, std::string> page_pipeline() {
  return {{"page.yaml",
           "endpoint: GET /page/{id}\n"
           "deadline: 1s\n"
           "steps:\n"
           "  user: { call: users, with: { body: { id: \"${params.id}\" } } }\n"
           "  extra: { call: flaky, class: degradable, with: { body: 1 } }\n"
           "  later: { call: users, class: background, after: [user], with: { body: 2 } }\n"}};
}

std::string admin_with_token(const TempFolder& folder) {
  folder.write("admin.token", std::string(kToken) + "\n");
  return "admin: { listen: 127.0.0.1:0, token_file: " + folder.path() + "/admin.token }\n";
}

TEST(Admin, HealthAndReadinessNeedNoTokenEverythingElseDoes) {
  TempFolder tokens;
  tokens.write("admin.token", std::string(kToken) + "\n");
  EngineUnderTest engine(
      mock_downstreams(), page_pipeline(),
      "admin: { listen: 127.0.0.1:0, token_file: " + tokens.path() + "/admin.token }\n");
  EXPECT_EQ(engine.admin("GET", "/healthz").status, 200);
  auto ready = engine.admin("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json().at("ready"), true);
  EXPECT_EQ(ready.json().at("checks").at("plugins_loaded"), true);

  for (const char* path : {"/metrics", "/config", "/pipelines", "/nope"}) {
    auto none = engine.admin("GET", path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(none.json().at("error"), "unauthorized") << none.body;
    EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"mosaic-admin\"");
    EXPECT_EQ(
        engine.admin("GET", path, {{"Authorization", "Bearer wrong-token-0123456789"}}).status, 401)
        << path;
    EXPECT_EQ(engine.admin("GET", path, {{"Authorization", std::string("Basic ") + kToken}}).status,
              401)
        << path;
  }
  EXPECT_EQ(engine.admin("POST", "/reload").status, 401);
  const std::map<std::string, std::string> auth{{"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(engine.admin("GET", "/metrics", auth).status, 200);
  EXPECT_EQ(engine.admin("GET", "/config", auth).status, 200);
  EXPECT_EQ(engine.admin("GET", "/pipelines", auth).status, 200);
  EXPECT_EQ(
      engine.admin("GET", "/metrics", {{"Authorization", std::string("bearer ") + kToken}}).status,
      200);
  auto missing = engine.admin("GET", "/nope", auth);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json().at("error"), "not_found");
  auto wrong_method = engine.admin("GET", "/reload", auth);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("Allow"), "POST");
}

TEST(Admin, WithoutATokenFileTheAdminPathsAreOpen) {
  EngineUnderTest engine(mock_downstreams(), page_pipeline());
  EXPECT_EQ(engine.admin("GET", "/metrics").status, 200);
  EXPECT_EQ(engine.admin("GET", "/config").status, 200);
}

TEST(Admin, TheAdminListenerIsOnLoopbackByDefault) {
  config::AdminConfig defaults;
  EXPECT_EQ(defaults.listen.host, "127.0.0.1");
  TempFolder dir;
  dir.write("p.yaml", "endpoint: GET /x\nsteps:\n  a: { call: users }\n");
  const std::string path =
      dir.write("mosaic.yaml", "downstreams:\n  users: { plugin: mock }\npipelines: [p.yaml]\n");
  config::Diagnostics diagnostics;
  auto loaded = config::load_engine_config(path, diagnostics);
  ASSERT_TRUE(loaded) << diagnostics.str();
  EXPECT_EQ(loaded->admin.listen.str(), "127.0.0.1:9901");
}

TEST(Admin, ConfigIsTheEffectiveOneWithSecretsRedacted) {
  TempFolder tokens;
  EngineUnderTest engine(mock_downstreams(), page_pipeline(), admin_with_token(tokens));
  auto reply = engine.admin("GET", "/config", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find("hunter2"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("Bearer x"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find(kToken), std::string::npos) << reply.body;
  Json config = reply.json();
  const auto& vault = config.at("downstreams").at("vault").at("config");
  EXPECT_EQ(vault.at("headers").at("X-Api-Key"), "***");
  EXPECT_EQ(vault.at("headers").at("Authorization"), "***");
  EXPECT_EQ(vault.at("headers").at("X-Plain"), "visible");
  EXPECT_EQ(vault.at("base_url"), "http://127.0.0.1:9");
  EXPECT_EQ(config.at("server").at("threads"), 32);
  EXPECT_EQ(config.at("server").at("drain_timeout"), "10000ms");  // a default, filled in
  EXPECT_EQ(config.at("downstreams").at("users").at("timeout"), "1000ms");
  EXPECT_EQ(config.at("generation"), 1);
  EXPECT_EQ(config.at("pipelines").at(0).at("endpoint"), "GET /page/{id}");
}

TEST(Admin, PipelinesShowTheDagStageByStage) {
  EngineUnderTest engine(mock_downstreams(), page_pipeline());
  auto reply = engine.admin("GET", "/pipelines");
  ASSERT_EQ(reply.status, 200);
  const Json body = reply.json();
  const auto& p = body.at("pipelines").at(0);
  EXPECT_EQ(p.at("endpoint"), "GET /page/{id}");
  EXPECT_EQ(p.at("deadline_ms"), 1000);
  EXPECT_EQ(json::serialize(p.at("stages")), R"([["user","extra"],["later"]])");
  EXPECT_EQ(p.at("steps").at(1).at("class"), "degradable");
  EXPECT_EQ(json::serialize(p.at("steps").at(2).at("after")), R"(["user"])");
}

TEST(Admin, MetricsMoveWithTraffic) {
  EngineUnderTest engine(mock_downstreams(), page_pipeline());
  const std::string before = engine.admin("GET", "/metrics").body;
  const std::string ok = R"(mosaic_requests_total{pipeline="GET /page/{id}",status="200"})";
  const std::string unmatched = R"(mosaic_requests_total{pipeline="unmatched",status="404"})";
  const std::string latency = R"(mosaic_request_duration_seconds_count{pipeline="GET /page/{id}"})";
  const std::string flaky = R"(mosaic_step_calls_total{downstream="flaky",outcome="status_503"})";
  const std::string flaky_time = R"(mosaic_step_duration_seconds_count{downstream="flaky"})";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(engine.get("/page/" + std::to_string(i)).status, 200);
  ASSERT_EQ(engine.get("/nothing-here").status, 404);
  const std::string after = engine.admin("GET", "/metrics").body;
  // Series are process-wide: compare deltas (other tests in this binary may have counted too).
  EXPECT_EQ(sample(after, ok) - std::max(0.0, sample(before, ok)), 5) << after;
  EXPECT_GE(sample(after, unmatched) - std::max(0.0, sample(before, unmatched)), 1);
  EXPECT_EQ(sample(after, latency) - std::max(0.0, sample(before, latency)), 5);
  EXPECT_EQ(sample(after, flaky) - std::max(0.0, sample(before, flaky)), 5);
  EXPECT_EQ(sample(after, flaky_time) - std::max(0.0, sample(before, flaky_time)), 5);
  EXPECT_GE(sample(after, R"(mosaic_worker_pool_threads{pool="steps",state="idle"})"), 0) << after;
  EXPECT_GE(sample(after, R"(mosaic_worker_pool_queued{pool="background"})"), 0) << after;
  EXPECT_EQ(sample(after, "mosaic_config_generation"), 1);
  EXPECT_NE(after.find("# TYPE mosaic_request_duration_seconds histogram"), std::string::npos);
  EXPECT_EQ(engine.admin("GET", "/metrics").header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
}

TEST(Admin, ReadinessFailsWhileDraining) {
  EngineUnderTest engine(mock_downstreams(), page_pipeline());
  ASSERT_EQ(engine.admin("GET", "/readyz").status, 200);
  engine.engine().drain();
  auto reply = engine.admin("GET", "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.json().at("checks").at("draining"), true);
  EXPECT_EQ(engine.admin("GET", "/healthz").status, 200);
}

TEST(Admin, ReadinessReportsADegradedCacheWithoutFailing) {
  const std::string page =
      "endpoint: GET /c/{id}\nsteps:\n"
      "  a: { call: svc, with: { body: 1 }, cache: { key: \"k:${params.id}\", ttl: 60s, stale: 60s "
      "} }\n";
  // Nothing listens on port 1: every cache call is refused and the cache breaker opens.
  EngineUnderTest engine(
      "  svc: { plugin: mock }\n", {{"c.yaml", page}},
      "admin: { listen: 127.0.0.1:0 }\n"
      "cache: { backend: memcached, servers: [\"127.0.0.1:1\"], timeout: 50ms }\n");
  auto before = engine.admin("GET", "/readyz");
  EXPECT_EQ(before.json().at("cache").at("backend"), "memcached");
  EXPECT_EQ(before.json().at("cache").at("degraded"), false);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(engine.get("/c/" + std::to_string(i)).status, 200);
  auto after = engine.admin("GET", "/readyz");
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json().at("ready"), true);
  EXPECT_EQ(after.json().at("cache").at("degraded"), true) << after.body;
}

// W3C trace context: a valid traceparent is continued (same trace id, a new span id per call),
// an invalid one is replaced by a new trace, and tracestate goes along only with a valid parent.
class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/a", [](const RecordedRequest&) {
      TestHttpServer::Reply r;
      r.body = R"({"a":1})";
      return r;
    });
    server_.route("/b", [](const RecordedRequest&) {
      TestHttpServer::Reply r;
      r.body = R"({"b":2})";
      return r;
    });
    engine_ = std::make_unique<EngineUnderTest>(
        "  svc: { plugin: http, config: { base_url: \"" + server_.base_url() + "\" } }\n",
        std::map<std::string, std::string>{
            {"t.yaml",
             "endpoint: GET /t\nsteps:\n  a: { call: svc, with: { path: /a } }\n  b: { call: svc, "
             "with: { path: /b } }\n"}});
  }
  // The calls the downstream saw after the first `skip`.
  std::vector<RecordedRequest> calls(std::size_t skip = 0) {
    auto all = server_.requests();
    return std::vector<RecordedRequest>(
        all.begin() + static_cast<std::ptrdiff_t>(std::min(skip, all.size())), all.end());
  }

  TestHttpServer server_;
  std::unique_ptr<EngineUnderTest> engine_;
};

const std::regex kTraceparent("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]");

TEST_F(TraceTest, AValidTraceparentIsContinuedWithAChildSpanPerCall) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  ASSERT_EQ(engine_
                ->get("/t", {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"},
                             {"tracestate", "vendor=abc,other=x"}})
                .status,
            200);
  auto seen = calls();
  ASSERT_EQ(seen.size(), 2u);
  std::set<std::string> spans;
  for (const auto& call : seen) {
    std::smatch m;
    const std::string header = call.header("traceparent");
    ASSERT_TRUE(std::regex_match(header, m, kTraceparent)) << header;
    EXPECT_EQ(m[1].str(), trace);
    EXPECT_NE(m[2].str(), "00f067aa0ba902b7");  // a child span, not the caller's
    EXPECT_TRUE(header.ends_with("-01"));       // sampled, as the caller said
    spans.insert(m[2].str());
    EXPECT_EQ(call.header("tracestate"), "vendor=abc,other=x");
  }
  EXPECT_EQ(spans.size(), 2u);  // one span per downstream call
}

TEST_F(TraceTest, AnInvalidTraceparentStartsANewTraceAndDropsTracestate) {
  for (const std::string bad :
       {"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "garbage"}) {
    const std::size_t skip = server_.requests().size();
    ASSERT_EQ(engine_->get("/t", {{"traceparent", bad}, {"tracestate", "vendor=abc"}}).status, 200);
    auto seen = calls(skip);
    ASSERT_EQ(seen.size(), 2u);
    std::smatch a, b;
    const std::string ha = seen[0].header("traceparent"), hb = seen[1].header("traceparent");
    ASSERT_TRUE(std::regex_match(ha, a, kTraceparent)) << ha;
    ASSERT_TRUE(std::regex_match(hb, b, kTraceparent)) << hb;
    EXPECT_EQ(a[1].str(), b[1].str());  // one new trace for the request
    EXPECT_NE(a[1].str(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(seen[0].header("tracestate"), "");
  }
}

TEST_F(TraceTest, WithoutTraceparentEachRequestStartsItsOwnTrace) {
  ASSERT_EQ(engine_->get("/t").status, 200);
  ASSERT_EQ(engine_->get("/t").status, 200);
  auto seen = calls();
  ASSERT_EQ(seen.size(), 4u);
  std::set<std::string> traces;
  for (const auto& call : seen) {
    std::smatch m;
    const std::string header = call.header("traceparent");
    ASSERT_TRUE(std::regex_match(header, m, kTraceparent)) << header;
    traces.insert(m[1].str());
  }
  EXPECT_EQ(traces.size(), 2u);
}

}  // namespace
}  // namespace mosaic::testing
