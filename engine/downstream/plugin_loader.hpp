#pragma once
// Loads plugin modules (<name>.so) with Boost.DLL. The descriptor is read and its ABI and Boost
// versions checked before any of the plugin's functions is called; a mismatch, a missing file,
// a library that does not load or lacks the descriptor is refused with one line that names the
// file. A loaded library stays mapped as long as any object it created lives.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "mosaic/downstream.hpp"
#include "mosaic/plugin.hpp"

namespace mosaic::downstream {

class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedPluginInfo {
  std::string name;         // as asked for
  std::string path;         // the file that was loaded
  std::string plugin_name;  // as the descriptor names itself
  std::string sdk_version;  // the SDK it was built against
  std::uint32_t abi_version = 0;
};

class PluginLoader {
 public:
  // Searched in order; the first directory holding <name>.so wins.
  explicit PluginLoader(std::vector<std::string> directories);
  ~PluginLoader();
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // The plugin called `name` (letters, digits, '_', '-'), loaded once per loader. Throws
  // PluginLoadError. The returned object keeps its library loaded; so does every Downstream
  // wrapped by keep_library_alive().
  std::shared_ptr<mosaic::Plugin> load(const std::string& name);

  std::vector<LoadedPluginInfo> loaded() const;
  const std::vector<std::string>& directories() const { return directories_; }

 private:
  struct Entry {
    LoadedPluginInfo info;
    std::shared_ptr<mosaic::Plugin> plugin;
  };
  std::string find(const std::string& name) const;
  Entry open(const std::string& name, const std::string& path) const;

  std::vector<std::string> directories_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> plugins_;
};

// A Downstream created by a plugin, owning `library_handle` (the shared_ptr<Plugin> returned by
// PluginLoader::load() does) until the Downstream is destroyed: its code and vtable live in the
// library, so the library must outlive it.
std::shared_ptr<mosaic::Downstream> keep_library_alive(
    std::unique_ptr<mosaic::Downstream> downstream, std::shared_ptr<const void> library_handle);

}  // namespace mosaic::downstream
