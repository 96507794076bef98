// The fixture plugin (mock.so).
#include "mock_downstream.hpp"
#include "mosaic/sdk.hpp"

namespace mosaic_mock {

class MockPlugin final : public mosaic::Plugin {
 public:
  std::unique_ptr<mosaic::Downstream> create_downstream(const mosaic::DownstreamSpec& spec,
                                                        mosaic::PluginServices& services) override {
    (void)services;
    return std::make_unique<MockDownstream>(read_config(spec.config));
  }
};

}  // namespace mosaic_mock

MOSAIC_PLUGIN("mock", mosaic_mock::MockPlugin);
