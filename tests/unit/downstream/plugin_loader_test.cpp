#include "downstream/plugin_loader.hpp"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "downstream/plugin_services.hpp"
#include "fake_call_context.hpp"
#include "mosaic/version.hpp"

namespace mosaic::downstream {
namespace {

using mosaic::testing::CollectingLogger;
using mosaic::testing::FakeCallContext;
using ::testing::HasSubstr;

const std::string kPlugins = MOSAIC_PLUGIN_DIR;
const std::string kTestPlugins = MOSAIC_TEST_PLUGIN_DIR;

std::string load_error(PluginLoader& loader, const std::string& name) {
  try {
    loader.load(name);
  } catch (const PluginLoadError& e) {
    return e.what();
  }
  return "loaded";
}

// True while the library is mapped (RTLD_NOLOAD never loads; its handle must be closed).
bool is_loaded(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle) ::dlclose(handle);
  return handle != nullptr;
}

DownstreamSpec spec(std::string name, Json config) {
  return DownstreamSpec{std::move(name), std::move(config), std::chrono::milliseconds(1000)};
}

TEST(PluginLoader, LoadsTheShippedPluginsOncePerName) {
  PluginLoader loader({kTestPlugins, kPlugins});
  auto http = loader.load("http");
  auto mock = loader.load("mock");
  ASSERT_TRUE(http);
  ASSERT_TRUE(mock);
  EXPECT_EQ(loader.load("mock").get(), mock.get());
  auto infos = loader.loaded();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].name, "http");
  EXPECT_EQ(infos[0].plugin_name, "http");
  EXPECT_EQ(infos[0].path, kPlugins + "/http.so");
  EXPECT_EQ(infos[0].abi_version, MOSAIC_ABI_VERSION);
  EXPECT_EQ(infos[1].sdk_version, MOSAIC_SDK_VERSION);
}

TEST(PluginLoader, RefusesAnotherAbiVersionNamingTheFileAndBothVersions) {
  PluginLoader loader({kTestPlugins});
  // wrong_abi.so's create() aborts the process: reaching it would fail this test loudly.
  EXPECT_EQ(load_error(loader, "wrong_abi"),
            kTestPlugins + "/wrong_abi.so: ABI version mismatch: plugin has 99, engine expects " +
                std::to_string(MOSAIC_ABI_VERSION));
}

TEST(PluginLoader, RefusesAnotherBoostVersion) {
  PluginLoader loader({kTestPlugins});
  EXPECT_EQ(
      load_error(loader, "wrong_boost"),
      kTestPlugins +
          "/wrong_boost.so: Boost version mismatch: plugin has 1.74.0, engine expects 1.81.0");
}

TEST(PluginLoader, RefusesALibraryWithoutDescriptor) {
  PluginLoader loader({kTestPlugins});
  std::string error = load_error(loader, "no_descriptor");
  EXPECT_THAT(error, HasSubstr(kTestPlugins + "/no_descriptor.so: not a Mosaic plugin"));
  EXPECT_THAT(error, HasSubstr("mosaic_plugin_descriptor"));
  EXPECT_THAT(error, HasSubstr("undefined symbol"));  // dlerror's words
}

TEST(PluginLoader, RefusesAFileThatIsNotALibrary) {
  PluginLoader loader({kTestPlugins});
  std::string error = load_error(loader, "not_a_library");
  const std::string prefix = kTestPlugins + "/not_a_library.so: cannot load library: ";
  ASSERT_EQ(error.rfind(prefix, 0), 0u) << error;
  EXPECT_GT(error.size(), prefix.size() + 3) << "dlerror's reason is missing: " << error;
}

TEST(PluginLoader, MissingPluginListsTheDirectories) {
  PluginLoader loader({"/nonexistent/a", kTestPlugins});
  EXPECT_EQ(load_error(loader, "nope"),
            "plugin 'nope' not found in: /nonexistent/a, " + kTestPlugins);
  PluginLoader none({});
  EXPECT_THAT(load_error(none, "http"), HasSubstr("plugin 'http' not found"));
}

TEST(PluginLoader, FirstDirectoryWins) {
  PluginLoader loader({kPlugins, kTestPlugins});
  loader.load("http");
  EXPECT_EQ(loader.loaded().at(0).path, kPlugins + "/http.so");
}

TEST(PluginLoader, RefusesNamesThatAreNotPlainNames) {
  PluginLoader loader({kPlugins});
  EXPECT_THAT(load_error(loader, "../plugins/http"), HasSubstr("invalid plugin name"));
  EXPECT_THAT(load_error(loader, ""), HasSubstr("invalid plugin name"));
}

TEST(PluginLoader, DownstreamKeepsItsLibraryLoadedAfterLoaderAndPluginAreGone) {
  const std::string path = kTestPlugins + "/keepalive_probe.so";
  CollectingLogger logger;
  EnginePluginServices services(logger);
  std::shared_ptr<Downstream> downstream;
  {
    PluginLoader loader({kTestPlugins});
    auto plugin = loader.load("keepalive_probe");
    downstream =
        keep_library_alive(plugin->create_downstream(spec("probe", nullptr), services), plugin);
  }
  // Loader and Plugin handle are gone; the Downstream's code must still be there.
  ASSERT_TRUE(is_loaded(path));
  FakeCallContext context;
  auto result = downstream->call(nullptr, context);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), Json(true));
  downstream.reset();
  // Nothing else held it: the keep-alive above was what kept it mapped.
  EXPECT_FALSE(is_loaded(path));
}

TEST(PluginLoader, LibraryIsUnloadedWithItsLastPlugin) {
  const std::string path = kTestPlugins + "/keepalive_probe.so";
  std::shared_ptr<Plugin> plugin;
  {
    PluginLoader loader({kTestPlugins});
    plugin = loader.load("keepalive_probe");
  }
  EXPECT_TRUE(is_loaded(path));  // the loader is gone, the plugin holds the library
  plugin.reset();
  EXPECT_FALSE(is_loaded(path));
}

TEST(PluginLoader, ShippedPluginDownstreamOutlivesLoader) {
  CollectingLogger logger;
  EnginePluginServices services(logger);
  std::shared_ptr<Downstream> downstream;
  {
    PluginLoader loader({kPlugins});
    auto plugin = loader.load("mock");
    Json config = json::parse(R"({"latency":"0ms"})");
    downstream =
        keep_library_alive(plugin->create_downstream(spec("fixture", config), services), plugin);
  }
  FakeCallContext context;
  auto result = downstream->call(json::parse(R"({"body":{"n":1}})"), context);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), json::parse(R"({"n":1})"));
}

}  // namespace
}  // namespace mosaic::downstream
