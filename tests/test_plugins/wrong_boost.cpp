// A plugin of the right ABI version built against another Boost (so another boost::json layout).
#include <cstdlib>

#include "mosaic/plugin_export.hpp"

extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor;
extern "C" BOOST_SYMBOL_EXPORT const MosaicPluginDescriptor mosaic_plugin_descriptor = {
    MOSAIC_ABI_VERSION,
    107400,
    MOSAIC_SDK_VERSION,
    "wrong_boost",
    []() -> mosaic::Plugin* { std::abort(); },
    [](mosaic::Plugin*) { std::abort(); },
};
