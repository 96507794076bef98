#include "runtime/reload.hpp"

namespace mosaic::runtime {

namespace {

void refuse(const config::EngineConfig& next, const std::string& key, const std::string& running,
            const std::string& wanted, config::Diagnostics& diagnostics) {
  diagnostics.error({next.file, 0, 0}, key + " cannot change on reload (running: " + running +
                                           ", new: " + wanted + "); restart mosaicd to apply it");
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

void check_restart_only_settings(const config::EngineConfig& running,
                                 const config::EngineConfig& next,
                                 config::Diagnostics& diagnostics) {
  const auto& a = running.server;
  const auto& b = next.server;
  if (a.listen.str() != b.listen.str())
    refuse(next, "server.listen", a.listen.str(), b.listen.str(), diagnostics);
  if (a.threads != b.threads) {
    refuse(next, "server.threads", std::to_string(a.threads), std::to_string(b.threads),
           diagnostics);
  }
  if (a.queue != b.queue)
    refuse(next, "server.queue", std::to_string(a.queue), std::to_string(b.queue), diagnostics);
  if (a.max_active != b.max_active) {
    refuse(next, "server.max_active", std::to_string(a.max_active), std::to_string(b.max_active),
           diagnostics);
  }
  if (a.admission_wait != b.admission_wait) {
    refuse(next, "server.admission_wait", ms(a.admission_wait), ms(b.admission_wait), diagnostics);
  }
  if (a.header_timeout != b.header_timeout) {
    refuse(next, "server.header_timeout", ms(a.header_timeout), ms(b.header_timeout), diagnostics);
  }
  if (a.keep_alive_timeout != b.keep_alive_timeout) {
    refuse(next, "server.keep_alive_timeout", ms(a.keep_alive_timeout), ms(b.keep_alive_timeout),
           diagnostics);
  }
  if (a.send_timeout != b.send_timeout) {
    refuse(next, "server.send_timeout", ms(a.send_timeout), ms(b.send_timeout), diagnostics);
  }
  if (!(a.tls == b.tls)) {
    auto tls = [](const config::ServerTlsConfig& t) {
      return t.enabled() ? t.cert_file + "," + t.key_file : std::string("off");
    };
    refuse(next, "server.tls", tls(a.tls), tls(b.tls), diagnostics);
  }
  if (running.admin.listen.str() != next.admin.listen.str()) {
    refuse(next, "admin.listen", running.admin.listen.str(), next.admin.listen.str(), diagnostics);
  }
  // The cache is one per process (its entries, in-flight fetches and connections outlive reloads).
  const auto& c = running.cache;
  const auto& d = next.cache;
  auto servers = [](const config::CacheConfig& cache) {
    std::string out = "[";
    for (const auto& s : cache.servers) {
      if (out.size() > 1) out += ",";
      out += s.str();
    }
    out += "]";
    return out;
  };
  if (c.backend != d.backend)
    refuse(next, "cache.backend", to_string(c.backend), to_string(d.backend), diagnostics);
  if (c.max_bytes != d.max_bytes) {
    refuse(next, "cache.max_bytes", std::to_string(c.max_bytes), std::to_string(d.max_bytes),
           diagnostics);
  }
  if (servers(c) != servers(d)) refuse(next, "cache.servers", servers(c), servers(d), diagnostics);
  if (c.timeout != d.timeout)
    refuse(next, "cache.timeout", ms(c.timeout), ms(d.timeout), diagnostics);
  if (c.prefix != d.prefix) refuse(next, "cache.prefix", c.prefix, d.prefix, diagnostics);
  // The log writer, the offload pool and the lag monitor are set up once, at start.
  if (describe(running.logging) != describe(next.logging)) {
    refuse(next, "logging", describe(running.logging), describe(next.logging), diagnostics);
  }
  if (describe(running.offload) != describe(next.offload)) {
    refuse(next, "offload", describe(running.offload), describe(next.offload), diagnostics);
  }
  if (describe(running.monitor) != describe(next.monitor)) {
    refuse(next, "monitor", describe(running.monitor), describe(next.monitor), diagnostics);
  }
}

}  // namespace mosaic::runtime
