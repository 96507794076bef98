// A plugin built for another ABI version: the loader must refuse it before calling create().
#include <cstdlib>

#include "mosaic/plugin_export.hpp"

extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor;
extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor = {
    99,
    MOSAIC_BOOST_VERSION,
    "99.0.0",
    "wrong_abi",
    []() -> mosaic::Plugin* { std::abort(); },  // never called: the version check comes first
    [](mosaic::Plugin*) { std::abort(); },
};
