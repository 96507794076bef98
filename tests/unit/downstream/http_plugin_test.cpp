// The http plugin (http.so), loaded the way the engine loads it (wrapped in the check of the JSON
// text it returns), against a real test server.
#include <gtest/gtest.h>

#include <array>

#include "downstream/checked_text_downstream.hpp"
#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "fake_call_context.hpp"
#include "response/result_text.hpp"
#include "test_http_server.hpp"

namespace mosaic::downstream {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::CollectingLogger;
using mosaic::testing::FakeCallContext;
using mosaic::testing::TestHttpServer;

// The failure's reason, or "ok": never asserts on an outcome of the wrong kind.
template <class T>
std::string reason(const T& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().reason();
}

class HttpPluginTest : public ::testing::Test {
 protected:
  std::shared_ptr<Downstream> make(json::object config) {
    auto plugin = loader_.load("http");
    DownstreamSpec spec{"users", Json(std::move(config)), 1000ms};
    return std::make_shared<CheckedTextDownstream>(
        keep_library_alive(plugin->create_downstream(spec, services_), plugin));
  }
  std::shared_ptr<Downstream> make() { return make({{"base_url", server_.base_url()}}); }

  std::string config_error(json::object config) {
    try {
      make(std::move(config));
    } catch (const ConfigError& e) {
      return e.path() + ": " + e.what();
    }
    return "no error";
  }

  CallResult call(Downstream& downstream, const std::string& with) {
    FakeCallContext context(5s, "req-http");
    return downstream.call(with.empty() ? Json(nullptr) : json::parse(with), context);
  }

  TestHttpServer server_;
  PluginLoader loader_{{MOSAIC_PLUGIN_DIR}};
  CollectingLogger logger_;
  EnginePluginServices services_{logger_};
};

TEST_F(HttpPluginTest, JsonBodyOfA2xxIsTheResult) {
  auto http = make();
  auto result = call(*http, R"({"path":"/json"})");
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  // Handed over as the body's text, unparsed, once checked.
  ASSERT_TRUE(result.is_text());
  EXPECT_EQ(json::parse(result.text()), json::parse(R"({"ok":true})"));
  auto request = server_.last_request();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->header("Accept"), "application/json");
  EXPECT_EQ(request->header("X-Request-Id"), "req-http");
  EXPECT_TRUE(request->has_header("X-Request-Timeout-Ms"));
}

TEST_F(HttpPluginTest, DefaultsToGetSlash) {
  auto http = make();
  auto result = call(*http, "");
  ASSERT_FALSE(result.ok());  // the test server answers 404 on "/"
  EXPECT_EQ(reason(result), "status_404");
  EXPECT_EQ(server_.last_request()->target, "/");
  EXPECT_EQ(server_.last_request()->method, "GET");
}

TEST_F(HttpPluginTest, OtherStatusesAreStatusFailures) {
  auto http = make();
  for (int status : {503, 500, 404, 302}) {
    auto result = call(*http, R"({"path":"/status/)" + std::to_string(status) + R"("})");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.failure().kind, FailureKind::kBadStatus);
    EXPECT_EQ(result.failure().status, status);
    EXPECT_EQ(reason(result), "status_" + std::to_string(status));
  }
}

TEST_F(HttpPluginTest, EmptyAnswersAreNull) {
  auto http = make();
  auto no_content = call(*http, R"({"path":"/empty"})");
  ASSERT_TRUE(no_content.ok()) << no_content.failure().detail;
  EXPECT_TRUE(no_content.value().is_null());
  auto empty = call(*http, R"({"path":"/empty200"})");
  ASSERT_TRUE(empty.ok()) << empty.failure().detail;
  EXPECT_TRUE(empty.value().is_null());
}

TEST_F(HttpPluginTest, NonJsonSuccessIsBadResponse) {
  auto http = make();
  auto result = call(*http, R"({"path":"/text"})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(reason(result), "bad_response");
}

TEST_F(HttpPluginTest, BuildsTheQueryString) {
  auto http = make();
  ASSERT_TRUE(call(*http, R"({"path":"/echo","query":{
      "q":"x y&z=1","n":5,"f":1.5,"b":true,"skip":null,"ids":[1,"two",null,3],"k&ey":"v"}})")
                  .ok());
  EXPECT_EQ(server_.last_request()->target,
            "/echo?q=x%20y%26z%3D1&n=5&f=1.5&b=true&ids=1&ids=two&ids=3&k%26ey=v");
}

TEST_F(HttpPluginTest, RefusesQueryValuesThatAreNotScalars) {
  auto http = make();
  EXPECT_EQ(reason(call(*http, R"({"path":"/echo","query":{"a":{"b":1}}})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"({"path":"/echo","query":{"a":[[1]]}})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"({"path":"/echo","query":"a=1"})")), "bad_input");
  EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(HttpPluginTest, SendsStaticAndCallHeaders) {
  auto http = make({{"base_url", server_.base_url()},
                    {"headers", json::object{{"X-Api-Key", "secret"}, {"X-Team", "web"}}}});
  ASSERT_TRUE(call(*http, R"({"path":"/echo","headers":{"X-User":"u-1","x-team":"mobile"}})").ok());
  auto request = server_.last_request();
  EXPECT_EQ(request->header("X-Api-Key"), "secret");
  EXPECT_EQ(request->header("X-User"), "u-1");
  EXPECT_EQ(request->header("X-Team"), "mobile");  // the call's value replaces the configured one
}

TEST_F(HttpPluginTest, RefusesHeaderInjection) {
  auto http = make();
  for (const char* with : {R"({"path":"/echo","headers":{"X-A":"v\r\nX-Evil: 1"}})",
                           R"({"path":"/echo","headers":{"X-A":"v\nX-Evil: 1"}})",
                           R"({"path":"/echo","headers":{"X-A":"v\u0000"}})",
                           R"({"path":"/echo","headers":{"X-A\r\nX-Evil":"1"}})",
                           R"({"path":"/echo","headers":{"Host":"evil.example"}})",
                           R"({"path":"/echo","headers":{"X-A":1}})"}) {
    auto result = call(*http, with);
    ASSERT_FALSE(result.ok()) << with;
    EXPECT_EQ(result.failure().kind, FailureKind::kBadInput) << with;
  }
  EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(HttpPluginTest, RefusesPathsThatLeaveThePath) {
  auto http = make();
  for (const char* path :
       {"echo", "/a?b=1", "/a#frag", "/a b", "/a\r\nHost: x", "//evil.example/x"}) {
    json::object with{{"path", path}};
    FakeCallContext context;
    auto result = http->call(Json(with), context);
    if (std::string(path) == "//evil.example/x") {
      // Allowed as a path (the host comes only from base_url): it reaches our server.
      EXPECT_EQ(server_.last_request()->target, "//evil.example/x");
      continue;
    }
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_EQ(result.failure().kind, FailureKind::kBadInput) << path;
  }
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(HttpPluginTest, SendsAJsonBody) {
  auto http = make();
  auto result =
      call(*http, R"({"method":"POST","path":"/echo","body":{"name":"Ada","tags":[1,2]}})");
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  auto request = server_.last_request();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(request->body), json::parse(R"({"name":"Ada","tags":[1,2]})"));
  EXPECT_EQ(response::result_json(result).at("body").as_string(), request->body);

  ASSERT_TRUE(call(*http, R"({"method":"DELETE","path":"/echo","body":null})").ok());
  EXPECT_EQ(server_.last_request()->body, "");
  EXPECT_FALSE(server_.last_request()->has_header("Content-Type"));
}

TEST_F(HttpPluginTest, RefusesBadMethodsAndUnknownKeys) {
  auto http = make();
  EXPECT_EQ(reason(call(*http, R"({"method":"get","path":"/json"})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"({"method":"GET /x HTTP/1.1","path":"/json"})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"({"method":1,"path":"/json"})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"({"url":"http://evil.example/"})")), "bad_input");
  EXPECT_EQ(reason(call(*http, R"([1,2])")), "bad_input");
}

TEST_F(HttpPluginTest, DeadlineAndCancellationReachTheSocket) {
  auto http = make();
  FakeCallContext context(100ms);
  auto start = Clock::now();
  auto result = http->call(json::parse(R"({"path":"/hang"})"), context);
  EXPECT_LT(Clock::now() - start, 300ms);
  EXPECT_EQ(reason(result), "timeout");
  EXPECT_TRUE(server_.wait_for_closed_by_client(1, 2000ms));
}

TEST_F(HttpPluginTest, ClientOptionsComeFromConfig) {
  auto http = make({{"base_url", server_.base_url()},
                    {"max_response", "1KiB"},
                    {"deadline_header", ""},
                    {"max_connections", 2},
                    {"max_idle", 1},
                    {"idle_timeout", "10s"},
                    {"connect_timeout", "50ms"}});
  EXPECT_EQ(reason(call(*http, R"({"path":"/big/2048"})")), "too_large");
  ASSERT_TRUE(call(*http, R"({"path":"/json"})").ok());
  EXPECT_FALSE(server_.last_request()->has_header("X-Request-Timeout-Ms"));
  auto clients = services_.clients();
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0]->options().max_connections, 2u);
  EXPECT_EQ(clients[0]->options().max_idle, 1u);
  EXPECT_EQ(clients[0]->options().connect_timeout, 50ms);
  EXPECT_EQ(services_.open_connections(), 1u);
}

TEST_F(HttpPluginTest, ConfigErrorsNameTheKey) {
  EXPECT_EQ(config_error({}), "base_url: is required");
  EXPECT_EQ(config_error({{"base_url", "ftp://example.com"}}),
            "base_url: expected an http:// or https:// URL such as http://127.0.0.1:8080");
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"bogus", 1}}), "bogus: unknown key");
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"max_connections", 0}}),
            "max_connections: must be between 1 and 10000");
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"max_connections", 10001}}),
            "max_connections: must be between 1 and 10000");
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"connect_timeout", "soon"}})
                .rfind("connect_timeout: ", 0),
            0u);
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"max_response", "big"}})
                .rfind("max_response: ", 0),
            0u);
  EXPECT_EQ(config_error({{"base_url", "http://example.com"},
                          {"headers", json::object{{"X-A", "v\r\nX-B: 1"}}}}),
            "headers.X-A: must not contain CR, LF or other control characters");
  EXPECT_EQ(
      config_error({{"base_url", "http://example.com"}, {"headers", json::object{{"X-A", 1}}}}),
      "headers.X-A: expected a string");
  EXPECT_EQ(
      config_error({{"base_url", "http://example.com"}, {"headers", json::object{{"Host", "x"}}}})
          .rfind("headers.Host: ", 0),
      0u);
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"headers", "X-A: 1"}})
                .rfind("headers: ", 0),
            0u);
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"deadline_header", "X Bad"}})
                .rfind("deadline_header: ", 0),
            0u);
  EXPECT_EQ(config_error({{"base_url", "http://example.com"}, {"headers", nullptr}}), "no error");
}

// Found by fuzz_json_body: Boost.JSON reads 1E400 as infinity and would write it back as
// `Infinity`, which is not JSON; such a body is a bad response, on both parse paths.
TEST_F(HttpPluginTest, ANumberBeyondADoubleIsBadResponse) {
  server_.route("/huge", [](const auto&) {
    TestHttpServer::Reply reply;
    reply.body = R"({"total":[1, -1E400]})";
    return reply;
  });
  auto http = make();
  auto result = call(*http, R"({"path":"/huge"})");
  EXPECT_EQ(reason(result), "bad_response");
  FakeCallContext context(5s, "req-huge");
  context.offload_from(1);
  EXPECT_EQ(reason(http->call(json::parse(R"({"path":"/huge"})"), context)), "bad_response");
  EXPECT_EQ(context.offloaded(), 1);
}

// A large body is checked on the offload pool; the check stops when the call is cancelled.
TEST_F(HttpPluginTest, LargeBodiesAreCheckedOnTheOffloadPool) {
  json::array items;
  for (int i = 0; i < 20000; ++i)
    items.emplace_back(json::object{{"id", i}, {"name", "item " + std::to_string(i)}});
  const std::string big = json::serialize(json::object{{"items", items}});
  ASSERT_GT(big.size(), 300u * 1024);
  server_.route("/big", [&](const auto&) {
    TestHttpServer::Reply reply;
    reply.body = big;
    return reply;
  });
  auto http = make();
  const Json with = json::parse(R"({"path":"/big"})");
  {
    FakeCallContext context(5s, "req-big");
    context.offload_from(100 * 1024);
    auto result = http->call(with, context);
    ASSERT_TRUE(result.ok()) << result.failure().detail;
    EXPECT_EQ(response::result_json(result).at("items").as_array().size(), 20000u);
    EXPECT_EQ(context.offloaded(), 1);
    auto small = http->call(json::parse(R"({"path":"/json"})"), context);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(context.offloaded(), 1);  // a small body is checked inline
  }
  {
    FakeCallContext context(5s, "req-big");
    context.offload_from(100 * 1024, Failure::Of(FailureKind::kShed, "offload queue full"));
    EXPECT_EQ(reason(http->call(with, context)), "shed");
  }
  {
    FakeCallContext context(5s, "req-big");
    context.offload_from(100 * 1024, std::nullopt, [&] { context.cancel(); });
    EXPECT_EQ(reason(http->call(with, context)), "cancelled");
  }
}

TEST_F(HttpPluginTest, DescribesItsInput) {
  auto http = make();
  EXPECT_EQ(http->accepted_with_keys(),
            (std::vector<std::string>{"method", "path", "query", "headers", "body"}));
  std::array<std::string, 1> path{"path"};
  std::array<std::string, 2> header{"headers", "x-user"};
  std::array<std::string, 2> query{"query", "q"};
  std::array<std::string, 2> body{"body", "name"};
  EXPECT_EQ(http->interpolation_for(path), Interpolation::kPathSegment);
  EXPECT_EQ(http->interpolation_for(header), Interpolation::kHeaderValue);
  // Query values are percent-encoded by the plugin itself (see BuildsTheQueryString).
  EXPECT_EQ(http->interpolation_for(query), Interpolation::kRaw);
  EXPECT_EQ(http->interpolation_for(body), Interpolation::kRaw);
  EXPECT_TRUE(http->idempotent(nullptr));
  EXPECT_TRUE(http->idempotent(json::parse(R"({"method":"PUT"})")));
  EXPECT_TRUE(http->idempotent(json::parse(R"({"method":"DELETE"})")));
  EXPECT_FALSE(http->idempotent(json::parse(R"({"method":"POST"})")));
  EXPECT_FALSE(http->idempotent(json::parse(R"({"method":"PATCH"})")));
}

}  // namespace
}  // namespace mosaic::downstream
