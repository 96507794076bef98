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

TEST(MosaicdProcess, SigtermLetsRequestsInFlightFinishThenExitsZero) {
  // A fixed free port: take one from the kernel, release it, hand it to mosaicd.
  std::uint16_t port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  TempFolder dir;
  dir.write("p.yaml", kPipeline);
  const std::string config = dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "mock", port));
  Poco::Pipe err_pipe;
  Poco::ProcessHandle handle =
      Poco::Process::launch(MOSAICD_PATH, {"--config", config}, nullptr, nullptr, &err_pipe);
  Poco::PipeInputStream err(err_pipe);
  std::string first_line;
  std::getline(err, first_line);  // "mosaicd listening"
  ASSERT_NE(first_line.find("mosaicd listening"), std::string::npos) << first_line;

  auto in_flight =
      std::async(std::launch::async, [port] { return http_call(port, "GET", "/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(handle.id(), SIGTERM);
  auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200);  // the 300 ms request started before SIGTERM completes
  EXPECT_EQ(handle.wait(), 0);
  EXPECT_THROW(http_call(port, "GET", "/slow"), Poco::Net::ConnectionRefusedException);
}

TEST(MosaicdProcess, SigtermUnderLoadFinishesEveryRequestInFlightAndExitsZeroWithinTheDrainBound) {
  std::uint16_t port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  TempFolder dir;
  dir.write("p.yaml", kPipeline);
  const std::string config = dir.write("mosaic.yaml", mock_config(MOSAIC_PLUGIN_DIR, "mock", port));
  Poco::Pipe err_pipe;
  Poco::ProcessHandle handle =
      Poco::Process::launch(MOSAICD_PATH, {"--config", config}, nullptr, nullptr, &err_pipe);
  Poco::PipeInputStream err(err_pipe);
  std::string first_line;
  std::getline(err, first_line);
  ASSERT_NE(first_line.find("mosaicd listening"), std::string::npos) << first_line;

  // 24 clients each keep one 300 ms request going; SIGTERM lands while all are in flight.
  constexpr int kClients = 24;
  std::vector<std::future<HttpReply>> in_flight;
  for (int i = 0; i < kClients; ++i) {
    in_flight.push_back(
        std::async(std::launch::async, [port] { return http_call(port, "GET", "/slow"); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(handle.id(), SIGTERM);
  for (auto& reply : in_flight) EXPECT_EQ(reply.get().status, 200);  // none dropped
  EXPECT_EQ(handle.wait(), 0);
  EXPECT_LT(ms_since(signalled), 10000);  // server.drain_timeout (default 10 s)
  EXPECT_THROW(http_call(port, "GET", "/slow"), Poco::Net::ConnectionRefusedException);
}

}  // namespace
}  // namespace mosaic::testing
