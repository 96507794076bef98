// The generic JSON-over-HTTP plugin (http.so).
#include "http_config.hpp"
#include "http_downstream.hpp"
#include "mosaic/sdk.hpp"

namespace mosaic_http {

class HttpPlugin final : public mosaic::Plugin {
 public:
  std::unique_ptr<mosaic::Downstream> create_downstream(const mosaic::DownstreamSpec& spec,
                                                        mosaic::PluginServices& services) override {
    HttpDownstreamConfig config = read_config(spec.config);
    auto client = services.http_client(config.client);  // throws ConfigError("base_url", ...)
    if (!config.client.tls.verify && config.client.base_url.rfind("https://", 0) == 0) {
      services.logger().warn("tls verification is off: any certificate is accepted",
                             {{"downstream", spec.name}, {"base_url", config.client.base_url}});
    }
    return std::make_unique<HttpDownstream>(std::move(config), std::move(client));
  }
};

}  // namespace mosaic_http

MOSAIC_PLUGIN("http", mosaic_http::HttpPlugin);
