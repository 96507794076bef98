#pragma once
// A downstream reached with JSON over HTTP: 2xx with a JSON body is the result (204 or an empty
// body is null), any other status is Failure::Status, a 2xx that is not JSON is bad_response.
#include <memory>

#include "http_config.hpp"
#include "mosaic/sdk.hpp"

namespace mosaic_http {

class HttpDownstream final : public mosaic::Downstream {
 public:
  HttpDownstream(HttpDownstreamConfig config, std::shared_ptr<mosaic::HttpClient> client)
      : config_(std::move(config)), client_(std::move(client)) {}

  std::vector<std::string> accepted_with_keys() const override;
  mosaic::Interpolation interpolation_for(std::span<const std::string> with_path) const override;
  bool idempotent(const mosaic::Json& input) const override;
  mosaic::CallResult call(const mosaic::Json& input, mosaic::CallContext& context) override;
  // Every wait is the engine's HttpClient's, which ends at the deadline or on cancellation.
  bool stops_at_deadline() const override { return true; }

 private:
  const HttpDownstreamConfig config_;
  const std::shared_ptr<mosaic::HttpClient> client_;
};

// The result for a response (exposed for tests): a failure for a status outside 2xx, null for an
// empty body, else the body as JSON text for the engine to check.
mosaic::CallResult interpret_response(mosaic::HttpResponse response);

}  // namespace mosaic_http
