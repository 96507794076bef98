// The check every body a downstream sends, and every value read from a shared cache, goes
// through before its text may be spliced into an answer (downstream/json_text_check).
#include <benchmark/benchmark.h>

#include "downstream/json_text_check.hpp"
#include "micro_support.hpp"

namespace mosaic::micro {
namespace {

// The dashboard's four bodies as the downstreams send them (0.4-1 KB of short ASCII strings).
void BM_CheckDashboardBodies(benchmark::State& state) {
  const std::string_view bodies[] = {kAuthBody, kProfileBody, kOrdersBody, kPaymentBody};
  std::int64_t bytes = 0;
  for (auto body : bodies) bytes += static_cast<std::int64_t>(body.size());
  for (auto _ : state) {
    for (auto body : bodies) benchmark::DoNotOptimize(downstream::check_json_text(body));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_CheckDashboardBodies);

// A generated document of the given size (the payload scenario's shape).
void BM_CheckDocument(benchmark::State& state) {
  const std::string text = json_document(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(downstream::check_json_text(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_CheckDocument)->Arg(100 << 10);

}  // namespace
}  // namespace mosaic::micro
