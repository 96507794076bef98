#include "downstream/http_client_pool.hpp"

#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fake_call_context.hpp"
#include "mosaic/config_error.hpp"
#include "test_http_server.hpp"

namespace mosaic::downstream {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::FakeCallContext;
using mosaic::testing::TestHttpServer;

// The failure's reason, or "ok": never asserts on an outcome of the wrong kind.
template <class T>
std::string reason(const T& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().reason();
}

// Generous bounds: a 2-core machine running other builds can be slow; what matters is that a
// call ends near its deadline instead of hanging for seconds.
constexpr auto kQuick = 300ms;
constexpr auto kSoon = 2000ms;

HttpClientOptions options_for(const TestHttpServer& server, std::size_t max_connections = 4) {
  HttpClientOptions options;
  options.base_url = server.base_url();
  options.max_connections = max_connections;
  options.max_idle = max_connections;
  return options;
}

HttpRequest get(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(PooledHttpClient, ReturnsStatusHeadersAndBody) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  auto outcome = client.send(get("/json"), context);
  ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
  EXPECT_EQ(outcome.value().status, 200);
  EXPECT_EQ(outcome.value().body, R"({"ok":true})");
  EXPECT_EQ(outcome.value().content_type, "application/json");
  bool has_length = false;
  for (const auto& [name, value] : outcome.value().headers) has_length |= name == "Content-Length";
  EXPECT_TRUE(has_length);
}

TEST(PooledHttpClient, StatusIsNotAFailure) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  auto outcome = client.send(get("/status/503"), context);
  ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
  EXPECT_EQ(outcome.value().status, 503);
  EXPECT_EQ(outcome.value().body, R"({"status":503})");
}

TEST(PooledHttpClient, KeepAliveServesSequentialCallsOnOneConnection) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  for (int i = 0; i < 10; ++i) {
    FakeCallContext context;
    auto outcome = client.send(get(i % 2 ? "/json" : "/chunked/3000"), context);
    ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
    ASSERT_EQ(outcome.value().status, 200);
  }
  EXPECT_EQ(server.accepted(), 1u);
  EXPECT_EQ(client.open_connections(), 1u);
  EXPECT_EQ(client.stats().reused_total, 9u);
}

TEST(PooledHttpClient, SendsRequestIdAndDeadlineHeaders) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context(2000ms, "req-42");
  ASSERT_TRUE(client.send(get("/json"), context).ok());
  auto request = server.last_request();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->header("X-Request-Id"), "req-42");
  long left = std::stol(request->header("X-Request-Timeout-Ms"));
  EXPECT_GT(left, 0);
  EXPECT_LE(left, 2000);
  EXPECT_EQ(request->header("Host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(PooledHttpClient, DeadlineHeaderCanBeRenamedOrDisabled) {
  TestHttpServer server;
  auto options = options_for(server);
  options.deadline_header = "X-Deadline";
  PooledHttpClient renamed(options);
  options.deadline_header = "";
  PooledHttpClient disabled(options);
  FakeCallContext context;
  ASSERT_TRUE(renamed.send(get("/json"), context).ok());
  EXPECT_TRUE(server.last_request()->has_header("X-Deadline"));
  EXPECT_FALSE(server.last_request()->has_header("X-Request-Timeout-Ms"));
  ASSERT_TRUE(disabled.send(get("/json"), context).ok());
  EXPECT_FALSE(server.last_request()->has_header("X-Deadline"));
  EXPECT_FALSE(server.last_request()->has_header("X-Request-Timeout-Ms"));
}

TEST(PooledHttpClient, SendsBodyHeadersAndBasePathPrefix) {
  TestHttpServer server;
  auto options = options_for(server);
  options.base_url = server.base_url() + "/api/";
  PooledHttpClient client(options);
  HttpRequest request;
  request.method = "POST";
  request.target = "/echo?x=1";
  request.headers = {{"Content-Type", "application/json"}, {"X-Extra", "yes"}};
  request.body = R"({"a":1})";
  FakeCallContext context;
  ASSERT_TRUE(client.send(request, context).ok());
  auto seen = server.last_request();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/api/echo?x=1");
  EXPECT_EQ(seen->body, R"({"a":1})");
  EXPECT_EQ(seen->header("Content-Length"), "7");
  EXPECT_EQ(seen->header("X-Extra"), "yes");
  EXPECT_EQ(seen->header("Content-Type"), "application/json");
}

TEST(PooledHttpClient, RefusesForbiddenCharactersBeforeConnecting) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  auto injected = get("/json");
  injected.headers = {{"X-A", "v\r\nX-Evil: 1"}};
  EXPECT_EQ(reason(client.send(injected, context)), "bad_input");
  auto host = get("/json");
  host.headers = {{"Host", "evil.example"}};
  EXPECT_EQ(reason(client.send(host, context)), "bad_input");
  auto bad_name = get("/json");
  bad_name.headers = {{"X A", "v"}};
  EXPECT_EQ(reason(client.send(bad_name, context)), "bad_input");
  EXPECT_EQ(reason(client.send(get("json"), context)), "bad_input");
  EXPECT_EQ(reason(client.send(get("/a b"), context)), "bad_input");
  EXPECT_EQ(reason(client.send(get("/a\r\nb"), context)), "bad_input");
  auto method = get("/json");
  method.method = "GET /x";
  EXPECT_EQ(reason(client.send(method, context)), "bad_input");
  EXPECT_EQ(server.accepted(), 0u);
}

TEST(PooledHttpClient, DeadlineOnHangingRouteTimesOutAndClosesTheSocket) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context(100ms);  // passive deadline: only socket timeouts can stop the call
  auto start = Clock::now();
  auto outcome = client.send(get("/hang"), context);
  auto took = since(start);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kTimeout) << outcome.failure().detail;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, kQuick);
  EXPECT_TRUE(server.wait_for_closed_by_client(1, kSoon));
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_EQ(context.active_registrations(), 0u);
}

// A kept-alive socket keeps the receive timeout of an earlier call when it is close enough:
// a later call with a shorter deadline must still end at its own deadline, and one with a longer
// deadline must not end at the earlier, shorter timeout.
TEST(PooledHttpClient, AReusedConnectionEndsEachCallAtItsOwnDeadline) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server, 1));
  {
    FakeCallContext first(2000ms);
    ASSERT_EQ(reason(client.send(get("/json"), first)), "ok");
  }
  FakeCallContext shorter(150ms);  // passive deadline: only the socket's timeout stops the call
  auto start = Clock::now();
  EXPECT_EQ(reason(client.send(get("/hang"), shorter)), "timeout");
  EXPECT_GE(since(start), 140ms);
  EXPECT_LT(since(start), 150ms + kQuick);
  server.release_hangs();

  FakeCallContext warm(1000ms);
  ASSERT_EQ(reason(client.send(get("/json"), warm)), "ok");
  FakeCallContext longer(1800ms);  // the socket's timeout (from the 1000 ms call) is shorter
  start = Clock::now();
  auto outcome = client.send(get("/delay/1200"), longer);
  EXPECT_EQ(reason(outcome), "ok");
  EXPECT_GE(since(start), 1150ms);
}

TEST(PooledHttpClient, DeadlineTimerCallbackStopsTheCall) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context(100ms);
  context.fire_at_deadline();
  auto start = Clock::now();
  auto outcome = client.send(get("/hang"), context);
  EXPECT_LT(since(start), kQuick);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kTimeout) << outcome.failure().detail;
  EXPECT_TRUE(server.wait_for_closed_by_client(1, kSoon));
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST(PooledHttpClient, CancelFromAnotherThreadStopsTheCallAndClosesTheSocket) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context(10s);
  Clock::time_point cancelled_at{};
  std::thread canceller([&] {
    ASSERT_TRUE(server.wait_for_hanging(1, kSoon));
    std::this_thread::sleep_for(20ms);
    cancelled_at = Clock::now();
    context.cancel();
  });
  auto outcome = client.send(get("/hang"), context);
  auto returned_at = Clock::now();
  canceller.join();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kCancelled) << outcome.failure().detail;
  EXPECT_LT(returned_at - cancelled_at, kQuick);
  // The server sees the client close right away, long before the 10 s deadline.
  EXPECT_TRUE(server.wait_for_closed_by_client(1, kSoon));
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST(PooledHttpClient, CancelledConnectionIsNotReused) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  {
    FakeCallContext first;
    ASSERT_TRUE(client.send(get("/json"), first).ok());
  }
  ASSERT_EQ(client.open_connections(), 1u);
  FakeCallContext context(10s);
  std::thread canceller([&] {
    ASSERT_TRUE(server.wait_for_hanging(1, kSoon));
    context.cancel();
  });
  EXPECT_EQ(reason(client.send(get("/hang"), context)), "cancelled");
  canceller.join();
  EXPECT_EQ(server.accepted(), 1u);  // the hanging call reused the idle connection
  FakeCallContext next;
  ASSERT_TRUE(client.send(get("/json"), next).ok());
  EXPECT_EQ(server.accepted(), 2u);  // ...which was discarded, not handed back
  EXPECT_EQ(server.requests().back().connection, 2u);
}

TEST(PooledHttpClient, AlreadyCancelledContextDoesNotConnect) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext cancelled;
  cancelled.cancel();
  EXPECT_EQ(reason(client.send(get("/json"), cancelled)), "cancelled");
  FakeCallContext expired(0ms);
  EXPECT_EQ(reason(client.send(get("/json"), expired)), "timeout");
  EXPECT_EQ(server.accepted(), 0u);
}

TEST(PooledHttpClient, WaitingForASlotEndsAtTheDeadlineOrOnCancel) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server, 1));
  FakeCallContext holder(10s);
  std::thread hanging([&] { client.send(get("/hang"), holder); });
  ASSERT_TRUE(server.wait_for_hanging(1, kSoon));

  FakeCallContext short_deadline(100ms);
  auto start = Clock::now();
  EXPECT_EQ(reason(client.send(get("/json"), short_deadline)), "timeout");
  EXPECT_LT(since(start), kQuick);
  EXPECT_EQ(client.stats().wait_timeouts, 1u);

  FakeCallContext waiting(10s);
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    waiting.cancel();
  });
  start = Clock::now();
  EXPECT_EQ(reason(client.send(get("/json"), waiting)), "cancelled");
  EXPECT_LT(since(start), 50ms + kQuick);
  canceller.join();
  EXPECT_EQ(server.accepted(), 1u);

  holder.cancel();
  hanging.join();
  FakeCallContext after;
  EXPECT_TRUE(client.send(get("/json"), after).ok());
}

TEST(PooledHttpClient, ConcurrentCallsNeverOpenMoreThanMaxConnections) {
  constexpr std::size_t kMax = 8;
  constexpr int kCalls = 200;
  TestHttpServer server;
  PooledHttpClient client(options_for(server, kMax));
  // One shared deadline: a waiter only gets a slot once a hanging call gave up at that deadline,
  // and then it is too late to connect, so the server can never see a 9th connection.
  const auto deadline = Clock::now() + 500ms;
  std::vector<std::thread> threads;
  std::vector<std::string> reasons(
      kCalls);  // one element per thread (not vector<bool>: bits share words)
  std::vector<Clock::time_point> ended(kCalls);
  std::atomic<std::size_t> peak_client_sockets{0};
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      FakeCallContext context(deadline, "storm-" + std::to_string(i));
      auto outcome = client.send(get("/hang"), context);
      ended[static_cast<std::size_t>(i)] = Clock::now();
      reasons[static_cast<std::size_t>(i)] = reason(outcome);
      std::size_t now = client.open_connections();
      std::size_t seen = peak_client_sockets.load();
      while (now > seen && !peak_client_sockets.compare_exchange_weak(seen, now)) {
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kCalls; ++i) {
    auto index = static_cast<std::size_t>(i);
    EXPECT_EQ(reasons[index], "timeout") << "call " << i;
    EXPECT_LT(ended[index] - deadline, 1000ms) << "call " << i << " outlived its deadline";
  }
  EXPECT_LE(server.accepted(), kMax);
  EXPECT_GE(server.accepted(), 1u);
  EXPECT_LE(peak_client_sockets.load(), kMax);
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_TRUE(server.wait_for_closed_by_client(server.accepted(), kSoon));

  // The storm is over: the pool serves again, on the same bound.
  std::vector<std::thread> after;
  std::atomic<int> served{0};
  for (int i = 0; i < 16; ++i) {
    after.emplace_back([&] {
      FakeCallContext context(5s);
      if (client.send(get("/json"), context).ok()) ++served;
    });
  }
  for (auto& t : after) t.join();
  EXPECT_EQ(served.load(), 16);
  EXPECT_LE(client.open_connections(), kMax);
}

TEST(PooledHttpClient, ManyThreadsShareOneClient) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server, 4));
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        FakeCallContext context(5s);
        auto outcome = client.send(get("/json"), context);
        if (outcome.ok() && outcome.value().status == 200) ++served;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(served.load(), 320);
  EXPECT_LE(server.accepted(), 4u);
  EXPECT_LE(client.open_connections(), 4u);
}

TEST(PooledHttpClient, ConnectionRefusedIsConnectFailed) {
  std::uint16_t port;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }  // closed: nothing listens there now
  HttpClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  PooledHttpClient client(options);
  FakeCallContext context;
  auto start = Clock::now();
  auto outcome = client.send(get("/json"), context);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kConnectFailed) << outcome.failure().detail;
  EXPECT_LT(since(start), kQuick);
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST(PooledHttpClient, ResponseAboveMaxResponseIsTooLarge) {
  TestHttpServer server;
  auto options = options_for(server);
  options.max_response = 1000;
  PooledHttpClient client(options);
  FakeCallContext context;
  EXPECT_TRUE(client.send(get("/big/1000"), context).ok());
  EXPECT_EQ(reason(client.send(get("/big/5000"), context)), "too_large");
  EXPECT_EQ(client.open_connections(), 0u);  // discarded, not handed back half-read
  EXPECT_EQ(reason(client.send(get("/chunked/5000"), context)), "too_large");
  EXPECT_EQ(client.open_connections(), 0u);
  EXPECT_TRUE(client.send(get("/json"), context).ok());
}

TEST(PooledHttpClient, TrickledBodyCannotOutliveTheDeadline) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context(250ms);  // /slow needs about 1 s
  auto start = Clock::now();
  auto outcome = client.send(get("/slow"), context);
  EXPECT_EQ(reason(outcome), "timeout");
  EXPECT_LT(since(start), 250ms + kQuick);
  EXPECT_TRUE(server.wait_for_closed_by_client(1, kSoon));
}

TEST(PooledHttpClient, ResetMidBodyIsUnavailable) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  auto outcome = client.send(get("/reset"), context);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kUnavailable) << outcome.failure().detail;
  EXPECT_EQ(client.open_connections(), 0u);
}

TEST(PooledHttpClient, ClosedWithoutAnswerIsUnavailable) {
  TestHttpServer server;
  server.route("/drop", [](const auto&) {
    TestHttpServer::Reply reply;
    reply.behavior = TestHttpServer::Behavior::kCloseWithoutReply;
    return reply;
  });
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  HttpRequest post = get("/drop");
  post.method = "POST";  // not idempotent: never retried
  auto outcome = client.send(post, context);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kUnavailable) << outcome.failure().detail;
}

TEST(PooledHttpClient, GarbageIsBadResponse) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  auto outcome = client.send(get("/garbage"), context);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kBadResponse) << outcome.failure().detail;
}

TEST(PooledHttpClient, IdleConnectionClosedByTheServerIsNotUsed) {
  TestHttpServer server;
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  ASSERT_TRUE(client.send(get("/close"), context).ok());  // server closes after answering
  std::this_thread::sleep_for(50ms);                      // let the FIN arrive
  for (int i = 0; i < 3; ++i) {
    auto outcome = client.send(get("/json"), context);
    ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
  }
  EXPECT_EQ(server.accepted(), 2u);
}

// The race the stale check cannot see: the server drops an idle connection just as the next
// request arrives on it. Nothing reached the application, so an idempotent call is retried once
// on a new connection; a POST is not (it might have been processed).
TEST(PooledHttpClient, IdempotentCallIsRetriedOnceWhenAReusedConnectionDrops) {
  TestHttpServer server;
  server.route("/drop-on-first-connection", [](const mosaic::testing::RecordedRequest& request) {
    TestHttpServer::Reply reply;
    reply.body = "{}";
    if (request.connection == 1) reply.behavior = TestHttpServer::Behavior::kCloseWithoutReply;
    return reply;
  });
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  ASSERT_TRUE(client.send(get("/json"), context).ok());
  auto outcome = client.send(get("/drop-on-first-connection"), context);
  ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
  EXPECT_EQ(server.accepted(), 2u);

  TestHttpServer other;
  other.route("/drop-on-first-connection", [](const mosaic::testing::RecordedRequest& request) {
    TestHttpServer::Reply reply;
    reply.body = "{}";
    if (request.connection == 1) reply.behavior = TestHttpServer::Behavior::kCloseWithoutReply;
    return reply;
  });
  PooledHttpClient post_client(options_for(other));
  ASSERT_TRUE(post_client.send(get("/json"), context).ok());
  HttpRequest post = get("/drop-on-first-connection");
  post.method = "POST";
  EXPECT_EQ(reason(post_client.send(post, context)), "unavailable");
  EXPECT_EQ(other.accepted(), 1u);
}

TEST(PooledHttpClient, ConnectionCloseResponseIsNotReused) {
  TestHttpServer server;
  server.route("/bye", [](const auto&) {
    TestHttpServer::Reply reply;
    reply.body = "{}";
    reply.connection_close = true;
    return reply;
  });
  PooledHttpClient client(options_for(server));
  FakeCallContext context;
  ASSERT_TRUE(client.send(get("/bye"), context).ok());
  EXPECT_EQ(client.open_connections(), 0u);
  ASSERT_TRUE(client.send(get("/json"), context).ok());
  EXPECT_EQ(server.accepted(), 2u);
}

TEST(PooledHttpClient, IdleConnectionsExpireAndAreBounded) {
  TestHttpServer server;
  auto options = options_for(server);
  options.idle_timeout = 50ms;
  PooledHttpClient expiring(options);
  FakeCallContext context;
  ASSERT_TRUE(expiring.send(get("/json"), context).ok());
  std::this_thread::sleep_for(150ms);
  ASSERT_TRUE(expiring.send(get("/json"), context).ok());
  EXPECT_EQ(server.accepted(), 2u);
  EXPECT_EQ(expiring.open_connections(), 1u);

  options.idle_timeout = 30s;
  options.max_idle = 0;
  PooledHttpClient no_idle(options);
  ASSERT_TRUE(no_idle.send(get("/json"), context).ok());
  EXPECT_EQ(no_idle.open_connections(), 0u);
  ASSERT_TRUE(no_idle.send(get("/json"), context).ok());
  EXPECT_EQ(server.accepted(), 4u);
}

TEST(PooledHttpClient, InvalidOptionsAreConfigErrors) {
  auto error_path = [](HttpClientOptions options) -> std::string {
    try {
      PooledHttpClient client(options);
    } catch (const ConfigError& e) {
      return e.path() + ": " + e.what();
    }
    return "no error";
  };
  HttpClientOptions options;
  options.base_url = "https://example.com";  // https is accepted (https_client_test.cpp)
  EXPECT_EQ(error_path(options), "no error");
  options.base_url = "ftp://example.com";
  EXPECT_EQ(error_path(options).rfind("base_url: ", 0), 0u);
  options.base_url = "http://";
  EXPECT_EQ(error_path(options).rfind("base_url: ", 0), 0u);
  options.base_url = "http://user:pw@example.com";
  EXPECT_EQ(error_path(options).rfind("base_url: ", 0), 0u);
  options.base_url = "http://example.com/?q=1";
  EXPECT_EQ(error_path(options).rfind("base_url: ", 0), 0u);
  options.base_url = "http://example.com";
  options.max_connections = 0;
  EXPECT_EQ(error_path(options).rfind("max_connections: ", 0), 0u);
  options.max_connections = 1;
  options.deadline_header = "Bad Header";
  EXPECT_EQ(error_path(options).rfind("deadline_header: ", 0), 0u);
}

}  // namespace
}  // namespace mosaic::downstream
