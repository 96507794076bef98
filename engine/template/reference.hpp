#pragma once
// A compiled `${root.a.b.0}` expression: the root, the step index for `steps`, and the path below.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mosaic/json.hpp"
#include "template/render_scope.hpp"

namespace mosaic::tmpl {

enum class Root { kParams, kQuery, kHeaders, kBody, kSteps };

struct PathPart {
  std::string key;                   // an object key
  std::optional<std::size_t> index;  // set when the part is a whole number: also an array index
};

// The value at `path` below `value` (nullptr when absent): a key names an object member, a
// whole-number part also indexes an array, anything else is absent.
const Json* walk_path(const Json* value, std::span<const PathPart> path);

struct Reference {
  Root root = Root::kParams;
  std::size_t slot = 0;        // params: parameter index; steps: step index
  std::string name;            // query/headers: the name looked up; params/steps: for messages
  std::vector<PathPart> path;  // below the root value (body) or below the named value (steps)

  // The referenced value, or nullptr when absent. `scratch` holds values that are not stored in
  // the scope as JSON (params, query and header strings).
  const Json* resolve(const RenderScope& scope, Json& scratch) const;
  std::string str() const;  // as written, for messages
};

}  // namespace mosaic::tmpl
