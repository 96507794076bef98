// A shared library that is not a Mosaic plugin: it exports something, but no descriptor.
#include <boost/config.hpp>

extern "C" BOOST_SYMBOL_EXPORT int not_a_mosaic_plugin() {
  return 42;
}
