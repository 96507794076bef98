// Hot reload: a new generation built beside the running one and swapped in, under load, with
// zero failed requests; invalid configs and restart-only changes refused with their errors; a
// request in flight finishing on its old generation; pools of unchanged downstreams carried
// over; and SIGHUP on the real mosaicd.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "engine_harness.hpp"
#include "test_http_server.hpp"

namespace mosaic::testing {
namespace {

using namespace std::chrono_literals;

const char* kDownstreams =
    "  users: { plugin: mock, timeout: 500ms, config: { latency: 2ms } }\n"
    "  slowish: { plugin: mock, timeout: 1s, breaker: off, config: { latency: 60ms } }\n";

std::string page(const std::string& extra_timeout) {
  return "endpoint: GET /page/{id}\n"
         "deadline: 1s\n"
         "steps:\n"
         "  user: { call: users, with: { body: { id: \"${params.id}\" } } }\n"
         "  extra: { call: slowish, class: degradable, timeout: " +
         extra_timeout + ", with: { body: { more: true } } }\n";
}

// Keeps `threads` keep-alive clients busy on GET /page/N and counts what did not come back 200.
class LoadGenerator {
 public:
  LoadGenerator(std::uint16_t port, int threads) {
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, port, t] {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        session.setTimeout(Poco::Timespan(10, 0));
        for (int i = 0; !stop_.load(); ++i) {
          try {
            Poco::Net::HTTPRequest request("GET", "/page/" + std::to_string(t * 100000 + i),
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::string body;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
            ok_ += response.getStatus() == 200 ? 1 : 0;
            if (response.getStatus() != 200)
              note_failure(std::to_string(response.getStatus()) + " " + body);
          } catch (const std::exception& e) {
            note_failure(e.what());
            session.reset();
          }
        }
      });
    }
  }
  ~LoadGenerator() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }
  int ok() const { return ok_.load(); }
  std::vector<std::string> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void note_failure(std::string what) {
    std::lock_guard lock(mutex_);
    failures_.push_back(std::move(what));
  }
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0};
  std::mutex mutex_;
  std::vector<std::string> failures_;
  std::vector<std::thread> workers_;
};

double reload_failures(EngineUnderTest& engine) {
  return engine.metric("mosaic_config_reload_failures_total").value_or(-1);
}

TEST(Reload, UnderLoadANewEndpointAndTimeoutTakeEffectAnInvalidConfigIsRefusedAndNoRequestFails) {
  EngineUnderTest engine(kDownstreams, {{"page.yaml", page("20ms")}});
  // The 60 ms downstream misses its 20 ms step timeout: degraded before the reload.
  auto before = engine.get("/page/1");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.json().at("_meta").at("degraded").at("extra"), "timeout") << before.body;
  EXPECT_EQ(engine.get("/added").status, 404);
  const double failures_before = reload_failures(engine);

  LoadGenerator load(engine.port(), 6);
  std::this_thread::sleep_for(400ms);

  // A valid change: a new endpoint, and a longer timeout for `extra`.
  engine.folder().write("pipelines/page.yaml", page("500ms"));
  engine.folder().write(
      "pipelines/added.yaml",
      "endpoint: GET /added\nsteps:\n  a: { call: users, with: { body: { added: true } } }\n");
  auto reloaded = engine.admin("POST", "/reload");
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(reloaded.json().at("generation"), 2);
  EXPECT_EQ(engine.engine().generation()->number, 2u);
  auto added = engine.get("/added");
  EXPECT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.json().at("a").at("added"), true);
  auto after = engine.get("/page/2");
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(after.json().at("_meta").at("degraded").as_object().empty()) << after.body;
  EXPECT_EQ(after.json().at("extra").at("more"), true);
  std::this_thread::sleep_for(400ms);

  // An invalid change: refused with file:line:col, the running generation stays.
  const std::string broken = engine.folder().write(
      "pipelines/added.yaml", "endpoint: GET /added\nsteps:\n  a: { call: users, timout: 5ms }\n");
  auto refused = engine.admin("POST", "/reload");
  ASSERT_EQ(refused.status, 422) << refused.body;
  Json body = refused.json();
  EXPECT_EQ(body.at("error"), "invalid_config");
  EXPECT_EQ(body.at("generation"), 2);
  const auto& error = body.at("errors").at(0);
  EXPECT_EQ(std::string(error.at("file").as_string()), broken);
  EXPECT_EQ(error.at("line"), 3);
  EXPECT_EQ(error.at("col"), 21);
  EXPECT_NE(std::string(error.at("message").as_string()).find("unknown key 'timout'"),
            std::string::npos);
  EXPECT_EQ(engine.engine().generation()->number, 2u);
  EXPECT_EQ(engine.get("/added").status, 200);
  EXPECT_EQ(reload_failures(engine) - std::max(0.0, failures_before), 1);
  std::this_thread::sleep_for(400ms);

  load.stop();
  EXPECT_TRUE(load.failures().empty())
      << load.failures().size() << " failed, first: " << load.failures().front();
  EXPECT_GT(load.ok(), 50);
}

TEST(Reload, ARequestInFlightFinishesOnItsGenerationWhichIsThenFreed) {
  EngineUnderTest engine(
      "  slow: { plugin: mock, config: { latency: 400ms } }\n",
      {{"slow.yaml",
        "endpoint: GET /slow\nsteps:\n  a: { call: slow, with: { body: { old: true } } }\n"}});
  std::weak_ptr<const runtime::Generation> old = engine.engine().generation();
  auto in_flight = std::async(std::launch::async, [&] { return engine.get("/slow"); });
  std::this_thread::sleep_for(100ms);
  std::filesystem::remove(engine.folder().path() + "/pipelines/slow.yaml");
  engine.folder().write(
      "pipelines/other.yaml",
      "endpoint: GET /other\nsteps:\n  a: { call: slow, with: { latency: 1ms } }\n");
  ASSERT_EQ(engine.admin("POST", "/reload").status, 200);
  EXPECT_EQ(engine.get("/slow").status, 404);  // the new generation has no /slow
  auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json().at("a").at("old"), true);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!old.expired() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(old.expired()) << "the old generation outlived its last request";
}

TEST(Reload, ChangingARestartOnlySettingIsRefused) {
  EngineUnderTest engine(kDownstreams, {{"page.yaml", page("20ms")}});
  std::string text = EngineUnderTest::config_text(kDownstreams);
  text.replace(text.find("threads: 32"), 11, "threads: 8");
  std::ofstream(engine.config_path()) << text;
  auto refused = engine.admin("POST", "/reload");
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("server.threads cannot change on reload (running: 32, new: 8)"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(engine.engine().generation()->number, 1u);

  // server.max_active too: its gate is made with the listener.
  text = EngineUnderTest::config_text(kDownstreams);
  text.replace(text.find("threads: 32"), 11, "threads: 32, max_active: 4");
  std::ofstream(engine.config_path()) << text;
  refused = engine.admin("POST", "/reload");
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("server.max_active cannot change on reload (running: 0, new: 4)"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(engine.engine().generation()->number, 1u);
}

TEST(Reload, UnchangedDownstreamsKeepTheirPoolAChangedOneGetsANewOne) {
  TestHttpServer server;
  server.route("/x", [](const RecordedRequest&) {
    TestHttpServer::Reply r;
    r.body = R"({"x":1})";
    return r;
  });
  auto downstreams = [&](int max_connections) {
    return "  svc: { plugin: http, config: { base_url: \"" + server.base_url() +
           "\", max_connections: " + std::to_string(max_connections) + " } }\n";
  };
  const std::string pipeline = "endpoint: GET /x\nsteps:\n  a: { call: svc, with: { path: /x } }\n";
  EngineUnderTest engine(downstreams(10), {{"x.yaml", pipeline}});
  ASSERT_EQ(engine.get("/x").status, 200);
  ASSERT_EQ(server.accepted(), 1u);

  // Same downstream, another pipeline file: the keep-alive connection is reused.
  engine.folder().write("pipelines/y.yaml",
                        "endpoint: GET /y\nsteps:\n  a: { call: svc, with: { path: /x } }\n");
  ASSERT_EQ(engine.admin("POST", "/reload").status, 200);
  ASSERT_EQ(engine.get("/y").status, 200);
  ASSERT_EQ(engine.get("/x").status, 200);
  EXPECT_EQ(server.accepted(), 1u) << "the pool of an unchanged downstream did not carry over";

  // Its options changed: a new pool, so a new connection.
  std::ofstream(engine.config_path()) << EngineUnderTest::config_text(downstreams(20));
  ASSERT_EQ(engine.admin("POST", "/reload").status, 200);
  ASSERT_EQ(engine.get("/x").status, 200);
  EXPECT_EQ(server.accepted(), 2u);
}

// The real binary: SIGHUP reloads, an invalid config is logged with file:line:col at error level.
TEST(Reload, SighupReloadsTheRealDaemonAndLogsARefusal) {
  TempFolder dir;
  dir.write("p/one.yaml",
            "endpoint: GET /one\nsteps:\n  a: { call: svc, with: { body: { one: 1 } } }\n");
  const std::string config = dir.write("mosaic.yaml",
                                       "server: { listen: 127.0.0.1:0 }\nadmin: { listen: "
                                       "127.0.0.1:0 }\nplugins: { paths: [" MOSAIC_PLUGIN_DIR
                                       "] }\ndownstreams:\n  svc: { plugin: mock }\npipelines: "
                                       "[\"p/*.yaml\"]\nlogging: { level: info, "
                                       "sample_rate: 1.0 }\n");
  Poco::Pipe err_pipe;
  Poco::ProcessHandle handle =
      Poco::Process::launch(MOSAICD_PATH, {"--config", config}, nullptr, nullptr, &err_pipe);
  Poco::PipeInputStream err(err_pipe);
  std::mutex mutex;
  std::string log;
  std::uint16_t port = 0;
  std::promise<std::uint16_t> listening;
  std::thread reader([&] {
    std::string line;
    bool told = false;
    while (std::getline(err, line)) {
      if (!told && line.find("mosaicd listening") != std::string::npos) {
        Json parsed = json::parse(line);
        std::string listen(parsed.at("listen").as_string());
        listening.set_value(
            static_cast<std::uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1))));
        told = true;
      }
      std::lock_guard lock(mutex);
      log += line + "\n";
    }
    if (!told) listening.set_value(0);
  });
  auto logged = [&](const std::string& text) {
    std::lock_guard lock(mutex);
    return log.find(text) != std::string::npos;
  };
  auto wait_for = [&](auto predicate) {
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (!predicate() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    return predicate();
  };
  // Whatever happens below, the daemon is stopped and the reader joined.
  struct Stop {
    Poco::ProcessHandle& handle;
    std::thread& reader;
    ~Stop() {
      if (Poco::Process::isRunning(handle)) ::kill(handle.id(), SIGKILL);
      if (reader.joinable()) reader.join();
    }
  } stop{handle, reader};
  port = listening.get_future().get();
  ASSERT_NE(port, 0) << log;
  EXPECT_EQ(http_call(port, "GET", "/two").status, 404);

  dir.write("p/two.yaml",
            "endpoint: GET /two\nsteps:\n  a: { call: svc, with: { body: { two: 2 } } }\n");
  ::kill(handle.id(), SIGHUP);
  EXPECT_TRUE(wait_for([&] { return http_call(port, "GET", "/two").status == 200; }));
  EXPECT_TRUE(wait_for([&] { return logged("\"message\":\"config reloaded\""); })) << log;

  dir.write("p/two.yaml", "endpoint: GET /two\nsteps:\n  a: { call: svc, wiht: {} }\n");
  ::kill(handle.id(), SIGHUP);
  EXPECT_TRUE(wait_for([&] { return logged("config reload refused"); })) << log;
  EXPECT_TRUE(logged(dir.path() + "/p/two.yaml:3:19: unknown key 'wiht'")) << log;
  EXPECT_TRUE(logged("\"level\":\"error\"")) << log;
  EXPECT_EQ(http_call(port, "GET", "/two").status, 200);  // the running config stays

  ::kill(handle.id(), SIGTERM);
  EXPECT_EQ(handle.wait(), 0);
}

}  // namespace
}  // namespace mosaic::testing
