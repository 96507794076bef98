// A minimal, really unloadable plugin (built with -fno-gnu-unique: a unique symbol would pin the
// library in memory for good), so a test can see when its library is unloaded.
#include "mosaic/sdk.hpp"

namespace {

class ProbeDownstream final : public mosaic::Downstream {
 public:
  mosaic::CallResult call(const mosaic::Json& input, mosaic::CallContext& context) override {
    (void)input;
    (void)context;
    return mosaic::Json(true);
  }
};

class ProbePlugin final : public mosaic::Plugin {
 public:
  std::unique_ptr<mosaic::Downstream> create_downstream(const mosaic::DownstreamSpec& spec,
                                                        mosaic::PluginServices& services) override {
    (void)spec;
    (void)services;
    return std::make_unique<ProbeDownstream>();
  }
};

}  // namespace

MOSAIC_PLUGIN("keepalive_probe", ProbePlugin);
