// The engine's plugin services: pooled HTTP clients cached by downstream so that a config reload
// keeps the pools (and warm connections) of unchanged downstreams.
#include "downstream/plugin_services.hpp"

#include <gtest/gtest.h>

#include "fake_call_context.hpp"
#include "metrics/registry.hpp"

namespace mosaic::downstream {
namespace {

HttpClientOptions options(const std::string& base_url, std::size_t max_connections = 10) {
  HttpClientOptions o;
  o.base_url = base_url;
  o.max_connections = max_connections;
  return o;
}

TEST(PluginServices, AnUnchangedDownstreamGetsTheSameClientWhileItIsAlive) {
  testing::CollectingLogger logger;
  EnginePluginServices services(logger);
  auto first = services.for_downstream("users")->http_client(options("http://127.0.0.1:1"));
  auto again = services.for_downstream("users")->http_client(options("http://127.0.0.1:1"));
  EXPECT_EQ(first, again);
  // Another downstream with the very same options has its own pool.
  auto other = services.for_downstream("orders")->http_client(options("http://127.0.0.1:1"));
  EXPECT_NE(first, other);
  // Changed options: a new pool.
  auto changed = services.for_downstream("users")->http_client(options("http://127.0.0.1:1", 20));
  EXPECT_NE(first, changed);
  // The n-th client a downstream asks for is keyed apart: two pools stay two.
  auto scoped = services.for_downstream("users");
  auto a = scoped->http_client(options("http://127.0.0.1:1"));
  auto b = scoped->http_client(options("http://127.0.0.1:1"));
  EXPECT_EQ(a, first);
  EXPECT_NE(a, b);
}

TEST(PluginServices, AClientNoGenerationUsesIsNotKept) {
  testing::CollectingLogger logger;
  EnginePluginServices services(logger);
  std::weak_ptr<HttpClient> weak =
      services.for_downstream("users")->http_client(options("http://127.0.0.1:1"));
  EXPECT_TRUE(weak.expired());
  EXPECT_TRUE(services.clients().empty());
}

TEST(PluginServices, InvalidOptionsAreAConfigError) {
  testing::CollectingLogger logger;
  EnginePluginServices services(logger);
  EXPECT_THROW(services.for_downstream("users")->http_client(options("ftp://x")), ConfigError);
}

TEST(PluginServices, ConnectionGaugesFollowTheLiveClient) {
  testing::CollectingLogger logger;
  auto services = std::make_unique<EnginePluginServices>(logger);
  auto client = services->for_downstream("gauged")->http_client(options("http://127.0.0.1:1"));
  const std::string series = R"(mosaic_downstream_connections{downstream="gauged",state="idle"} 0)";
  EXPECT_NE(metrics::Registry::global().render().find(series), std::string::npos);
  client.reset();
  services.reset();
  EXPECT_EQ(metrics::Registry::global().render().find(series), std::string::npos);
}

}  // namespace
}  // namespace mosaic::downstream
