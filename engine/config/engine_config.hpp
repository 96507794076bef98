#pragma once
// The engine config (mosaic.yaml) and the pipeline files it names, checked for shape: every key
// known, every value of the right type and range, every error with file:line:col. Cross-checks
// that need more than one file (unknown downstream, step references, cycles, duplicate
// endpoints) belong to the pipeline compiler (pipeline/pipeline_compiler.hpp).
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/cache_config.hpp"
#include "config/deliver_config.hpp"
#include "config/logging_config.hpp"
#include "config/offload_config.hpp"
#include "config/resilience_config.hpp"
#include "config/server_tls_config.hpp"
#include "config/source_location.hpp"
#include "mosaic/json.hpp"

namespace mosaic::config {

using std::chrono::milliseconds;

struct ListenAddress {
  std::string host = "127.0.0.1";  // an IPv6 host is stored without brackets ("::1")
  std::uint16_t port = 0;
  std::string str() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

struct ServerConfig {
  ListenAddress listen{"127.0.0.1", 8080};
  int threads = 64;                   // connection threads (1..4096)
  int queue = 256;                    // accepted connections waiting for a thread (1..65536)
  int max_active = 0;                 // requests running their pipeline at once; 0: no limit
  milliseconds admission_wait{1000};  // how long a request waits for a turn (then 503)
  std::uint64_t max_body = 1 << 20;   // request body limit
  milliseconds header_timeout{10000};
  milliseconds keep_alive_timeout{15000};
  milliseconds send_timeout{30000};   // a client that takes no byte of its answer for this long
                                      // is disconnected (SO_SNDTIMEO on each connection)
  milliseconds drain_timeout{10000};  // SIGTERM: how long in-flight requests may take to finish
  ServerTlsConfig tls;                // https on the listener when set
};

struct AdminConfig {
  ListenAddress listen{"127.0.0.1", 9901};
  std::string token_file;  // resolved against the config file's folder; empty: no token
  std::string token;       // its content, trimmed (a secret: never logged or shown)
};

struct DownstreamConfig {
  std::string name;
  SourceLocation where;  // the key under `downstreams:`
  std::string plugin;
  SourceLocation plugin_where;
  milliseconds timeout{1000};
  Json config;             // `config:` as JSON (null when absent)
  YAML::Node config_node;  // the same as YAML, to turn a plugin's error path into a location
  std::string file;
  ResilienceConfig resilience;  // bulkhead, retry, breaker, hedge
};

enum class StepClass { kCritical, kDegradable, kBackground };
const char* to_string(StepClass c);

struct NameRef {
  std::string name;
  SourceLocation where;
};

struct StepConfig {
  std::string name;
  SourceLocation where;
  NameRef call;  // the downstream
  StepClass step_class = StepClass::kCritical;
  std::optional<milliseconds> timeout;
  std::vector<NameRef> after;            // explicit ordering
  YAML::Node with;                       // the input tree (templates compiled later); may be null
  std::optional<StepCacheConfig> cache;  // `cache:` (key template compiled later)
};

struct PipelineConfig {
  std::string file;
  std::string method;  // GET, POST, ...
  std::string path;    // "/dashboard/{userId}"
  SourceLocation endpoint_where;
  milliseconds deadline{1500};
  std::vector<StepConfig> steps;  // in file order
  YAML::Node response;            // may be null: then all non-background results by name
  std::shared_ptr<const std::string>
      source;  // the file's text, to point template errors inside scalars
};

struct EngineConfig {
  std::string file;  // the mosaic.yaml path as given
  ServerConfig server;
  AdminConfig admin;
  std::vector<std::string> plugin_paths;  // resolved against the config file's folder
  SourceLocation plugins_where;
  std::vector<DownstreamConfig> downstreams;  // in file order
  std::vector<PipelineConfig> pipelines;      // every file matched by `pipelines:` globs, sorted
  SourceLocation pipelines_where;
  LoggingConfig logging;
  DeliverConfig deliver;
  OffloadConfig offload;
  MonitorConfig monitor;
  CacheConfig cache;
};

// Reads mosaic.yaml and every pipeline file it names. Never throws for bad input: returns
// nullopt with all errors in `diagnostics`.
std::optional<EngineConfig> load_engine_config(const std::string& path, Diagnostics& diagnostics);

// One pipeline file on its own (used by load_engine_config and by tests).
std::optional<PipelineConfig> load_pipeline_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace mosaic::config
