// Background results reaching the front end: the poll endpoint, the WebSocket push (live and
// already-finished results), retention, client-chosen ids, and a slow WebSocket client.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <thread>

#include "delivery/result_store.hpp"
#include "engine_harness.hpp"
#include "metrics/registry.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;

const char* kDownstreams =
    "  fast: { plugin: mock, config: { latency: 1ms } }\n"
    "  slow: { plugin: mock, timeout: 5s, config: { latency: 300ms } }\n";

const char* kPage =
    "endpoint: GET /page/{id}\n"
    "steps:\n"
    "  main: { call: fast, with: { body: { id: \"${params.id}\" } } }\n"
    "  recs: { call: slow, class: background, with: { body: [\"r-${params.id}\"] } }\n"
    "  broken: { call: fast, class: background, with: { status: 500 } }\n";

std::string extra_config(const std::string& deliver) {
  return deliver.empty() ? "" : "deliver: " + deliver + "\n";
}

std::unique_ptr<EngineUnderTest> start(const std::string& deliver = {},
                                       const std::string& page = kPage) {
  return std::make_unique<EngineUnderTest>(std::string(kDownstreams) + extra_config(deliver),
                                           std::map<std::string, std::string>{{"page.yaml", page}});
}

Json poll(EngineUnderTest& engine, const std::string& id, int* status = nullptr) {
  auto reply = engine.get("/_mosaic/results/" + id);
  if (status) *status = reply.status;
  return reply.json();
}

class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target) : session_("127.0.0.1", port) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse response;
    socket_ = std::make_unique<Poco::Net::WebSocket>(session_, request, response);
    socket_->setReceiveTimeout(Poco::Timespan(3, 0));
  }
  void send(const std::string& text) {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()),
                       Poco::Net::WebSocket::FRAME_TEXT);
  }
  // The next text message as JSON (throws on timeout or close).
  Json next() {
    char buffer[65536];
    int flags = 0;
    int n = socket_->receiveFrame(buffer, sizeof buffer, flags);
    if (n <= 0 ||
        (flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
      throw std::runtime_error("closed");
    }
    return json::parse(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
  // Messages until {"status":"done"}, by step.
  std::map<std::string, Json> until_done() {
    std::map<std::string, Json> by_step;
    for (int i = 0; i < 20; ++i) {
      Json m = next();
      if (m.at("status") == "done") return by_step;
      by_step[std::string(m.at("step").as_string())] = m;
    }
    throw std::runtime_error("no done message");
  }
  Poco::Net::WebSocket& socket() { return *socket_; }

 private:
  Poco::Net::HTTPClientSession session_;
  std::unique_ptr<Poco::Net::WebSocket> socket_;
};

TEST(Delivery, PollShowsPendingThenResults) {
  auto engine = start();
  auto page = engine->get("/page/1");
  ASSERT_EQ(page.status, 200);
  const std::string id = page.header("X-Request-Id");
  EXPECT_EQ(page.json().at("_meta").at("pending"),
            (json::object{{"recs", "running"}, {"broken", "running"}}));

  int status = 0;
  Json early = poll(*engine, id, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(early.at("done"), false);
  EXPECT_EQ(early.at("steps").at("recs").at("status"), "running");

  Json later;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(50ms);
    later = poll(*engine, id);
    if (later.at("done") == true) break;
  }
  ASSERT_EQ(later.at("done"), true) << json::serialize(later);
  EXPECT_EQ(later.at("steps").at("recs").at("value"), (json::array{"r-1"}));
  EXPECT_EQ(later.at("steps").at("broken").at("status"), "failed");
  EXPECT_EQ(later.at("steps").at("broken").at("reason"), "status_500");
  EXPECT_TRUE(later.at("pending").as_array().empty());
}

TEST(Delivery, UnknownIdsAre404) {
  auto engine = start();
  int status = 0;
  Json body = poll(*engine, "0123456789abcdef0123456789abcdef", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body.at("error"), "not_found");
  poll(*engine, "not%20valid", &status);
  EXPECT_EQ(status, 404);
}

TEST(Delivery, ResultsUnderAClientChosenIdAreNotServedByDefault) {
  auto engine = start();
  ASSERT_EQ(engine->get("/page/1", {{"X-Request-Id", "simple-1"}}).status, 200);
  std::this_thread::sleep_for(400ms);
  int status = 0;
  poll(*engine, "simple-1", &status);
  EXPECT_EQ(status, 404);
}

TEST(Delivery, ClientChosenIdsCanBeAllowed) {
  auto engine = start("{ client_ids: true }");
  ASSERT_EQ(engine->get("/page/1", {{"X-Request-Id", "simple-2"}}).status, 200);
  int status = 0;
  poll(*engine, "simple-2", &status);
  EXPECT_EQ(status, 200);
}

TEST(Delivery, ResultsExpireAfterRetain) {
  auto engine = start("{ retain: 500ms }");
  auto page = engine->get("/page/1");
  const std::string id = page.header("X-Request-Id");
  int status = 0;
  poll(*engine, id, &status);
  EXPECT_EQ(status, 200);
  std::this_thread::sleep_for(800ms);
  poll(*engine, id, &status);
  EXPECT_EQ(status, 404);
}

TEST(Delivery, WebSocketPushesResultsAsTheyFinish) {
  auto engine = start();
  auto page = engine->get("/page/7");
  const std::string id = page.header("X-Request-Id");
  WsClient ws(engine->port(), "/_mosaic/ws?request_id=" + id);
  const auto start_time = std::chrono::steady_clock::now();
  auto results = ws.until_done();
  EXPECT_LT(ms_since(start_time), 1500);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results["recs"].at("status"), "ok");
  EXPECT_EQ(results["recs"].at("value"), (json::array{"r-7"}));
  EXPECT_EQ(results["recs"].at("request_id"), json::string(id));
  EXPECT_EQ(results["broken"].at("status"), "failed");
  EXPECT_EQ(results["broken"].at("reason"), "status_500");
}

TEST(Delivery, WebSocketGetsResultsThatFinishedBeforeItSubscribed) {
  auto engine = start();
  const std::string a = engine->get("/page/1").header("X-Request-Id");
  const std::string b = engine->get("/page/2").header("X-Request-Id");
  std::this_thread::sleep_for(500ms);  // both done before anyone subscribes
  WsClient ws(engine->port(), "/_mosaic/ws");
  ws.send(R"({"subscribe": [")" + a + R"(", ")" + b + R"(", "unknown-id"]})");
  std::map<std::string, int> done;
  std::map<std::string, std::string> recs;
  bool unknown_reported = false;
  for (int i = 0; i < 7; ++i) {
    Json m = ws.next();
    const std::string rid(m.at("request_id").as_string());
    if (m.as_object().contains("error")) {
      unknown_reported = rid == "unknown-id" && m.at("error") == "unknown_request_id";
    } else if (m.at("status") == "done") {
      done[rid]++;
    } else if (m.at("step") == "recs") {
      recs[rid] = json::serialize(m.at("value"));
    }
  }
  EXPECT_TRUE(unknown_reported);
  EXPECT_EQ(done[a], 1);
  EXPECT_EQ(done[b], 1);
  EXPECT_EQ(recs[a], R"(["r-1"])");
  EXPECT_EQ(recs[b], R"(["r-2"])");
}

TEST(Delivery, ASlowWebSocketClientIsDisconnectedAndMemoryStaysBounded) {
  // 40 background steps of 256 KiB each, a client that never reads, a send queue of 4.
  std::string page = "endpoint: GET /big\nsteps:\n  main: { call: fast, with: { body: 1 } }\n";
  for (int i = 0; i < 40; ++i) {
    page +=
        "  b" + std::to_string(i) + ": { call: fast, class: background, with: { size: 262144 } }\n";
  }
  auto engine = start("{ max_bytes: 4MiB, websocket: { send_queue: 4 } }", page);
  auto& closed = metrics::Registry::global().counter(
      "mosaic_websocket_closed_total", "WebSocket connections closed by the engine, by cause.",
      {{"cause", "slow_client"}});
  const auto before = closed.value();
  WsClient ws(engine->port(), "/_mosaic/ws");
  ws.socket().setReceiveBufferSize(4096);
  const std::string id = engine->get("/big").header("X-Request-Id");
  ws.send(R"({"subscribe": [")" + id + R"("]})");
  // Never read. The engine gives up on this client instead of buffering for it.
  bool gave_up = false;
  for (int i = 0; i < 100 && !gave_up; ++i) {
    std::this_thread::sleep_for(50ms);
    gave_up = closed.value() > before;
  }
  EXPECT_TRUE(gave_up);
  // The store itself keeps to max_bytes whatever the results weigh (40 x 256 KiB > 4 MiB): once
  // enough results landed, the request's entry is evicted rather than grown past the bound.
  delivery::StoreStats stats;
  for (int i = 0; i < 200; ++i) {
    stats = engine->engine().results().stats();
    ASSERT_LE(stats.bytes, 4u << 20);
    if (stats.evicted > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(stats.evicted, 0u);
}

TEST(Delivery, MosaicctlWatchPrintsResultsUntilDone) {
  auto engine = start();
  const std::string id = engine->get("/page/3").header("X-Request-Id");
  Poco::Pipe out_pipe;
  auto handle =
      Poco::Process::launch(MOSAICCTL_PATH,
                            {"watch", "--url", "http://127.0.0.1:" + std::to_string(engine->port()),
                             "--timeout", "10s", id},
                            nullptr, &out_pipe, nullptr);
  Poco::PipeInputStream out(out_pipe);
  std::string text;
  Poco::StreamCopier::copyToString(out, text);
  EXPECT_EQ(handle.wait(), 0) << text;
  EXPECT_NE(text.find(R"("step":"recs","status":"ok","value":["r-3"])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("status":"done")"), std::string::npos) << text;

  auto unknown = Poco::Process::launch(
      MOSAICCTL_PATH,
      {"watch", "--url", "http://127.0.0.1:" + std::to_string(engine->port()), "nope-nope"},
      nullptr, nullptr, nullptr);
  EXPECT_EQ(unknown.wait(), 1);
}

}  // namespace
}  // namespace mosaic::testing
