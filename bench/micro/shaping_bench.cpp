// The answer's last steps: the response template over the step results, _meta added (as the
// executor's shaping does), serialized to the bytes sent; and the parse every downstream body
// costs before any of that.
#include <benchmark/benchmark.h>

#include "micro_support.hpp"
#include "template/render_scope.hpp"

namespace mosaic::micro {
namespace {

struct Steps {
  std::vector<Json> values{json::parse(kAuthBody), json::parse(kProfileBody),
                           json::parse(kOrdersBody), json::parse(kPaymentBody)};
  std::vector<const Json*> pointers{&values[0], &values[1], &values[2],
                                    &values[3], nullptr,    nullptr};
};

// Render + _meta + serialize: what one dashboard answer costs after its calls returned.
void BM_ShapeAndSerializeDashboard(benchmark::State& state) {
  const auto pipeline = compile(kDashboardYaml);
  Steps steps;
  const std::vector<std::string> params{"48213"};
  const tmpl::StringPairs empty;
  const tmpl::RenderScope scope{params, &empty, &empty, nullptr, steps.pointers, {}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    json::object body = pipeline->response->render(scope).as_object();
    body["_meta"] = json::object{
        {"request_id", "3f2a9c01d4e5b6a7980c1d2e3f4a5b6c"},
        {"degraded", json::object()},
        {"pending", json::object{{"recommendations", "running"}, {"analytics", "running"}}},
        {"stale", json::object()}};
    std::string text = json::serialize(body);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["answer_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ShapeAndSerializeDashboard);

// Serialization alone, of a parsed document of `range(0)` bytes.
void BM_Serialize(benchmark::State& state) {
  const Json doc = json::parse(json_document(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(json::serialize(doc));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Serialize)->Arg(1 << 10)->Arg(100 << 10)->Arg(1 << 20);

// Parsing a downstream body of `range(0)` bytes (every `http` step does it once).
void BM_ParseBody(benchmark::State& state) {
  const std::string text = json_document(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_ParseBody)->Arg(1 << 10)->Arg(100 << 10)->Arg(1 << 20);

// Copying a parsed 1 KB body (a value placed whole into the answer is copied once).
void BM_CopyParsedBody(benchmark::State& state) {
  const Json doc = json::parse(kOrdersBody);
  for (auto _ : state) {
    Json copy = doc;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CopyParsedBody);

}  // namespace
}  // namespace mosaic::micro
