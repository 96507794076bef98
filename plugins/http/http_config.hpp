#pragma once
// The http plugin's `config:`, read and checked in full at config load.
#include "mosaic/sdk.hpp"

namespace mosaic_http {

struct HttpDownstreamConfig {
  mosaic::HttpClientOptions client;
  mosaic::HeaderList headers;  // static headers added to every call
};

// Throws mosaic::ConfigError naming the key (e.g. "headers.X-Api-Key").
HttpDownstreamConfig read_config(const mosaic::Json& config);

}  // namespace mosaic_http
