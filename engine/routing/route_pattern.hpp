#pragma once
// An endpoint path such as /dashboard/{userId}: literal segments and whole-segment parameters.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mosaic::routing {

struct RoutePattern {
  struct Segment {
    std::string literal;  // empty for a parameter
    bool is_param = false;
  };
  std::vector<Segment> segments;
  std::vector<std::string> param_names;  // in path order

  // nullopt when the pattern is malformed (the config loader reports why, with its location).
  static std::optional<RoutePattern> parse(std::string_view path);
  // The same shape with parameter names erased ("/a/{}"): two endpoints with one shape collide.
  std::string shape() const;
};

// Splits a request path into raw (still percent-encoded) segments; "/" has none.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace mosaic::routing
