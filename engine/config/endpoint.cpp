#include "config/endpoint.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                      "DELETE", "HEAD", "OPTIONS"};

// The first problem with the path template, or an empty string.
std::string check_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return "the path must start with '/'";
  if (path.find_first_of(" \t") != std::string_view::npos)
    return "the path must not contain spaces";
  if (path.find_first_of("?#") != std::string_view::npos) {
    return "the query string is not part of the endpoint path";
  }
  if (path == "/") return "";
  if (path.back() == '/') return "a trailing '/' is only allowed for the root path '/'";
  std::vector<std::string_view> params;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view segment =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (segment.empty()) return "empty path segment ('//')";
    bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
    if (has_brace) {
      std::string_view name = segment.substr(1, segment.size() >= 2 ? segment.size() - 2 : 0);
      if (segment.size() < 2 || segment.front() != '{' || segment.back() != '}' ||
          name.find_first_of("{}") != std::string_view::npos) {
        return "'{' and '}' must enclose a whole path segment, as in /users/{id}";
      }
      if (!is_name(name)) return "bad path parameter name '" + std::string(name) + "'";
      if (std::find(params.begin(), params.end(), name) != params.end()) {
        return "duplicate path parameter '" + std::string(name) + "'";
      }
      params.push_back(name);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

}  // namespace

EndpointSpec parse_endpoint(std::string_view text) {
  EndpointSpec spec;
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    spec.error = "expected 'METHOD /path', as in 'GET /users/{id}'";
    return spec;
  }
  spec.method = std::string(text.substr(0, space));
  spec.path = std::string(text.substr(space + 1));
  if (std::find(kMethods.begin(), kMethods.end(), spec.method) == kMethods.end()) {
    spec.error = "unknown method '" + spec.method +
                 "' (expected one of: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)";
    return spec;
  }
  spec.error = check_path(spec.path);
  return spec;
}

}  // namespace mosaic::config
