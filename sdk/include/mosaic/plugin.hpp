#pragma once
// A plugin turns `downstreams:` entries that name it into Downstream objects.
#include <chrono>
#include <memory>
#include <string>

#include "mosaic/config_error.hpp"
#include "mosaic/downstream.hpp"
#include "mosaic/http_client.hpp"
#include "mosaic/json.hpp"

namespace mosaic {

struct DownstreamSpec {
  std::string name;                   // the key under `downstreams:`
  Json config;                        // its `config:` mapping (null when absent)
  std::chrono::milliseconds timeout;  // the downstream's default call timeout
};

// What the engine offers a plugin while it creates a downstream.
class PluginServices {
 public:
  virtual ~PluginServices() = default;
  // A pooled client for one base URL; share it between all calls of the downstream.
  virtual std::shared_ptr<HttpClient> http_client(const HttpClientOptions& options) = 0;
  virtual Logger& logger() = 0;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  // Validates spec.config fully (throwing ConfigError with the key's path) and builds the
  // downstream. Called once per downstream at config load, never on the request path.
  virtual std::unique_ptr<Downstream> create_downstream(const DownstreamSpec& spec,
                                                        PluginServices& services) = 0;
};

}  // namespace mosaic
