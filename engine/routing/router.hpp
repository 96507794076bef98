#pragma once
// Method + path -> pipeline, with path parameters decoded. Built once per config generation; a
// lookup only reads it. Literal segments win over parameters at the same position.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/route_pattern.hpp"

namespace mosaic::pipeline {
struct CompiledPipeline;
}

namespace mosaic::routing {

struct RouteMatch {
  // kBadPath: a parameter with a malformed percent escape, or not UTF-8 once decoded.
  enum class Status { kFound, kNotFound, kMethodNotAllowed, kBadPath } status = Status::kNotFound;
  const pipeline::CompiledPipeline* pipeline = nullptr;
  std::vector<std::string> params;  // decoded, in the route's parameter order
  std::string allowed;              // for 405: "GET, POST"
};

class Router {
 public:
  void add(const std::string& method, const RoutePattern& pattern,
           const pipeline::CompiledPipeline* pipeline);
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    RoutePattern pattern;
    const pipeline::CompiledPipeline* pipeline;
  };
  std::vector<Route> routes_;
};

}  // namespace mosaic::routing
