#include "template/reference.hpp"

#include "template/json_span.hpp"

namespace mosaic::tmpl {

namespace {

const std::string* find_pair(const StringPairs* pairs, const std::string& name) {
  if (!pairs) return nullptr;
  for (const auto& [key, value] : *pairs) {
    if (key == name) return &value;
  }
  return nullptr;
}

const char* root_name(Root root) {
  switch (root) {
    case Root::kParams:
      return "params";
    case Root::kQuery:
      return "query";
    case Root::kHeaders:
      return "headers";
    case Root::kBody:
      return "body";
    case Root::kSteps:
      return "steps";
  }
  return "?";
}

}  // namespace

const Json* walk_path(const Json* value, std::span<const PathPart> path) {
  for (const auto& part : path) {
    if (!value) return nullptr;
    if (const auto* obj = value->if_object()) {
      auto it = obj->find(part.key);
      value = it == obj->end() ? nullptr : &it->value();
    } else if (const auto* arr = value->if_array()) {
      value = part.index && *part.index < arr->size() ? &(*arr)[*part.index] : nullptr;
    } else {
      return nullptr;
    }
  }
  return value;
}

const Json* Reference::resolve(const RenderScope& scope, Json& scratch) const {
  switch (root) {
    case Root::kParams:
      if (slot >= scope.params.size()) return nullptr;
      scratch = json::string(scope.params[slot]);
      return &scratch;
    case Root::kQuery:
    case Root::kHeaders: {
      const std::string* found =
          find_pair(root == Root::kQuery ? scope.query : scope.headers, name);
      if (!found) return nullptr;
      scratch = json::string(*found);
      return &scratch;
    }
    case Root::kBody:
      return walk_path(scope.body, path);
    case Root::kSteps:
      if (slot >= scope.steps.size()) return nullptr;
      if (scope.steps[slot] == nullptr && !scope.step_text(slot).empty()) {
        // A result kept as text: only the part the path names is parsed.
        const auto part = find_json_path(scope.step_text(slot), path);
        if (!part) return nullptr;
        scratch = json::parse(*part);
        return &scratch;
      }
      return walk_path(scope.steps[slot], path);
  }
  return nullptr;
}

std::string Reference::str() const {
  std::string out = root_name(root);
  if (!name.empty()) out += "." + name;
  for (const auto& part : path) out += "." + part.key;
  return out;
}

}  // namespace mosaic::tmpl
