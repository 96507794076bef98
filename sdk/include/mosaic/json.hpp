#pragma once
// The JSON value type shared by the engine and every plugin. Pinned by MOSAIC_ABI_VERSION.
#include <boost/json.hpp>

namespace mosaic {
namespace json = boost::json;
using Json = boost::json::value;
}  // namespace mosaic
