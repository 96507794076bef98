// read_server_tls: the `server.tls` section.
#include "config/server_tls_config.hpp"

#include <fstream>
#include <optional>

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

const std::vector<std::string_view> kTlsKeys = {"cert_file", "key_file"};

// The file's path (resolved against the config's folder) when it holds a PEM block of `kind`.
std::optional<std::string> read_pem_file(const std::string& file, const MapEntry& entry,
                                         const std::string& base_dir, const std::string& kind,
                                         Diagnostics& diagnostics) {
  auto path = read_string(file, entry, diagnostics);
  if (!path) return std::nullopt;
  std::string resolved = path->front() == '/' || base_dir.empty() ? *path : base_dir + "/" + *path;
  std::ifstream in(resolved, std::ios::binary);
  std::string text;
  char buffer[4096];
  while (in && text.size() < (1u << 20)) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (!in.is_open() || (!in && !in.eof())) {
    diagnostics.error(value_where(file, entry), "cannot read " + entry.key + " '" + resolved + "'");
    return std::nullopt;
  }
  if (in.bad() || text.find("-----BEGIN ") == std::string::npos ||
      text.find(kind) == std::string::npos) {
    diagnostics.error(value_where(file, entry),
                      entry.key + " '" + resolved + "' holds no PEM " + kind);
    return std::nullopt;
  }
  return resolved;
}

}  // namespace

void read_server_tls(const std::string& file, const MapEntry& section, const std::string& base_dir,
                     ServerTlsConfig& tls, Diagnostics& diagnostics) {
  bool has_cert = false;
  bool has_key = false;
  for (const auto& entry : read_map(file, section.value, "server.tls", kTlsKeys, diagnostics)) {
    if (entry.key == "cert_file") {
      has_cert = true;
      if (auto path = read_pem_file(file, entry, base_dir, "CERTIFICATE", diagnostics))
        tls.cert_file = *path;
    }
    if (entry.key == "key_file") {
      has_key = true;
      if (auto path = read_pem_file(file, entry, base_dir, "PRIVATE KEY", diagnostics))
        tls.key_file = *path;
    }
  }
  if (has_cert != has_key) {
    diagnostics.error(key_where(file, section), "server.tls needs both cert_file and key_file");
    tls = {};
  }
}

}  // namespace mosaic::config
