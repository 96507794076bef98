// Routing: method + path to a pipeline among the suite's endpoints and a few dozen others, with
// the path parameters decoded.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "routing/router.hpp"

namespace mosaic::micro {
namespace {

routing::Router make_router() {
  std::vector<std::string> paths{"/dashboard/{userId}", "/profile/{userId}", "/chain/4/{userId}",
                                 "/payload/{size}/{userId}", "/home/{userId}"};
  for (int n : {2, 6, 12, 24}) paths.push_back("/fanout/" + std::to_string(n) + "/{userId}");
  // A config of some size: resources with ids, nested collections, literals beside parameters.
  for (const char* r : {"orders", "carts", "invoices", "wishlists", "addresses", "reviews",
                        "returns", "tickets", "subscriptions", "coupons"}) {
    paths.push_back(std::string("/") + r + "/{id}");
    paths.push_back(std::string("/users/{userId}/") + r);
    paths.push_back(std::string("/users/{userId}/") + r + "/{id}");
  }
  routing::Router router;
  for (const auto& p : paths) router.add("GET", *routing::RoutePattern::parse(p), nullptr);
  router.add("POST", *routing::RoutePattern::parse("/orders/{id}"), nullptr);
  return router;
}

void BM_RouteDashboard(benchmark::State& state) {
  const auto router = make_router();
  for (auto _ : state) benchmark::DoNotOptimize(router.match("GET", "/dashboard/48213"));
}
BENCHMARK(BM_RouteDashboard);

void BM_RouteNested(benchmark::State& state) {
  const auto router = make_router();
  for (auto _ : state)
    benchmark::DoNotOptimize(router.match("GET", "/users/48213/subscriptions/s%2D77"));
}
BENCHMARK(BM_RouteNested);

void BM_RouteNotFound(benchmark::State& state) {
  const auto router = make_router();
  for (auto _ : state) benchmark::DoNotOptimize(router.match("GET", "/nothing/here/at/all"));
}
BENCHMARK(BM_RouteNotFound);

}  // namespace
}  // namespace mosaic::micro
