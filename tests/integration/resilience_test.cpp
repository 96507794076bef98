// Bulkheads, breakers, retries and hedging through the whole engine, against real `http`
// downstreams (test HTTP servers on loopback): a hung degradable downstream cannot starve the
// critical path; a full bulkhead sheds; a breaker opens, fails fast and closes again; retries
// rescue idempotent calls within their budget; a hedge wins and its loser's socket is closed.
#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "engine_harness.hpp"
#include "metrics/registry.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;
using Reply = TestHttpServer::Reply;
using Behavior = TestHttpServer::Behavior;

Reply ok_reply(const std::string& body = R"({"ok":true})") {
  Reply r;
  r.body = body;
  return r;
}

Reply status_reply(int status) {
  Reply r;
  r.status = status;
  r.body = "{\"status\":" + std::to_string(status) + "}";
  return r;
}

Reply hang_reply() {
  Reply r;
  r.behavior = Behavior::kHang;
  return r;
}

std::uint64_t counter(const std::string& name, const metrics::Labels& labels) {
  return metrics::Registry::global().counter(name, "", labels).value();
}

// The engine on its own config: the harness's 32 server threads would make 64 keep-alive clients
// queue for a connection thread, which is not what the isolation test is about.
class Engine {
 public:
  Engine(const std::string& downstreams, const std::string& pipeline, int server_threads = 32) {
    folder_.write("pipelines/page.yaml", pipeline);
    const std::string config = folder_.write(
        "mosaic.yaml",
        "server: { listen: 127.0.0.1:0, threads: " + std::to_string(server_threads) +
            " }\nadmin: { listen: 127.0.0.1:0 }\nplugins: { paths: [" MOSAIC_PLUGIN_DIR
            "] }\ndownstreams:\n" +
            downstreams + "pipelines: [pipelines/*.yaml]\n");
    config::Diagnostics diagnostics;
    runtime::EngineOptions options;
    options.log.off = true;
    engine_ = runtime::Engine::create(config, diagnostics, options);
    if (!engine_) throw std::runtime_error("engine did not start:\n" + diagnostics.str());
    engine_->start();
  }
  std::uint16_t port() const { return engine_->port(); }
  HttpReply get(const std::string& target) const { return http_call(port(), "GET", target); }

 private:
  TempFolder folder_;
  std::unique_ptr<runtime::Engine> engine_;
};

std::string http_downstream(const std::string& name, const TestHttpServer& server,
                            const std::string& timeout, const std::string& extra = {}) {
  return "  " + name + ":\n    plugin: http\n    timeout: " + timeout + "\n" + extra +
         "    config: { base_url: \"" + server.base_url() + "\", max_connections: 128 }\n";
}

// A page with a critical step on `users` and a degradable one on `orders`.
std::string page_pipeline(const std::string& orders_with = "path: /orders") {
  return "endpoint: GET /page/{id}\n"
         "deadline: 5s\n"
         "steps:\n"
         "  user:   { call: users,  class: critical,   with: { path: /user } }\n"
         "  orders: { call: orders, class: degradable, with: { " +
         orders_with + " } }\n";
}

struct LoadResult {
  std::uint64_t ok = 0;
  std::map<std::string, std::uint64_t> other;  // status or exception text -> count
  double seconds = 0;
  double throughput() const { return static_cast<double>(ok) / seconds; }
  std::string mix() const {
    std::string out = "200:" + std::to_string(ok);
    for (const auto& [what, n] : other) out += " " + what + ":" + std::to_string(n);
    return out;
  }
};

// `clients` keep-alive clients asking for GET /page/N as fast as they can for `duration`.
LoadResult load(std::uint16_t port, int clients, std::chrono::milliseconds duration) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  LoadResult result;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Poco::Net::HTTPClientSession session("127.0.0.1", port);
      session.setTimeout(Poco::Timespan(10, 0));
      std::uint64_t ok = 0;
      std::map<std::string, std::uint64_t> other;
      for (int i = 0; !stop.load(); ++i) {
        try {
          Poco::Net::HTTPRequest request("GET", "/page/" + std::to_string(c * 1000000 + i),
                                         Poco::Net::HTTPMessage::HTTP_1_1);
          session.sendRequest(request);
          Poco::Net::HTTPResponse response;
          std::string body;
          Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
          if (response.getStatus() == 200) {
            ++ok;
          } else {
            ++other[std::to_string(response.getStatus())];
          }
        } catch (const std::exception& e) {
          ++other[e.what()];
          session.reset();
        }
      }
      std::lock_guard lock(mutex);
      result.ok += ok;
      for (const auto& [what, n] : other) result.other[what] += n;
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

TEST(ResilienceIsolation, AHungDegradableDownstreamDoesNotStarveTheCriticalPath) {
  TestHttpServer users;
  TestHttpServer orders;
  std::atomic<bool> hung{false};
  users.route("/user", [](const RecordedRequest&) { return ok_reply(R"({"name":"Ada"})"); });
  orders.route("/orders",
               [&](const RecordedRequest&) { return hung ? hang_reply() : ok_reply("[1,2,3]"); });
  // The breaker is off: the bulkhead alone must keep the hung downstream to its 8 slots.
  // users has all the time it could want: on a busy machine a slow healthy call is not the point.
  Engine engine(
      http_downstream("users", users, "4s") +
          http_downstream("orders", orders, "200ms",
                          "    bulkhead: { max_concurrent: 8, max_queue: 8, queue_timeout: 20ms }\n"
                          "    breaker: off\n"),
      page_pipeline(), /*server_threads=*/128);
  constexpr int kClients = 64;
  load(engine.port(), kClients, 300ms);  // warm up: threads, pools, connections

  const LoadResult healthy = load(engine.port(), kClients, 2s);
  hung = true;
  const LoadResult degraded = load(engine.port(), kClients, 2s);
  std::printf("healthy: %.0f req/s (%s); orders hung: %.0f req/s (%s)\n", healthy.throughput(),
              healthy.mix().c_str(), degraded.throughput(), degraded.mix().c_str());

  EXPECT_TRUE(healthy.other.empty()) << healthy.mix();
  EXPECT_TRUE(degraded.other.empty()) << degraded.mix();
  EXPECT_GT(healthy.ok, 200u);
  EXPECT_GE(degraded.throughput(), 0.5 * healthy.throughput())
      << healthy.mix() << " vs " << degraded.mix();
  // The hung downstream never held more than its bulkhead's slots (one socket each).
  EXPECT_LE(orders.peak_open_connections(), 8u + 8u);  // + sockets the server has yet to see closed
  EXPECT_GT(counter("mosaic_bulkhead_shed_total", {{"downstream", "orders"}, {"cause", "full"}}),
            0u);
}

TEST(ResilienceBulkhead, AFullBulkheadShedsAtOnceAndTheStepIsDegraded) {
  TestHttpServer users;
  TestHttpServer slow;
  users.route("/user", [](const RecordedRequest&) { return ok_reply(); });
  slow.route("/orders", [](const RecordedRequest&) { return hang_reply(); });
  Engine engine(
      http_downstream("users", users, "500ms") +
          http_downstream("slow_orders", slow, "400ms",
                          "    bulkhead: { max_concurrent: 1, max_queue: 0 }\n    breaker: off\n"),
      "endpoint: GET /page/{id}\ndeadline: 2s\nsteps:\n"
      "  user:   { call: users, with: { path: /user } }\n"
      "  orders: { call: slow_orders, class: degradable, with: { path: /orders } }\n");
  const auto shed_before =
      counter("mosaic_bulkhead_shed_total", {{"downstream", "slow_orders"}, {"cause", "full"}});
  HttpReply first;
  std::thread holder([&] { first = engine.get("/page/1"); });
  ASSERT_TRUE(slow.wait_for_hanging(1, 3s));
  const auto start = Clock::now();
  const HttpReply second = engine.get("/page/2");
  const auto took = ms_since(start);
  holder.join();
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json().at("_meta").at("degraded").at("orders"), "shed") << second.body;
  EXPECT_LT(took, 300) << "a shed call does not wait for the step's timeout";
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json().at("_meta").at("degraded").at("orders"), "timeout");
  EXPECT_EQ(
      counter("mosaic_bulkhead_shed_total", {{"downstream", "slow_orders"}, {"cause", "full"}}),
      shed_before + 1);
  EXPECT_EQ(slow.requests().size(), 1u);
}

TEST(ResilienceBreaker, OpensOnFailuresFailsFastThenHalfOpensAndClosesWhenTheDownstreamRecovers) {
  TestHttpServer users;
  TestHttpServer flaky;
  std::atomic<bool> failing{true};
  users.route("/user", [](const RecordedRequest&) { return ok_reply(); });
  flaky.route("/orders", [&](const RecordedRequest&) {
    return failing ? status_reply(503) : ok_reply("[1]");
  });
  Engine engine(http_downstream("users", users, "500ms") +
                    http_downstream("flaky_orders", flaky, "500ms",
                                    "    breaker: { min_calls: 4, failure_ratio: 0.5, open_for: "
                                    "300ms, half_open_calls: 1 }\n"),
                "endpoint: GET /page/{id}\ndeadline: 2s\nsteps:\n"
                "  user:   { call: users, with: { path: /user } }\n"
                "  orders: { call: flaky_orders, class: degradable, with: { path: /orders } }\n");
  auto transitions = [](const char* to) {
    return counter("mosaic_breaker_transitions_total",
                   {{"downstream", "flaky_orders"}, {"to", to}});
  };
  const auto opened_before = transitions("open");
  const auto half_before = transitions("half_open");
  const auto closed_before = transitions("closed");
  auto orders_reason = [](const HttpReply& reply) -> std::string {
    const Json body = reply.json();
    const auto& degraded = body.at("_meta").at("degraded").as_object();
    return degraded.contains("orders") ? std::string(degraded.at("orders").as_string()) : "ok";
  };
  for (int i = 0; i < 4; ++i) EXPECT_EQ(orders_reason(engine.get("/page/1")), "status_503");
  EXPECT_EQ(transitions("open"), opened_before + 1);
  // Open: the downstream is not called any more.
  const std::size_t calls_when_opened = flaky.requests().size();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(orders_reason(engine.get("/page/1")), "circuit_open");
  EXPECT_EQ(flaky.requests().size(), calls_when_opened);
  EXPECT_EQ(metrics::Registry::global()
                .gauge("mosaic_breaker_state", "", {{"downstream", "flaky_orders"}})
                .value(),
            2);

  failing = false;
  std::this_thread::sleep_for(350ms);                     // open_for
  EXPECT_EQ(orders_reason(engine.get("/page/1")), "ok");  // the probe
  EXPECT_EQ(transitions("half_open"), half_before + 1);
  EXPECT_EQ(transitions("closed"), closed_before + 1);
  EXPECT_EQ(orders_reason(engine.get("/page/1")), "ok");
  EXPECT_EQ(metrics::Registry::global()
                .gauge("mosaic_breaker_state", "", {{"downstream", "flaky_orders"}})
                .value(),
            0);
}

TEST(ResilienceRetry, AnIdempotentCallIsRetriedAPostIsNotAndTheBudgetRunsOut) {
  TestHttpServer users;
  TestHttpServer flaky;
  std::atomic<int> seen{0};
  users.route("/user", [](const RecordedRequest&) { return ok_reply(); });
  // /orders fails twice, then answers; /down always fails.
  flaky.route("/orders", [&](const RecordedRequest&) {
    return ++seen <= 2 ? status_reply(503) : ok_reply("[7]");
  });
  flaky.route("/down", [](const RecordedRequest&) { return status_reply(503); });
  Engine engine(
      http_downstream("users", users, "500ms") +
          http_downstream("retried_orders", flaky, "800ms",
                          "    retry: { attempts: 3, backoff: 1ms, max_backoff: 5ms, budget: 2 }\n"
                          "    breaker: off\n") +
          http_downstream(
              "thrifty_orders", flaky, "800ms",
              "    retry: { attempts: 2, backoff: 1ms, max_backoff: 5ms, budget: 0.1 }\n"
              "    breaker: off\n"),
      "endpoint: GET /page/{id}\ndeadline: 2s\nsteps:\n"
      "  user:   { call: users, with: { path: /user } }\n"
      "  orders: { call: retried_orders, class: degradable, with: { path: /orders } }\n"
      "  post:   { call: retried_orders, class: degradable, after: [orders], "
      "with: { method: POST, path: /down } }\n"
      "  down:   { call: thrifty_orders, class: degradable, after: [post], with: { path: /down } "
      "}\n");
  const metrics::Labels retried{{"downstream", "retried_orders"}};
  const metrics::Labels thrifty{{"downstream", "thrifty_orders"}};
  const auto retries_before = counter("mosaic_retries_total", retried);
  const auto thrifty_retries_before = counter("mosaic_retries_total", thrifty);
  const auto exhausted_before = counter("mosaic_retry_budget_exhausted_total", thrifty);

  const HttpReply reply = engine.get("/page/1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json().at("orders"), (json::array{7})) << reply.body;
  EXPECT_EQ(reply.json().at("_meta").at("degraded").at("post"), "status_503");
  EXPECT_EQ(seen.load(), 3);
  EXPECT_EQ(counter("mosaic_retries_total", retried), retries_before + 2);

  // 20 pages: the always-failing GET to thrifty_orders may retry 0.1 x its calls: 2 of 20.
  for (int i = 1; i < 20; ++i) engine.get("/page/1");
  std::size_t posts = 0;
  for (const auto& r : flaky.requests()) posts += r.method == "POST";
  EXPECT_EQ(posts, 20u);  // a POST is not idempotent: never repeated
  EXPECT_EQ(counter("mosaic_retries_total", thrifty), thrifty_retries_before + 2);
  EXPECT_EQ(counter("mosaic_retry_budget_exhausted_total", thrifty), exhausted_before + 18);
}

TEST(ResilienceHedge, TheHedgeAnswersAndTheHungFirstAttemptsSocketIsClosed) {
  TestHttpServer users;
  TestHttpServer orders;
  std::atomic<int> seen{0};
  users.route("/user", [](const RecordedRequest&) { return ok_reply(); });
  orders.route("/orders", [&](const RecordedRequest&) {
    return ++seen == 1 ? hang_reply() : ok_reply("[9]");
  });
  Engine engine(http_downstream("users", users, "500ms") +
                    http_downstream("hedged_orders", orders, "1500ms",
                                    "    hedge: { after: 50ms, budget: 1 }\n"),
                "endpoint: GET /page/{id}\ndeadline: 2s\nsteps:\n"
                "  user:   { call: users, with: { path: /user } }\n"
                "  orders: { call: hedged_orders, class: degradable, with: { path: /orders } }\n");
  const metrics::Labels labels{{"downstream", "hedged_orders"}};
  const auto won_before = counter("mosaic_hedges_won_total", labels);
  const auto start = Clock::now();
  const HttpReply reply = engine.get("/page/1");
  const auto took = ms_since(start);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json().at("orders"), (json::array{9})) << reply.body;
  EXPECT_LT(took, 1000)
      << "the hedge answered; the first attempt's 1.5 s timeout was not waited for";
  EXPECT_EQ(counter("mosaic_hedges_won_total", labels), won_before + 1);
  // The loser was cancelled for real: its socket was shut down and the server saw it close.
  EXPECT_TRUE(orders.wait_for_closed_by_client(1, 2s));
  EXPECT_EQ(orders.hanging(), 0u);
}

}  // namespace
}  // namespace mosaic::testing
