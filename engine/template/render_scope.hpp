#pragma once
// What a template may read while one request runs. Everything is borrowed: the scope lives on the
// executor's stack for the duration of a render.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mosaic/json.hpp"

namespace mosaic::tmpl {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct RenderScope {
  // Path parameters in the order the route declares them (the compiler resolves names to indexes).
  std::span<const std::string> params;
  const StringPairs* query = nullptr;    // decoded name/value pairs, first one wins on lookup
  const StringPairs* headers = nullptr;  // lower-case names
  const Json* body = nullptr;            // null when the request had no body
  // One entry per step of the pipeline; nullptr when the step has no value (failed, not run) or
  // holds it as text.
  std::span<const Json* const> steps;
  // Empty, or one entry per step: the value as checked JSON text when it is kept so (a result the
  // templates only place whole is never parsed); empty for the others.
  std::span<const std::string_view> step_texts;

  std::string_view step_text(std::size_t slot) const {
    return slot < step_texts.size() ? step_texts[slot] : std::string_view();
  }
};

}  // namespace mosaic::tmpl
