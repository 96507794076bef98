// Logging and offload end to end: access lines and step lines of one request sharing its id and
// its sampling decision, errors and partial answers always logged, a large downstream body and
// answer going through the offload pool, and mosaicd reopening its log file on SIGHUP.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine_harness.hpp"
#include "metrics/registry.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;

std::vector<json::object> read_lines(const std::string& path) {
  std::vector<json::object> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line).as_object());
  return lines;
}

std::string field(const json::object& line, const char* key) {
  const auto* v = line.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The engine in-process with the given `logging:`/`offload:` sections.
class LoggedEngine {
 public:
  explicit LoggedEngine(const std::string& sections) {
    folder_.write("pipelines/ok.yaml",
                  "endpoint: GET /ok/{id}\nsteps:\n  a: { call: fast, with: { body: { id: "
                  "\"${params.id}\" } } }\n");
    folder_.write("pipelines/partial.yaml",
                  "endpoint: GET /partial\nsteps:\n  a: { call: fast, with: { body: 1 } }\n"
                  "  b: { call: fast, class: degradable, with: { fail: true } }\n");
    folder_.write("pipelines/fail.yaml",
                  "endpoint: GET /fail\nsteps:\n  a: { call: fast, with: { status: 500 } }\n");
    folder_.write("pipelines/big.yaml",
                  "endpoint: GET /big\nsteps:\n  a: { call: fast, with: { size: 300KiB } }\n"
                  "response: { count: \"${steps.a.count}\", items: \"${steps.a.items}\" }\n");
    const std::string config = folder_.write(
        "mosaic.yaml",
        "server: { listen: 127.0.0.1:0, threads: 16 }\nadmin: { listen: 127.0.0.1:0 }\n"
        "plugins: { paths: [" MOSAIC_PLUGIN_DIR
        "] }\n"
        "downstreams:\n  fast: { plugin: mock, timeout: 500ms }\n"
        "pipelines: [pipelines/*.yaml]\n" +
            sections + "\n");
    config::Diagnostics diagnostics;
    engine_ = runtime::Engine::create(config, diagnostics);
    if (!engine_) throw std::runtime_error("engine did not start:\n" + diagnostics.str());
    engine_->start();
  }
  HttpReply get(const std::string& target, const std::string& request_id = {}) {
    std::map<std::string, std::string> headers;
    if (!request_id.empty()) headers["X-Request-Id"] = request_id;
    return http_call(engine_->port(), "GET", target, {}, headers);
  }
  void flush() { EXPECT_TRUE(engine_->log().flush()); }
  std::uint16_t port() const { return engine_->port(); }

 private:
  TempFolder folder_;
  std::unique_ptr<runtime::Engine> engine_;
};

std::map<std::string, std::vector<json::object>> by_request(
    const std::vector<json::object>& lines) {
  std::map<std::string, std::vector<json::object>> out;
  for (const auto& line : lines) {
    const std::string id = field(line, "request_id");
    if (!id.empty()) out[id].push_back(line);
  }
  return out;
}

// The log's lines by request, once each of `ids` has its access line. That line is written when
// the handler returns, after the answer went out: the client can hold its answer before the line
// is queued, so one flush right after the last answer may miss it. Waits at most 5 s.
std::map<std::string, std::vector<json::object>> by_request_once_logged(
    LoggedEngine& engine, const std::string& log, const std::vector<std::string>& ids) {
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (true) {
    engine.flush();
    auto requests = by_request(read_lines(log));
    const bool all = std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
      const auto found = requests.find(id);
      return found != requests.end() &&
             std::any_of(found->second.begin(), found->second.end(), [](const json::object& line) {
               return field(line, "message") == "request";
             });
    });
    if (all || std::chrono::steady_clock::now() > give_up) return requests;
    std::this_thread::sleep_for(5ms);
  }
}

TEST(LoggingEndToEnd, UnsampledRequestsLogOnlyErrorsAndPartialAnswers) {
  TempFolder folder;
  const std::string log = folder.path() + "/unsampled.log";
  LoggedEngine engine("logging: { sample_rate: 0.0, adaptive: false, sink: \"file:" + log + "\" }");
  EXPECT_EQ(engine.get("/ok/1", "req-ok").status, 200);
  EXPECT_EQ(engine.get("/nowhere", "req-404").status, 404);
  EXPECT_EQ(engine.get("/partial", "req-partial").status, 200);
  EXPECT_EQ(engine.get("/fail", "req-fail").status, 502);
  // The logged requests come last: once their lines are there, the unlogged ones had their turn.
  const auto requests = by_request_once_logged(engine, log, {"req-partial", "req-fail"});

  EXPECT_FALSE(requests.count("req-ok"));
  EXPECT_FALSE(requests.count("req-404"));
  ASSERT_TRUE(requests.count("req-partial"));
  ASSERT_TRUE(requests.count("req-fail"));

  // The degradable failure (warn) and the partial access line (warn), both with the request's id.
  const auto& partial = requests.at("req-partial");
  ASSERT_EQ(partial.size(), 2u);
  EXPECT_EQ(field(partial[0], "message"), "degradable step failed");
  EXPECT_EQ(field(partial[1], "message"), "request");
  EXPECT_EQ(field(partial[1], "level"), "warn");
  EXPECT_EQ(partial[1].at("degraded").as_int64(), 1);
  EXPECT_EQ(field(partial[1], "pipeline"), "GET /partial");

  const auto& failed = requests.at("req-fail");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(field(failed[0], "message"), "critical step failed");
  EXPECT_EQ(field(failed[1], "level"), "error");
  EXPECT_EQ(failed[1].at("status").as_int64(), 502);
}

TEST(LoggingEndToEnd, ASampledRequestHasItsAccessLine) {
  TempFolder folder;
  const std::string log = folder.path() + "/sampled.log";
  LoggedEngine engine("logging: { sample_rate: 1.0, sink: \"file:" + log + "\" }");
  EXPECT_EQ(engine.get("/ok/7?secret=1", "req-7").status, 200);
  EXPECT_EQ(engine.get("/nowhere", "req-404").status, 404);
  const auto requests = by_request_once_logged(engine, log, {"req-7", "req-404"});
  ASSERT_TRUE(requests.count("req-7"));
  const auto& line = requests.at("req-7").back();
  EXPECT_EQ(field(line, "message"), "request");
  EXPECT_EQ(field(line, "method"), "GET");
  EXPECT_EQ(field(line, "path"), "/ok/7");  // no query string
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_GE(line.at("duration_ms").to_number<double>(), 0.0);
  EXPECT_EQ(field(line, "pipeline"), "GET /ok/{id}");
  ASSERT_TRUE(requests.count("req-404"));
  EXPECT_EQ(requests.at("req-404").back().at("status").as_int64(), 404);
}

TEST(OffloadEndToEnd, ALargeBodyAndAnswerGoThroughTheOffloadPool) {
  auto& done = metrics::Registry::global().counter("mosaic_offload_tasks_total", "",
                                                   {{"pool", "offload"}, {"outcome", "done"}});
  LoggedEngine engine(
      "logging: { level: off }\noffload: { threads: 1, queue: 4, threshold: 100KiB }");
  const auto before = done.value();
  auto reply = engine.get("/big");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Json body = reply.json();
  EXPECT_EQ(body.at("count").as_int64(),
            static_cast<std::int64_t>(body.at("items").as_array().size()));
  EXPECT_GT(reply.body.size(), 250u * 1024);
  EXPECT_EQ(done.value() - before,
            2u);  // the mock's parse, then shaping and serializing the answer

  const auto small_before = done.value();
  EXPECT_EQ(engine.get("/ok/1").status, 200);
  EXPECT_EQ(done.value(), small_before);  // small work stays on the request thread
}

TEST(QueueWaitEndToEnd, EachConnectionsWaitForAThreadIsObservedOnce) {
  auto& connections = metrics::Registry::global().histogram("mosaic_queue_wait_seconds", "",
                                                            {{"queue", "connections"}});
  LoggedEngine engine("logging: { level: off }");
  const auto before = connections.snapshot().count;
  EXPECT_EQ(engine.get("/ok/1").status, 200);  // a connection of its own
  EXPECT_EQ(connections.snapshot().count, before + 1);
  Poco::Net::HTTPClientSession session("127.0.0.1", engine.port());
  session.setKeepAlive(true);
  for (int i = 0; i < 3; ++i) {  // three requests, one keep-alive connection
    Poco::Net::HTTPRequest request("GET", "/ok/" + std::to_string(i),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
  }
  EXPECT_EQ(connections.snapshot().count, before + 2);
}

TEST(MosaicdLogging, SighupReopensTheLogFile) {
  TempFolder dir;
  dir.write("p.yaml",
            "endpoint: GET /hello\nsteps:\n  a: { call: svc, with: { body: { ok: true } } }\n");
  const std::string log = dir.path() + "/mosaic.log";
  std::uint16_t port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  const std::string config = dir.write(
      "mosaic.yaml", "server: { listen: 127.0.0.1:" + std::to_string(port) +
                         " }\nadmin: { listen: 127.0.0.1:0 }\nplugins: { paths: [" MOSAIC_PLUGIN_DIR
                         "] }\ndownstreams:\n  svc: { plugin: mock }\npipelines: [p.yaml]\n"
                         "logging: { sample_rate: 1.0, sink: \"file:mosaic.log\" }\n");
  Poco::ProcessHandle handle = Poco::Process::launch(MOSAICD_PATH, {"--config", config});
  auto wait_for =
      [](const std::function<bool()>& ready) {  // calls `ready` until true, at most 10 s
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < until) {
          if (ready()) return true;
          std::this_thread::sleep_for(20ms);
        }
        return false;
      };
  auto has_request = [](const std::string& path, const std::string& id) {
    for (const auto& line : read_lines(path)) {
      if (field(line, "request_id") == id && field(line, "message") == "request") return true;
    }
    return false;
  };
  ASSERT_TRUE(wait_for([&] {
    try {
      return http_call(port, "GET", "/hello", {}, {{"X-Request-Id", "before-rotation"}}).status ==
             200;
    } catch (...) {
      return false;
    }
  }));
  ASSERT_TRUE(wait_for([&] { return has_request(log, "before-rotation"); }));

  std::filesystem::rename(log, log + ".1");  // logrotate
  ::kill(handle.id(), SIGHUP);
  // The writer reopens before its next write: every request after the signal lands in the new file.
  ASSERT_TRUE(wait_for([&] {
    http_call(port, "GET", "/hello", {}, {{"X-Request-Id", "after-rotation"}});
    return has_request(log, "after-rotation");
  }));
  EXPECT_TRUE(has_request(log + ".1", "before-rotation"));
  EXPECT_FALSE(has_request(log, "before-rotation"));
  ::kill(handle.id(), SIGTERM);
  EXPECT_EQ(handle.wait(), 0);
}

}  // namespace
}  // namespace mosaic::testing
