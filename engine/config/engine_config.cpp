// load_engine_config: mosaic.yaml checked for shape, then every pipeline file its globs match.
#include "config/engine_config.hpp"

#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>

#include "config/config_values.hpp"
#include "config/deliver_config.hpp"
#include "config/map_reader.hpp"
#include "config/path_globs.hpp"
#include "config/yaml_file.hpp"
#include "config/yaml_json.hpp"

namespace mosaic::config {

namespace {

using namespace std::chrono_literals;

const DurationBounds kCallBounds{false, std::chrono::milliseconds(10min)};
const DurationBounds kPositive{false, std::nullopt};
// Zero is meaningful for draining: stop at once without waiting for in-flight requests.
const DurationBounds kZeroOrMore{true, std::nullopt};

const std::vector<std::string_view> kTopKeys = {"server",    "admin",   "plugins", "downstreams",
                                                "pipelines", "logging", "offload", "monitor",
                                                "cache",     "deliver"};
const std::vector<std::string_view> kServerKeys = {"listen",
                                                   "threads",
                                                   "queue",
                                                   "max_body",
                                                   "header_timeout",
                                                   "keep_alive_timeout",
                                                   "send_timeout",
                                                   "drain_timeout",
                                                   "max_active",
                                                   "admission_wait",
                                                   "tls"};
const std::vector<std::string_view> kAdminKeys = {"listen", "token_file"};
const std::vector<std::string_view> kPluginsKeys = {"paths"};
const std::vector<std::string_view> kDownstreamKeys = {"plugin", "timeout", "config", "bulkhead",
                                                       "retry",  "breaker", "hedge"};

template <typename T>
void assign(std::optional<T> value, T& target) {
  if (value) target = std::move(*value);
}

void read_server(const std::string& file, const MapEntry& section, const std::string& base_dir,
                 ServerConfig& server, Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "server", kServerKeys, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "listen") assign(read_listen(file, entry, diagnostics), server.listen);
    if (key == "threads") assign(read_int(file, entry, 1, 4096, diagnostics), server.threads);
    if (key == "queue") assign(read_int(file, entry, 1, 65536, diagnostics), server.queue);
    if (key == "max_active") {
      assign(read_int(file, entry, 0, 65536, diagnostics), server.max_active);
    }
    if (key == "admission_wait") {
      assign(read_duration(file, entry, kPositive, diagnostics), server.admission_wait);
    }
    if (key == "max_body") assign(read_size(file, entry, diagnostics), server.max_body);
    if (key == "header_timeout") {
      assign(read_duration(file, entry, kPositive, diagnostics), server.header_timeout);
    }
    if (key == "keep_alive_timeout") {
      assign(read_duration(file, entry, kPositive, diagnostics), server.keep_alive_timeout);
    }
    if (key == "send_timeout") {
      assign(read_duration(file, entry, kPositive, diagnostics), server.send_timeout);
    }
    if (key == "drain_timeout") {
      assign(read_duration(file, entry, kZeroOrMore, diagnostics), server.drain_timeout);
    }
    if (key == "tls") read_server_tls(file, entry, base_dir, server.tls, diagnostics);
  }
}

// The token is read here, so a missing or empty file is an error at its line like any other.
void read_token_file(const std::string& file, const MapEntry& entry, const std::string& base_dir,
                     AdminConfig& admin, Diagnostics& diagnostics) {
  auto path = read_string(file, entry, diagnostics);
  if (!path) return;
  admin.token_file = path->front() == '/' || base_dir.empty() ? *path : base_dir + "/" + *path;
  std::ifstream in(admin.token_file, std::ios::binary);
  std::string token;
  char buffer[1024];
  while (in && token.size() <= 4096) {
    in.read(buffer, sizeof buffer);
    token.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad() || !in.eof()) {
    diagnostics.error(value_where(file, entry),
                      "cannot read token_file '" + admin.token_file + "'");
    return;
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front())))
    token.erase(0, 1);
  if (token.size() < 16 || token.find_first_of(" \t\r\n") != std::string::npos) {
    diagnostics.error(
        value_where(file, entry),
        "token_file '" + admin.token_file + "' must hold one token of at least 16 characters");
    return;
  }
  admin.token = std::move(token);
}

void read_admin(const std::string& file, const MapEntry& section, const std::string& base_dir,
                AdminConfig& admin, Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "admin", kAdminKeys, diagnostics)) {
    if (entry.key == "listen") assign(read_listen(file, entry, diagnostics), admin.listen);
    if (entry.key == "token_file") read_token_file(file, entry, base_dir, admin, diagnostics);
  }
}

void read_plugins(const std::string& file, const MapEntry& section, const std::string& base_dir,
                  EngineConfig& config, Diagnostics& diagnostics) {
  config.plugins_where = value_where(file, section);
  for (const auto& entry : read_map(file, section.value, "plugins", kPluginsKeys, diagnostics)) {
    config.plugins_where = value_where(file, entry);
    // Search order matters (the first folder holding <name>.so wins) and a folder may not exist
    // on every machine (a build tree, an installed package): no globbing, no existence check.
    if (auto paths = read_string_list(file, entry, diagnostics)) {
      config.plugin_paths.clear();
      for (const auto& path : *paths) {
        const bool absolute = !path.name.empty() && path.name.front() == '/';
        config.plugin_paths.push_back(absolute || base_dir.empty() ? path.name
                                                                   : base_dir + "/" + path.name);
      }
    }
  }
}

void read_downstream(const std::string& file, const MapEntry& item, EngineConfig& config,
                     Diagnostics& diagnostics) {
  DownstreamConfig downstream;
  downstream.name = item.key;
  downstream.where = key_where(file, item);
  downstream.file = file;
  if (!is_name(item.key)) {
    diagnostics.error(
        downstream.where,
        "bad downstream name '" + item.key +
            "' (expected letters, digits, '_' or '-', starting with a letter or '_')");
  }
  const std::string context = "downstream '" + item.key + "'";
  auto entries = read_map(file, item.value, context, kDownstreamKeys, diagnostics);
  for (const auto& entry : entries) {
    if (entry.key == "plugin") {
      downstream.plugin_where = value_where(file, entry);
      assign(read_name(file, entry, diagnostics), downstream.plugin);
    } else if (entry.key == "timeout") {
      assign(read_duration(file, entry, kCallBounds, diagnostics), downstream.timeout);
    } else if (entry.key == "config") {
      downstream.config = yaml_to_json(entry.value);
      downstream.config_node.reset(entry.value);  // reset, not =: assigning writes into the tree
    } else if (is_resilience_key(entry.key)) {
      read_resilience(file, entry, downstream.resilience, diagnostics);
    }
  }
  bool mapping = item.value.IsMap() || item.value.IsNull();
  if (mapping && !find_entry(entries, "plugin")) {
    diagnostics.error(downstream.where, "missing required key 'plugin' in " + context);
  }
  config.downstreams.push_back(std::move(downstream));
}

void read_pipelines(const std::string& file, const MapEntry& section, const std::string& base_dir,
                    EngineConfig& config, Diagnostics& diagnostics) {
  config.pipelines_where = value_where(file, section);
  if (section.value.IsNull()) return;
  auto patterns = read_string_list(file, section, diagnostics);
  if (!patterns) return;
  for (const auto& path : expand_globs(*patterns, base_dir, diagnostics)) {
    if (auto pipeline = load_pipeline_file(path, diagnostics)) {
      config.pipelines.push_back(std::move(*pipeline));
    }
  }
}

void read_engine(const std::string& file, const YAML::Node& root, EngineConfig& config,
                 Diagnostics& diagnostics) {
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  for (const auto& section : read_map(file, root, "the engine config", kTopKeys, diagnostics)) {
    if (section.key == "server") read_server(file, section, base_dir, config.server, diagnostics);
    if (section.key == "admin") read_admin(file, section, base_dir, config.admin, diagnostics);
    if (section.key == "plugins") read_plugins(file, section, base_dir, config, diagnostics);
    if (section.key == "downstreams") {
      for (const auto& item : read_open_map(file, section.value, "downstreams", diagnostics)) {
        read_downstream(file, item, config, diagnostics);
      }
    }
    if (section.key == "pipelines") read_pipelines(file, section, base_dir, config, diagnostics);
    if (section.key == "logging")
      read_logging(file, section, base_dir, config.logging, diagnostics);
    if (section.key == "offload") read_offload(file, section, config.offload, diagnostics);
    if (section.key == "deliver") read_deliver(file, section, config.deliver, diagnostics);
    if (section.key == "monitor") read_monitor(file, section, config.monitor, diagnostics);
    if (section.key == "cache") read_cache(file, section, config.cache, diagnostics);
  }
}

}  // namespace

std::optional<EngineConfig> load_engine_config(const std::string& path, Diagnostics& diagnostics) {
  Diagnostics found;
  EngineConfig config;
  config.file = path;
  try {
    auto root = load_yaml_file(path, found);
    if (root) read_engine(path, *root, config, found);
  } catch (const std::exception& e) {
    // The readers do not throw on bad input; this guards the "never throws" promise anyway.
    found.error({path, 0, 0}, std::string("internal error while reading: ") + e.what());
  }
  diagnostics.append(sorted_by_position(found, path));
  if (!found.ok()) return std::nullopt;
  return config;
}

}  // namespace mosaic::config
