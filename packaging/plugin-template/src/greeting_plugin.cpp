// greeting.so: the plugin object the engine loads. MOSAIC_PLUGIN exports the one symbol the
// engine looks for (a descriptor with the ABI and Boost versions); everything else is hidden.
#include <memory>

#include "greeting_downstream.hpp"
#include "mosaic/sdk.hpp"

namespace greeting {

class GreetingPlugin final : public mosaic::Plugin {
 public:
  // Called once per `downstreams:` entry that says `plugin: greeting`, at config load.
  std::unique_ptr<mosaic::Downstream> create_downstream(const mosaic::DownstreamSpec& spec,
                                                        mosaic::PluginServices& services) override {
    (void)services;  // services.http_client(...) gives the engine's pooled HTTP client
    return std::make_unique<GreetingDownstream>(read_config(spec.config));
  }
};

}  // namespace greeting

MOSAIC_PLUGIN("greeting", greeting::GreetingPlugin);
