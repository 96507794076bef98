// read_cache and read_step_cache: the engine's `cache:` section and a step's `cache:`.
#include "config/cache_config.hpp"

#include "config/config_values.hpp"
#include "config/listen_address.hpp"

namespace mosaic::config {

namespace {

using namespace std::chrono_literals;

const std::vector<std::string_view> kCacheKeys = {"backend", "max_bytes", "servers", "timeout",
                                                  "prefix"};
const std::vector<std::string_view> kStepCacheKeys = {"key", "ttl", "stale"};

// memcached counts relative expiry in seconds up to 30 days; longer would be read as a date.
const DurationBounds kLifetime{false, std::chrono::milliseconds(24h * 29)};
const DurationBounds kStaleBounds{true, std::chrono::milliseconds(24h * 29)};
// Tens of milliseconds is the intent; a second is already too long to wait on a cache.
const DurationBounds kTimeoutBounds{false, std::chrono::milliseconds(5s)};

constexpr std::uint64_t kMinMaxBytes = 64 * 1024;
constexpr std::size_t kMaxPrefix = 64;

void read_servers(const std::string& file, const MapEntry& entry, CacheConfig& cache,
                  Diagnostics& diagnostics) {
  auto items = read_string_list(file, entry, diagnostics);
  if (!items) return;
  cache.servers.clear();
  for (const auto& item : *items) {
    std::string error;
    auto address = parse_listen_address(item.name, error);
    if (address && address->port == 0) error = "port 0 is not a memcached port";
    if (!address || !error.empty()) {
      diagnostics.error(item.where, "bad memcached server '" + item.name + "': " + error);
      continue;
    }
    cache.servers.push_back({address->host, address->port});
  }
  if (items->empty())
    diagnostics.error(value_where(file, entry), "cache.servers needs at least one host:port");
}

bool good_prefix(const std::string& prefix) {
  if (prefix.size() > kMaxPrefix) return false;
  for (char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

const char* to_string(CacheBackend backend) {
  return backend == CacheBackend::kMemcached ? "memcached" : "memory";
}

std::string CacheServer::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void read_cache(const std::string& file, const MapEntry& section, CacheConfig& cache,
                Diagnostics& diagnostics) {
  cache.where = key_where(file, section);
  bool servers_given = false;
  for (const auto& entry : read_map(file, section.value, "cache", kCacheKeys, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "backend") {
      auto text = read_string(file, entry, diagnostics);
      if (text && *text == "memory") {
        cache.backend = CacheBackend::kMemory;
      } else if (text && *text == "memcached") {
        cache.backend = CacheBackend::kMemcached;
      } else if (text) {
        diagnostics.error(value_where(file, entry),
                          "bad cache backend '" + *text + "' (expected memory or memcached)");
      }
    } else if (key == "max_bytes") {
      if (auto size = read_size(file, entry, diagnostics)) {
        if (*size < kMinMaxBytes) {
          diagnostics.error(value_where(file, entry), "cache.max_bytes must be at least 64KiB");
        } else {
          cache.max_bytes = *size;
        }
      }
    } else if (key == "servers") {
      read_servers(file, entry, cache, diagnostics);
      servers_given = true;
    } else if (key == "timeout") {
      if (auto d = read_duration(file, entry, kTimeoutBounds, diagnostics)) cache.timeout = *d;
    } else if (key == "prefix") {
      if (auto text = read_string(file, entry, diagnostics)) {
        if (good_prefix(*text)) {
          cache.prefix = *text;
        } else {
          diagnostics.error(
              value_where(file, entry),
              "bad cache prefix: at most 64 characters, no spaces or control characters");
        }
      }
    }
  }
  if (cache.backend == CacheBackend::kMemcached && cache.servers.empty() && !servers_given) {
    diagnostics.error(cache.where,
                      "cache.backend memcached needs cache.servers (one or more host:port)");
  }
}

void read_step_cache(const std::string& file, const MapEntry& entry,
                     std::optional<StepCacheConfig>& cache, Diagnostics& diagnostics) {
  StepCacheConfig out;
  out.where = key_where(file, entry);
  const std::size_t errors_before = diagnostics.items().size();
  auto entries = read_map(file, entry.value, "cache", kStepCacheKeys, diagnostics);
  bool has_key = false;
  bool has_ttl = false;
  for (const auto& item : entries) {
    if (item.key == "key") {
      has_key = true;
      if (!item.value.IsScalar() || item.value.Scalar().empty()) {
        diagnostics.error(value_where(file, item), "cache.key must be a non-empty string template");
      } else {
        out.key.reset(item.value);  // reset, not =: assigning a Node writes into its tree
      }
    } else if (item.key == "ttl") {
      has_ttl = true;
      if (auto d = read_duration(file, item, kLifetime, diagnostics)) out.ttl = *d;
    } else if (item.key == "stale") {
      if (auto d = read_duration(file, item, kStaleBounds, diagnostics)) out.stale = *d;
    }
  }
  const bool mapping = entry.value.IsMap() || entry.value.IsNull();
  if (mapping && !has_key) diagnostics.error(out.where, "missing required key 'key' in cache");
  if (mapping && !has_ttl) diagnostics.error(out.where, "missing required key 'ttl' in cache");
  if (diagnostics.items().size() == errors_before) cache = std::move(out);
}

}  // namespace mosaic::config
