#pragma once
// MOSAIC_PLUGIN(name, PluginClass) exports the one symbol the engine looks for in a plugin:
// a C-layout descriptor whose first field is the ABI version. The loader reads and checks the
// descriptor before it calls anything else in the library.
#include <boost/config.hpp>
#include <cstdint>

#include "mosaic/plugin.hpp"
#include "mosaic/version.hpp"

extern "C" {
struct MosaicPluginDescriptor {
  std::uint32_t abi_version;  // first, at offset 0, in every ABI version
  std::uint32_t boost_version;
  const char* sdk_version;
  const char* plugin_name;
  mosaic::Plugin* (*create)();
  void (*destroy)(mosaic::Plugin*);
};
}

#define MOSAIC_PLUGIN_DESCRIPTOR_SYMBOL "mosaic_plugin_descriptor"

#define MOSAIC_PLUGIN(NAME, PLUGIN_CLASS)                                                  \
  extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor;    \
  extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor = { \
      MOSAIC_ABI_VERSION,                                                                  \
      MOSAIC_BOOST_VERSION,                                                                \
      MOSAIC_SDK_VERSION,                                                                  \
      NAME,                                                                                \
      []() -> mosaic::Plugin* { return new PLUGIN_CLASS(); },                              \
      [](mosaic::Plugin* plugin) { delete plugin; },                                       \
  }
