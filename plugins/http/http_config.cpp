#include "http_config.hpp"

#include "http_syntax.hpp"

namespace mosaic_http {

using namespace std::chrono_literals;

namespace {

mosaic::HeaderList read_headers(mosaic::ConfigReader& reader) {
  mosaic::HeaderList headers;
  const mosaic::Json* node = reader.raw("headers");
  if (!node || node->is_null()) return headers;
  const std::string prefix = reader.path("headers");
  if (!node->is_object())
    throw mosaic::ConfigError(prefix, "expected a mapping of header names to values");
  mosaic::ConfigReader values(*node, prefix);
  for (const auto& kv : node->as_object()) {
    std::string name(kv.key());
    std::string path = values.path(name);
    if (!is_token(name)) throw mosaic::ConfigError(path, "is not a valid header name");
    if (is_reserved_header(name))
      throw mosaic::ConfigError(path, "is set by the HTTP client and cannot be configured");
    std::string value = values.string(name);
    if (!is_header_value(value)) {
      throw mosaic::ConfigError(path, "must not contain CR, LF or other control characters");
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  values.finish();
  return headers;
}

// `tls: { ca_file, cert_file, key_file, server_name, verify }`; the engine's client reads the files
// when it is built (a missing one is a ConfigError "tls.ca_file" there).
mosaic::HttpTlsOptions read_tls(mosaic::ConfigReader& reader) {
  mosaic::HttpTlsOptions tls;
  const mosaic::Json* node = reader.raw("tls");
  if (!node || node->is_null()) return tls;
  mosaic::ConfigReader values(*node, reader.path("tls"));
  tls.ca_file = values.string("ca_file", std::string());
  tls.cert_file = values.string("cert_file", std::string());
  tls.key_file = values.string("key_file", std::string());
  tls.server_name = values.string("server_name", std::string());
  tls.verify = values.boolean("verify", true);
  values.finish();
  return tls;
}

}  // namespace

HttpDownstreamConfig read_config(const mosaic::Json& config) {
  mosaic::ConfigReader reader(config);
  HttpDownstreamConfig out;
  auto& client = out.client;
  client.base_url = reader.string("base_url");
  client.max_connections =
      static_cast<std::size_t>(reader.integer("max_connections", 50, 1, 10000));
  client.max_idle = static_cast<std::size_t>(
      reader.integer("max_idle", static_cast<std::int64_t>(client.max_connections), 0, 10000));
  client.idle_timeout = reader.duration("idle_timeout", 30s);
  client.connect_timeout = reader.duration("connect_timeout", 200ms);
  if (client.connect_timeout.count() <= 0)
    throw mosaic::ConfigError("connect_timeout", "must be above 0ms");
  client.max_response = reader.size("max_response", 8u << 20);
  if (client.max_response == 0)
    throw mosaic::ConfigError("max_response", "must be at least 1 byte");
  client.deadline_header = reader.string("deadline_header", std::string("X-Request-Timeout-Ms"));
  if (!client.deadline_header.empty() && !is_token(client.deadline_header)) {
    throw mosaic::ConfigError("deadline_header", "is not a valid header name (\"\" disables it)");
  }
  out.headers = read_headers(reader);
  client.tls = read_tls(reader);
  if (reader.has("tls") && client.base_url.rfind("https://", 0) != 0) {
    throw mosaic::ConfigError("tls", "is only for an https:// base_url");
  }
  reader.finish();
  return out;
}

}  // namespace mosaic_http
