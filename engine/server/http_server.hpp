#pragma once
// The public listener: Poco's HTTPServer with an explicit thread pool sized from server.threads
// (the default pool would cap it at 16), turning each HTTP request into a pipeline run.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "config/engine_config.hpp"
#include "execution/executor.hpp"
#include "logging/log_writer.hpp"
#include "runtime/generation.hpp"
#include "server/admission_gate.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace mosaic::delivery {
class ResultStore;
struct WebSocketHub;
}  // namespace mosaic::delivery

namespace mosaic::server {

class GuardedConnectionFactory;
class ListenerTls;
class IdleThreadReaper;
using GenerationSource = std::function<std::shared_ptr<const runtime::Generation>()>;

class HttpServer {
 public:
  // `tls`: the listener's TLS context when server.tls is set (nullptr: plain HTTP).
  HttpServer(const config::ServerConfig& config, GenerationSource generation,
             const exec::Executor& executor, logging::LogWriter* log,
             std::shared_ptr<const ListenerTls> tls = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves background results on /_mosaic/results/{id} and /_mosaic/ws. Before start().
  void serve_results(delivery::ResultStore* results, delivery::WebSocketHub* websockets) {
    results_ = results;
    websockets_ = websockets;
  }

  void start();  // binds and listens; throws on a port in use
  std::uint16_t port() const;

  // Stops accepting, lets requests in flight finish (closing idle keep-alive connections), and
  // waits up to `bound`. Returns false when some requests were still running at the bound.
  bool drain(std::chrono::milliseconds bound);

 private:
  config::ServerConfig config_;
  GenerationSource generation_;
  const exec::Executor& executor_;
  logging::LogWriter* log_;
  std::shared_ptr<const ListenerTls> tls_;
  delivery::ResultStore* results_ = nullptr;
  delivery::WebSocketHub* websockets_ = nullptr;
  std::unique_ptr<AdmissionGate> admission_;  // server.max_active > 0; outlives the connections
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<IdleThreadReaper> reaper_;         // collects pool_'s idle threads
  GuardedConnectionFactory* connections_ = nullptr;  // owned by server_
  std::unique_ptr<Poco::Net::TCPServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace mosaic::server
