// What a page with two background steps costs the result store (delivery): expect both steps,
// finish both with JSON text the size of the suite's recommendations and analytics bodies, seal;
// with nobody subscribed, as under the suite's load. The store is filled first, so every page
// also evicts the oldest request: Arg is how many requests it keeps (10000 is the default).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "delivery/result_store.hpp"

namespace mosaic::micro {
namespace {

std::string body_of(std::size_t bytes) {
  std::string text = "{\"items\":[";
  while (text.size() + 40 < bytes) text += "{\"sku\":\"bk-2210\",\"score\":0.94},";
  text.back() = ']';
  text += '}';
  return text;
}

void BM_ResultStorePage(benchmark::State& state) {
  delivery::StoreLimits limits;
  limits.max_requests = static_cast<std::size_t>(state.range(0));
  delivery::ResultStore store(limits);
  const CallResult recommendations = JsonText{body_of(850)};
  const CallResult analytics = JsonText{body_of(330)};
  const std::string rec = "recommendations", ana = "analytics";
  // Request ids as the server makes them: 32 hex digits.
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 4096; ++i) {
    char id[33];
    std::snprintf(id, sizeof id, "%032zx", i * 2654435761u);
    ids.emplace_back(id);
  }
  std::size_t n = 0;
  auto page = [&] {
    // A fresh id for every page (the index grows past the ids' count: suffix it).
    const std::string id = ids[n % ids.size()] + std::to_string(n / ids.size());
    ++n;
    store.expect(id, rec);
    store.expect(id, ana);
    store.seal(id);
    store.finish(id, ana, analytics);
    store.finish(id, rec, recommendations);
  };
  for (std::int64_t i = 0; i < state.range(0); ++i) page();
  for (auto _ : state) page();
  state.counters["kept"] = static_cast<double>(store.stats().requests);
}
BENCHMARK(BM_ResultStorePage)->Arg(100)->Arg(10000);

}  // namespace
}  // namespace mosaic::micro
