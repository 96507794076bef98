#include "routing/router.hpp"

#include <algorithm>

#include "template/encoding.hpp"

namespace mosaic::routing {

void Router::add(const std::string& method, const RoutePattern& pattern,
                 const pipeline::CompiledPipeline* pipeline) {
  routes_.push_back({method, pattern, pipeline});
}

namespace {

// Number of literal segments matched: more literal beats more general.
int match_score(const RoutePattern& pattern, const std::vector<std::string_view>& segments) {
  if (pattern.segments.size() != segments.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = pattern.segments[i];
    if (seg.is_param) {
      if (segments[i].empty()) return -1;
    } else if (seg.literal != segments[i]) {
      return -1;
    } else {
      ++literals;
    }
  }
  return literals;
}

}  // namespace

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch out;
  const auto segments = split_path(path);
  const Route* best = nullptr;
  int best_score = -1;
  std::vector<std::string_view> allowed;
  for (const auto& route : routes_) {
    int score = match_score(route.pattern, segments);
    if (score < 0) continue;
    const bool exact = route.method == method;
    if (!exact && !(method == "HEAD" && route.method == "GET")) {
      // Two routes of one method can match the same path (/a/{x} and /a/b): list it once.
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
        if (!out.allowed.empty()) out.allowed += ", ";
        out.allowed += route.method;
      }
      continue;
    }
    // Literals first; at equal literals an exact method beats HEAD's fallback to GET.
    score = score * 2 + (exact ? 1 : 0);
    if (score > best_score) {
      best = &route;
      best_score = score;
    }
  }
  if (!best) {
    // GET routes also answer HEAD: say so.
    const bool has_get = std::find(allowed.begin(), allowed.end(), "GET") != allowed.end();
    const bool has_head = std::find(allowed.begin(), allowed.end(), "HEAD") != allowed.end();
    if (has_get && !has_head) out.allowed += ", HEAD";
    out.status =
        out.allowed.empty() ? RouteMatch::Status::kNotFound : RouteMatch::Status::kMethodNotAllowed;
    return out;
  }
  out.pipeline = best->pipeline;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!best->pattern.segments[i].is_param) continue;
    std::string decoded;
    // A parameter goes into JSON strings (downstream inputs, the response), which must be UTF-8.
    if (!tmpl::percent_decode(segments[i], decoded, false) || !tmpl::is_valid_utf8(decoded)) {
      out.status = RouteMatch::Status::kBadPath;
      out.params.clear();
      return out;
    }
    out.params.push_back(std::move(decoded));
  }
  out.status = RouteMatch::Status::kFound;
  return out;
}

}  // namespace mosaic::routing
