#pragma once
// The admin listener (admin.listen, loopback by default), apart from the public one so that
// operators' endpoints are never exposed with the pipelines:
//   GET  /healthz    the process is alive (always 200)
//   GET  /readyz     200 when a config is loaded, its plugins are loaded and we are not draining,
//                    else 503; the body says which check failed
//   GET  /metrics    Prometheus text exposition format 0.0.4
//   GET  /config     the effective config, secrets redacted
//   GET  /pipelines  every endpoint's DAG, stage by stage
//   POST /reload     reload the config file: 200 {"generation":N} or 422 {"error":"invalid_config",
//                    "errors":[{file,line,col,message}]}
// With admin.token_file set, every path but /healthz and /readyz needs
// "Authorization: Bearer <token>" (else 401). Every answer but /metrics is JSON.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "config/engine_config.hpp"
#include "downstream/plugin_loader.hpp"
#include "runtime/generation.hpp"
#include "runtime/reload.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace mosaic::admin {

// What the admin listener asks the engine.
struct AdminHooks {
  std::function<std::shared_ptr<const runtime::Generation>()> generation;
  std::function<runtime::ReloadResult()> reload;
  std::function<bool()> draining;
  std::function<std::vector<downstream::LoadedPluginInfo>()> plugins;
  // "memory" / "memcached", and whether it is degraded; empty when there is no cache.
  std::function<std::pair<std::string, bool>()> cache;
};

class AdminServer {
 public:
  AdminServer(config::AdminConfig config, AdminHooks hooks);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void start();  // binds and listens; throws on an address in use
  void stop();
  std::uint16_t port() const { return port_; }

 private:
  config::AdminConfig config_;
  AdminHooks hooks_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace mosaic::admin
