#pragma once
// Splits a raw query string into decoded name/value pairs ('+' is a space).
#include <optional>
#include <string_view>

#include "template/render_scope.hpp"

namespace mosaic::server {

// nullopt on a malformed percent escape, or a name or value that is not UTF-8 once decoded.
std::optional<tmpl::StringPairs> parse_query(std::string_view raw);

}  // namespace mosaic::server
