// Template rendering: a step's `with:` (path interpolation, a body built from request and step
// values) and a page's `response:`, all compiled once at load and rendered per request.
#include <benchmark/benchmark.h>

#include "micro_support.hpp"
#include "template/json_span.hpp"
#include "template/render_scope.hpp"

namespace mosaic::micro {
namespace {

struct DashboardScope {
  std::shared_ptr<const pipeline::CompiledPipeline> pipeline = compile(kDashboardYaml);
  std::vector<std::string> params{"48213"};
  tmpl::StringPairs query, headers{{"host", "127.0.0.1"}, {"user-agent", "wrk"}};
  std::vector<Json> values{json::parse(kAuthBody), json::parse(kProfileBody),
                           json::parse(kOrdersBody), json::parse(kPaymentBody)};
  std::vector<const Json*> steps{&values[0], &values[1], &values[2], &values[3], nullptr, nullptr};
  tmpl::RenderScope scope() const { return {params, &query, &headers, nullptr, steps, {}}; }
  const tmpl::ValueTemplate& input_of(const std::string& step) const {
    for (const auto& s : pipeline->steps) {
      if (s.name == step) return s.input;
    }
    throw std::runtime_error("no step " + step);
  }
};

// The `with:` of the dashboard's step `step`, rendered once per iteration.
void render_step_input(benchmark::State& state, const std::string& step) {
  DashboardScope d;
  const auto& input = d.input_of(step);
  const auto scope = d.scope();
  for (auto _ : state) benchmark::DoNotOptimize(input.render(scope));
}

// { path: "/auth/${params.userId}" }: one interpolation, percent-encoded as a path segment.
void BM_RenderPathInput(benchmark::State& state) {
  render_step_input(state, "auth");
}
BENCHMARK(BM_RenderPathInput);

// method, path and a four-field body reading a parameter and a step's field.
void BM_RenderBodyInput(benchmark::State& state) {
  render_step_input(state, "analytics");
}
BENCHMARK(BM_RenderBodyInput);

// The dashboard's `response:` over four step results (0.3-1 KB each): whole values copied in,
// one interpolated string, two sub-paths.
void BM_RenderResponse(benchmark::State& state) {
  DashboardScope d;
  const auto scope = d.scope();
  for (auto _ : state) benchmark::DoNotOptimize(d.pipeline->response->render(scope));
}
BENCHMARK(BM_RenderResponse);

// A path read from a result kept as text (template/json_span): the dashboard's three, over the
// bodies as the downstreams send them. Each read scans its object to the end (the last of a
// repeated key wins).
void BM_FindJsonPathInText(benchmark::State& state) {
  const std::vector<tmpl::PathPart> segment{{"segment", std::nullopt}};
  const std::vector<tmpl::PathPart> items{{"items", std::nullopt}};
  const std::vector<tmpl::PathPart> method{{"default_method", std::nullopt}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(tmpl::find_json_path(kProfileBody, segment));
    benchmark::DoNotOptimize(tmpl::find_json_path(kOrdersBody, items));
    benchmark::DoNotOptimize(tmpl::find_json_path(kPaymentBody, method));
  }
}
BENCHMARK(BM_FindJsonPathInText);

// A path read past a large value: the member after a 100 KB array of objects (a catalogue's
// `total` after its `items`). The array is crossed without a look at its members.
void BM_FindJsonPathPastLargeArray(benchmark::State& state) {
  std::string text = "{\"items\":[";
  while (text.size() < static_cast<std::size_t>(state.range(0))) {
    text += R"({"sku":"bk-2210","name":"Sketch of the \"Analytical\" Engine","tags":["a","b"],)"
            R"("price":{"amount":19.90,"currency":"GBP"}},)";
  }
  text.back() = ']';
  text += R"(,"total":1843})";
  const std::vector<tmpl::PathPart> total{{"total", std::nullopt}};
  for (auto _ : state) benchmark::DoNotOptimize(tmpl::find_json_path(text, total));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_FindJsonPathPastLargeArray)->Arg(100 << 10);

}  // namespace
}  // namespace mosaic::micro
