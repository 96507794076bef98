#include "downstream/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <utility>

#include "mosaic/plugin_export.hpp"

namespace mosaic::downstream {
namespace {

std::string boost_version_string(std::uint32_t v) {
  return std::to_string(v / 100000) + "." + std::to_string(v / 100 % 1000) + "." +
         std::to_string(v % 100);
}

bool is_plugin_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// dlerror() usually starts with the file name, which the message already leads with.
std::string dl_message(const char* text, const std::string& path, const std::string& fallback) {
  if (!text) return fallback;
  std::string message(text);
  if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
  return message;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

PluginLoader::PluginLoader(std::vector<std::string> directories)
    : directories_(std::move(directories)) {}

PluginLoader::~PluginLoader() = default;

std::shared_ptr<mosaic::Plugin> PluginLoader::load(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto it = plugins_.find(name); it != plugins_.end()) return it->second.plugin;
  if (!is_plugin_name(name)) {
    throw PluginLoadError("invalid plugin name '" + name + "': use letters, digits, '_' and '-'");
  }
  Entry entry = open(name, find(name));
  auto plugin = entry.plugin;
  plugins_.emplace(name, std::move(entry));
  return plugin;
}

std::vector<LoadedPluginInfo> PluginLoader::loaded() const {
  std::lock_guard lock(mutex_);
  std::vector<LoadedPluginInfo> out;
  for (const auto& [name, entry] : plugins_) out.push_back(entry.info);
  return out;
}

std::string PluginLoader::find(const std::string& name) const {
  for (const auto& dir : directories_) {
    std::filesystem::path candidate = std::filesystem::path(dir) / (name + ".so");
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      auto absolute = std::filesystem::absolute(candidate, ec);
      return (ec ? candidate : absolute).string();
    }
  }
  if (directories_.empty())
    throw PluginLoadError("plugin '" + name + "' not found: no plugin directory is configured");
  throw PluginLoadError("plugin '" + name + "' not found in: " + join(directories_));
}

PluginLoader::Entry PluginLoader::open(const std::string& name, const std::string& path) const {
  namespace dll = boost::dll;
  auto library = std::make_shared<dll::shared_library>();
  dll::fs::error_code ec;
  // RTLD_LOCAL: two plugins may carry the same symbols without one binding to the other's.
  library->load(path, dll::load_mode::rtld_local | dll::load_mode::rtld_now, ec);
  if (ec || !library->is_loaded()) {
    const char* text = ::dlerror();  // Boost.DLL leaves dlopen's message in place on failure
    throw PluginLoadError(path + ": cannot load library: " + dl_message(text, path, ec.message()));
  }

  ::dlerror();
  void* symbol = ::dlsym(library->native(), MOSAIC_PLUGIN_DESCRIPTOR_SYMBOL);
  if (!symbol) {
    const char* text = ::dlerror();
    throw PluginLoadError(path +
                          ": not a Mosaic plugin: " + dl_message(text, path, "symbol is null") +
                          " (a plugin exports it with MOSAIC_PLUGIN)");
  }
  // Only the first field is stable across ABI versions: check it before reading anything else.
  const auto* descriptor = static_cast<const MosaicPluginDescriptor*>(symbol);
  if (descriptor->abi_version != MOSAIC_ABI_VERSION) {
    throw PluginLoadError(path + ": ABI version mismatch: plugin has " +
                          std::to_string(descriptor->abi_version) + ", engine expects " +
                          std::to_string(MOSAIC_ABI_VERSION));
  }
  if (descriptor->boost_version != MOSAIC_BOOST_VERSION) {
    throw PluginLoadError(path + ": Boost version mismatch: plugin has " +
                          boost_version_string(descriptor->boost_version) + ", engine expects " +
                          boost_version_string(MOSAIC_BOOST_VERSION));
  }
  if (!descriptor->create || !descriptor->destroy) {
    throw PluginLoadError(path + ": invalid descriptor: create or destroy is null");
  }

  LoadedPluginInfo info;
  info.name = name;
  info.path = path;
  info.plugin_name = descriptor->plugin_name ? descriptor->plugin_name : "";
  info.sdk_version = descriptor->sdk_version ? descriptor->sdk_version : "";
  info.abi_version = descriptor->abi_version;

  mosaic::Plugin* raw = nullptr;
  try {
    raw = descriptor->create();
  } catch (const std::exception& e) {
    throw PluginLoadError(path + ": plugin failed to start: " + e.what());
  } catch (...) {
    throw PluginLoadError(path + ": plugin failed to start");
  }
  if (!raw) throw PluginLoadError(path + ": plugin failed to start: create() returned null");
  // The deleter owns the library: it is unloaded only after the plugin object is destroyed.
  std::shared_ptr<mosaic::Plugin> plugin(
      raw, [library, destroy = descriptor->destroy](mosaic::Plugin* p) { destroy(p); });
  return Entry{std::move(info), std::move(plugin)};
}

std::shared_ptr<mosaic::Downstream> keep_library_alive(
    std::unique_ptr<mosaic::Downstream> downstream, std::shared_ptr<const void> library_handle) {
  if (!downstream) return nullptr;
  return std::shared_ptr<mosaic::Downstream>(
      downstream.release(),
      [handle = std::move(library_handle)](mosaic::Downstream* d) { delete d; });
}

}  // namespace mosaic::downstream
