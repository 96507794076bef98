// The cache through the whole engine (real sockets, the `http` plugin, a counting test
// downstream, a real memcached started here on a free port):
//   - stampede: 1000 concurrent requests for one expired key make one downstream call, with the
//     memory backend and with three engines sharing memcached (the fleet lease);
//   - outage: with the downstream down, every request for a key inside its stale window is
//     answered with the stale value, for the whole window;
//   - memcached killed, and frozen with SIGSTOP, under load: no failed request, and latency back
//     near normal within a second (precise numbers: bench/cache and docs/benchmarks.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "engine_harness.hpp"
#include "memcached_process.hpp"
#include "metrics/registry.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;
using Reply = TestHttpServer::Reply;
using SteadyClock = std::chrono::steady_clock;

std::uint64_t coalesced(const std::string& pipeline, const std::string& step) {
  return metrics::Registry::global()
      .counter("mosaic_cache_lookups_total", "",
               {{"pipeline", pipeline}, {"step", step}, {"result", "coalesced"}})
      .value();
}

// A GET with a long client timeout: stampede requests wait for one slow fetch.
HttpReply slow_get(std::uint16_t port, const std::string& target) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(120, 0));
  Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

std::string downstreams_for(const TestHttpServer& server) {
  return "  users:\n    plugin: http\n    timeout: 30s\n    config: { base_url: \"" +
         server.base_url() + "\", max_connections: 64 }\n";
}

std::string cache_yaml(const MemcachedProcess* memcached, const std::string& prefix) {
  if (!memcached) return "cache: { backend: memory }\n";
  return "cache: { backend: memcached, servers: [\"" + memcached->address() +
         "\"], timeout: 50ms, prefix: \"" + prefix + "\" }\n";
}

std::string server_yaml(int threads, const MemcachedProcess* memcached, const std::string& prefix) {
  return "server: { listen: 127.0.0.1:0, threads: " + std::to_string(threads) +
         ", queue: 4096 }\n" + cache_yaml(memcached, prefix);
}

// --- stampede

class StampedeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.route("/orders/7", [this](const RecordedRequest&) {
      Reply r;
      if (hang_)
        r.behavior = TestHttpServer::Behavior::kHang;  // answers {"released":true} when released
      else
        r.body = R"({"first":true})";
      return r;
    });
  }

  // `endpoint` is unique per test, so the global metric series of one test are its own.
  std::map<std::string, std::string> pipeline(const std::string& endpoint) const {
    return {{"orders.yaml",
             "endpoint: GET " + endpoint +
                 "/{userId}\ndeadline: 60s\nsteps:\n"
                 "  orders: { call: users, timeout: 60s, with: { path: "
                 "\"/orders/${params.userId}\" },\n"
                 "            cache: { key: \"orders:${params.userId}\", ttl: 1s } }\n"}};
  }

  // Sends `per_engine` concurrent requests to each engine while the downstream hangs, waits until
  // all of them are waiting for one fetch, then lets the downstream answer.
  void stampede(const std::vector<EngineUnderTest*>& engines, std::size_t per_engine,
                const std::string& endpoint) {
    const std::size_t total = engines.size() * per_engine;
    const std::uint64_t before = coalesced("GET " + endpoint + "/{userId}", "orders");
    hang_ = true;
    std::vector<std::thread> clients;
    std::atomic<std::size_t> ok{0};
    std::atomic<std::size_t> wrong{0};
    for (EngineUnderTest* engine : engines) {
      for (std::size_t i = 0; i < per_engine; ++i) {
        clients.emplace_back([&, port = engine->port()] {
          try {
            auto reply = slow_get(port, endpoint + "/7");
            if (reply.status == 200 &&
                reply.json().at("orders") == Json(json::object{{"released", true}}))
              ++ok;
            else
              ++wrong;
          } catch (const std::exception&) {
            ++wrong;
          }
        });
      }
    }
    // Every request but one per engine joins an in-process flight (counted at once); each
    // engine's own leader either fetches (the lease holder) or polls memcached for its value.
    const std::uint64_t joiners = total - engines.size();
    const auto until = SteadyClock::now() + 90s;
    while (coalesced("GET " + endpoint + "/{userId}", "orders") - before < joiners &&
           SteadyClock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(coalesced("GET " + endpoint + "/{userId}", "orders") - before, joiners);
    EXPECT_TRUE(users_.wait_for_hanging(1, 5s));
    std::this_thread::sleep_for(200ms);  // time for a second fetch to show up, if one were coming
    EXPECT_EQ(users_.hanging(), 1u);
    users_.release_hangs();
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), total);
    EXPECT_EQ(wrong.load(), 0u);
  }

  std::size_t calls() const {
    std::size_t n = 0;
    for (const auto& r : users_.requests()) n += r.path == "/orders/7";
    return n;
  }

  std::atomic<bool> hang_{false};
  TestHttpServer users_;
};

TEST_F(StampedeTest, AThousandConcurrentRequestsForAnExpiredKeyMakeOneDownstreamCall) {
  EngineUnderTest engine(downstreams_for(users_), pipeline("/stampede-memory"),
                         "admin: { listen: 127.0.0.1:0 }\n", server_yaml(1100, nullptr, ""));
  ASSERT_EQ(engine.get("/stampede-memory/7").json().at("orders"), (json::object{{"first", true}}));
  std::this_thread::sleep_for(1100ms);  // the key expires (ttl 1s, no stale window)
  stampede({&engine}, 1000, "/stampede-memory");
  EXPECT_EQ(calls(), 2u);  // the first fill and one fetch for the thousand
}

TEST_F(StampedeTest, ThreeEnginesSharingMemcachedMakeOneDownstreamCallInTotal) {
  MemcachedProcess memcached;
  std::vector<std::unique_ptr<EngineUnderTest>> engines;
  for (int i = 0; i < 3; ++i) {
    engines.push_back(std::make_unique<EngineUnderTest>(
        downstreams_for(users_), pipeline("/stampede-fleet"), "admin: { listen: 127.0.0.1:0 }\n",
        server_yaml(400, &memcached, "fleet:")));
  }
  ASSERT_EQ(engines[0]->get("/stampede-fleet/7").status, 200);
  // The other instances read what the first stored.
  EXPECT_EQ(engines[1]->get("/stampede-fleet/7").json().at("orders"),
            (json::object{{"first", true}}));
  EXPECT_EQ(engines[2]->get("/stampede-fleet/7").json().at("orders"),
            (json::object{{"first", true}}));
  EXPECT_EQ(calls(), 1u);
  std::this_thread::sleep_for(1100ms);
  stampede({engines[0].get(), engines[1].get(), engines[2].get()}, 334, "/stampede-fleet");
  EXPECT_EQ(calls(), 2u);  // one fill, one fetch for 1002 requests on three instances
}

// --- outage

class OutageTest : public ::testing::TestWithParam<bool> {};

TEST_P(OutageTest, EveryRequestInsideTheStaleWindowGetsTheStaleValueWhileTheDownstreamIsDown) {
  const bool use_memcached = GetParam();
  std::unique_ptr<MemcachedProcess> memcached;
  if (use_memcached) memcached = std::make_unique<MemcachedProcess>();
  auto users = std::make_unique<TestHttpServer>();
  users->route("/orders/7", [](const RecordedRequest&) {
    Reply r;
    r.body = R"({"orders":[1,2,3]})";
    return r;
  });
  const std::string endpoint = use_memcached ? "/outage-memcached" : "/outage-memory";
  EngineUnderTest engine(
      downstreams_for(*users),
      {{"orders.yaml",
        "endpoint: GET " + endpoint +
            "/{userId}\nsteps:\n"
            "  orders: { call: users, class: critical, timeout: 300ms,\n"
            "            with: { path: \"/orders/${params.userId}\" },\n"
            "            cache: { key: \"outage:${params.userId}\", ttl: 1s, stale: 4s } }\n"}},
      "admin: { listen: 127.0.0.1:0 }\n", server_yaml(32, memcached.get(), "outage:"));
  const auto stored = SteadyClock::now();
  ASSERT_EQ(engine.get(endpoint + "/7").status, 200);
  users->stop();  // the downstream goes down: connections refused from now on
  users.reset();
  std::this_thread::sleep_for(1200ms);  // past the ttl: every value from here on is stale

  std::atomic<int> total{0};
  std::atomic<int> good{0};
  std::atomic<int> stale_listed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      // Until 300 ms before the window closes (stale until = stored + 5 s).
      while (SteadyClock::now() < stored + 4700ms) {
        ++total;
        try {
          auto reply = engine.get(endpoint + "/7");
          if (reply.status != 200) continue;
          auto body = reply.json();
          if (body.at("orders") == json::parse(R"({"orders":[1,2,3]})")) ++good;
          if (body.at("_meta").at("stale").as_object().contains("orders")) ++stale_listed;
        } catch (const std::exception&) {
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(total.load(), 100);
  EXPECT_EQ(good.load(), total.load());  // 100%: none failed
  EXPECT_EQ(stale_listed.load(), total.load());

  if (!use_memcached) {
    // Past the window the memory backend has dropped it: the critical step now fails.
    std::this_thread::sleep_until(stored + 5300ms);
    EXPECT_EQ(engine.get(endpoint + "/7").status, 502);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, OutageTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "Memcached" : "Memory";
                         });

// --- memcached failing under load

struct Sample {
  SteadyClock::time_point at;
  std::chrono::microseconds took;
  bool ok;
};

double p99_ms(std::vector<Sample> samples, SteadyClock::time_point from,
              SteadyClock::time_point to) {
  std::vector<std::int64_t> us;
  for (const auto& s : samples) {
    if (s.at >= from && s.at < to) us.push_back(s.took.count());
  }
  if (us.empty()) return -1;
  std::sort(us.begin(), us.end());
  return static_cast<double>(us[us.size() * 99 / 100]) / 1000.0;
}

class MemcachedFailureTest : public ::testing::TestWithParam<bool> {};

TEST_P(MemcachedFailureTest, NoRequestFailsAndLatencyRecoversWithinASecond) {
  const bool freeze = GetParam();
  MemcachedProcess memcached;
  TestHttpServer users;
  for (const std::string path : {"/auth/", "/orders/"}) {
    for (int u = 0; u < 4; ++u) {
      users.route(path + std::to_string(u), [](const RecordedRequest&) {
        Reply r;
        r.body = R"({"ok":true})";
        r.delay = 2ms;
        return r;
      });
    }
  }
  const std::string endpoint = freeze ? "/mc-frozen" : "/mc-killed";
  EngineUnderTest engine(
      downstreams_for(users),
      {{"home.yaml",
        "endpoint: GET " + endpoint +
            "/{userId}\nsteps:\n"
            "  auth:   { call: users, timeout: 1s, with: { path: \"/auth/${params.userId}\" } }\n"
            "  orders: { call: users, class: degradable, timeout: 1s,\n"
            "            with: { path: \"/orders/${params.userId}\" },\n"
            "            cache: { key: \"mc-orders:${params.userId}\", ttl: 60s, stale: 60s } "
            "}\n"}},
      "admin: { listen: 127.0.0.1:0 }\n", server_yaml(32, &memcached, "mc:"));

  std::mutex mutex;
  std::vector<Sample> samples;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      std::vector<Sample> mine;
      Poco::Net::HTTPClientSession session("127.0.0.1", engine.port());
      session.setTimeout(Poco::Timespan(10, 0));
      session.setKeepAlive(true);
      int i = 0;
      while (!stop) {
        const std::string target = endpoint + "/" + std::to_string((c + i++) % 4);
        const auto started = SteadyClock::now();
        bool ok = false;
        try {
          Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
          request.setKeepAlive(true);
          session.sendRequest(request);
          Poco::Net::HTTPResponse response;
          std::string body;
          Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
          ok = response.getStatus() == 200 &&
               json::parse(body).at("orders") == Json(json::object{{"ok", true}});
        } catch (const std::exception&) {
          session.reset();
        }
        mine.push_back(
            {started,
             std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started),
             ok});
      }
      std::lock_guard lock(mutex);
      samples.insert(samples.end(), mine.begin(), mine.end());
    });
  }
  const auto t0 = SteadyClock::now();
  std::this_thread::sleep_for(1500ms);
  const auto broke = SteadyClock::now();
  if (freeze) {
    memcached.freeze();
  } else {
    memcached.kill();
  }
  std::this_thread::sleep_for(2500ms);
  stop = true;
  for (auto& t : clients) t.join();
  memcached.thaw();

  std::size_t failed = 0;
  for (const auto& s : samples) failed += s.ok ? 0 : 1;
  EXPECT_EQ(failed, 0u) << "of " << samples.size();
  const double normal = p99_ms(samples, t0 + 500ms, broke);
  const double after = p99_ms(samples, broke + 1s, broke + 2s);
  RecordProperty("normal_p99_ms", std::to_string(normal));
  RecordProperty("after_p99_ms", std::to_string(after));
  ASSERT_GT(normal, 0);
  ASSERT_GT(after, 0);
  // Generous here (a loaded 2-core CI box); bench/cache measures the 2x claim. Without the
  // breaker a frozen memcached keeps every request at 150 ms and more (three poll timeouts).
  EXPECT_LT(after, std::max(4 * normal, normal + 50.0))
      << "normal p99 " << normal << " ms, after " << after << " ms";
}

INSTANTIATE_TEST_SUITE_P(Modes, MemcachedFailureTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "Frozen" : "Killed";
                         });

}  // namespace
}  // namespace mosaic::testing
