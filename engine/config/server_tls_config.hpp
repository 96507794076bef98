#pragma once
// `server.tls: { cert_file, key_file }` in mosaic.yaml: TLS on the public listener, for
// deployments without a terminating proxy. Paths are relative to the config file; both files are
// read at load, so a missing or unreadable one is an error at its line.
#include <string>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"

namespace mosaic::config {

struct ServerTlsConfig {
  std::string cert_file;  // PEM; the chain may follow the certificate
  std::string key_file;   // PEM, unencrypted
  bool enabled() const { return !cert_file.empty(); }
  bool operator==(const ServerTlsConfig&) const = default;
};

void read_server_tls(const std::string& file, const MapEntry& section, const std::string& base_dir,
                     ServerTlsConfig& tls, Diagnostics& diagnostics);

}  // namespace mosaic::config
