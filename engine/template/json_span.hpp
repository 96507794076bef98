#pragma once
// Finds the value at a path (steps.orders.items.0) inside JSON text, without building a tree:
// the span of its text. A step result kept as text is read this way by templates; the text must
// already be checked JSON (downstream::check_json_text), which lets the scan stay simple.
//
// Lookups mean what they mean on the parsed tree (walk_path, template/reference.hpp): a key names
// an object member (the last one, for a duplicated key, as json::parse keeps), a whole-number part
// also indexes an array, and any other case is absent.
#include <optional>
#include <span>
#include <string_view>

#include "template/reference.hpp"

namespace mosaic::tmpl {

std::optional<std::string_view> find_json_path(std::string_view text,
                                               std::span<const PathPart> path);

}  // namespace mosaic::tmpl
