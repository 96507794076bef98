// Boost.JSON's own sources, compiled into the JSON fuzz targets. The installed libboost_json is
// built without libFuzzer's coverage instrumentation, so a target linked to it would fuzz the
// parser blind; these are the same Boost 1.81 sources that library is built from.
#include <boost/json/src.hpp>
