#include "routing/route_pattern.hpp"

namespace mosaic::routing {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) out.emplace_back();  // a trailing slash is an empty last segment
  }
  return out;
}

std::optional<RoutePattern> RoutePattern::parse(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  RoutePattern out;
  for (std::string_view seg : split_path(path)) {
    if (seg.empty()) return std::nullopt;
    if (seg.front() == '{' && seg.back() == '}' && seg.size() > 2) {
      std::string name(seg.substr(1, seg.size() - 2));
      if (name.find_first_of("{}") != std::string::npos) return std::nullopt;
      for (const auto& existing : out.param_names) {
        if (existing == name) return std::nullopt;
      }
      out.param_names.push_back(name);
      out.segments.push_back({{}, true});
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) return std::nullopt;
      out.segments.push_back({std::string(seg), false});
    }
  }
  return out;
}

std::string RoutePattern::shape() const {
  std::string out;
  for (const auto& seg : segments) out += "/" + (seg.is_param ? std::string("{}") : seg.literal);
  return out.empty() ? "/" : out;
}

}  // namespace mosaic::routing
