// The real binaries: mosaicd refusing bad configs and plugins at startup, draining on SIGTERM,
// and mosaicctl validate's exit codes.
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <thread>

#include "engine_harness.hpp"

namespace mosaic::testing {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

ProcessResult run_process(const std::string& path, const std::vector<std::string>& args) {
  Poco::Pipe out_pipe, err_pipe;
  Poco::ProcessHandle handle = Poco::Process::launch(path, args, nullptr, &out_pipe, &err_pipe);
  Poco::PipeInputStream out(out_pipe), err(err_pipe);
  ProcessResult result;
  auto err_reader = std::async(std::launch::async, [&] {
    std::string text;
    Poco::StreamCopier::copyToString(err, text);
    return text;
  });
  Poco::StreamCopier::copyToString(out, result.out);
  result.err = err_reader.get();
  result.exit_code = handle.wait();
  return result;
}

std::string mock_config(const std::string& plugin_dirs, const std::string& plugin,
                        std::uint16_t port = 0) {
  return "server: { listen: 127.0.0.1:" + std::to_string(port) + " }\nplugins: { paths: [" +
         plugin_dirs + "] }\ndownstreams:\n  svc: { plugin: " + plugin +
         ", config: { latency: 300ms } }\npipelines: [p.yaml]\nadmin: { listen: 127.0.0.1:0 }\n";
}

const char* kPipeline =
    "endpoint: GET /slow\nsteps:\n  a: { call: svc, with: { body: { ok: true } } }\n";

TEST(MosaicdProcess, AMissingPluginIsAClearStartupError) {
  TempFolder dir;
  dir.write("p.yaml", kPipeline);
  const std::string config = dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "nope"));
  auto result = run_process(MOSAICD_PATH, {"--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(config + ":4:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("plugin 'nope' not found in: " MOSAIC_PLUGIN_DIR), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("not starting"), std::string::npos) << result.err;
}

TEST(MosaicdProcess, APluginBuiltForAnotherAbiIsRefusedWithBothVersions) {
  TempFolder dir;
  dir.write("p.yaml", kPipeline);
  const std::string config =
      dir.write("mosaic.yaml", mock_config(MOSAIC_TEST_PLUGIN_DIR, "wrong_abi"));
  auto result = run_process(MOSAICD_PATH, {"--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(std::string(MOSAIC_TEST_PLUGIN_DIR) + "/wrong_abi.so"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("ABI version mismatch"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("99"), std::string::npos) << result.err;
}

TEST(MosaicdProcess, AnInvalidConfigIsRefusedWithFileLineColumn) {
  TempFolder dir;
  dir.write("p.yaml", "endpoint: GET /x\nsteps:\n  a: { call: svc, clas: critical }\n");
  const std::string config = dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "mock"));
  auto result = run_process(MOSAICD_PATH, {"--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(dir.path() + "/p.yaml:3:19: unknown key 'clas'"), std::string::npos)
      << result.err;
}

TEST(MosaicctlValidate, ExitCodesAndMessages) {
  TempFolder dir;
  dir.write("p.yaml", kPipeline);
  const std::string good = dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "mock"));
  auto ok = run_process(MOSAICCTL_PATH, {"validate", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("ok (1 downstreams, 1 pipelines)"), std::string::npos) << ok.out;

  dir.write("q.yaml", "endpoint: GET /y\nsteps:\n  a: { call: ghost }\n");
  std::string text = mock_config(MOSAIC_PLUGIN_DIR, "mock");
  text.replace(text.find("[p.yaml]"), 8, "[p.yaml, q.yaml]");
  const std::string bad = dir.write("bad.yaml", text);
  auto failed = run_process(MOSAICCTL_PATH, {"validate", bad});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find(dir.path() + "/q.yaml:3:14: unknown downstream 'ghost'"),
            std::string::npos)
      << failed.err;
}

// A fixed free port: one taken from the kernel and released, to hand to mosaicd.
std::uint16_t free_port() {
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  return probe.address().port();
}

// mosaicd serving kPipeline (a 300 ms mock call) on a fixed free port, its stderr on a pipe that
// stays open as long as this lives: what it writes while draining must not meet a closed pipe.
class MosaicdOnAPort {
 public:
  MosaicdOnAPort()
      : port_(free_port()),
        handle_(Poco::Process::launch(MOSAICD_PATH, {"--config", write_config(dir_, port_)},
                                      nullptr, nullptr, &err_pipe_)) {
    std::getline(err_, first_line_);  // "mosaicd listening" once it serves
  }

  std::uint16_t port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  Poco::ProcessHandle::PID id() const { return handle_.id(); }
  int wait() const { return handle_.wait(); }

 private:
  static std::string write_config(const TempFolder& dir, std::uint16_t port) {
    dir.write("p.yaml", kPipeline);
    return dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "mock", port));
  }

  // In this order: the config is written before mosaicd starts, and the pipe exists for it.
  TempFolder dir_;
  std::uint16_t port_;
  Poco::Pipe err_pipe_;
  Poco::ProcessHandle handle_;
  Poco::PipeInputStream err_{err_pipe_};
  std::string first_line_;
};

TEST(MosaicdProcess, SigtermLetsRequestsInFlightFinishThenExitsZero) {
  MosaicdOnAPort mosaicd;
  ASSERT_NE(mosaicd.first_line().find("mosaicd listening"), std::string::npos)
      << mosaicd.first_line();
  const std::uint16_t port = mosaicd.port();

  auto in_flight =
      std::async(std::launch::async, [port] { return http_call(port, "GET", "/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(mosaicd.id(), SIGTERM);
  auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200);  // the 300 ms request started before SIGTERM completes
  EXPECT_EQ(mosaicd.wait(), 0);
  EXPECT_THROW(http_call(port, "GET", "/slow"), Poco::Net::ConnectionRefusedException);
}

TEST(MosaicdProcess, SigtermUnderLoadFinishesEveryRequestInFlightAndExitsZeroWithinTheDrainBound) {
  MosaicdOnAPort mosaicd;
  ASSERT_NE(mosaicd.first_line().find("mosaicd listening"), std::string::npos)
      << mosaicd.first_line();
  const std::uint16_t port = mosaicd.port();

  // 24 clients each keep one 300 ms request going; SIGTERM lands while all are in flight.
  constexpr int kClients = 24;
  std::vector<std::future<HttpReply>> in_flight;
  for (int i = 0; i < kClients; ++i) {
    in_flight.push_back(
        std::async(std::launch::async, [port] { return http_call(port, "GET", "/slow"); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(mosaicd.id(), SIGTERM);
  for (auto& reply : in_flight) EXPECT_EQ(reply.get().status, 200);  // none dropped
  EXPECT_EQ(mosaicd.wait(), 0);
  EXPECT_LT(ms_since(signalled), 10000);  // server.drain_timeout (default 10 s)
  EXPECT_THROW(http_call(port, "GET", "/slow"), Poco::Net::ConnectionRefusedException);
}

}  // namespace
}  // namespace mosaic::testing
