// The cache envelope (header + the value's JSON text) that every cached step writes and reads.
#include <benchmark/benchmark.h>

#include "cache/envelope.hpp"
#include "micro_support.hpp"

namespace mosaic::micro {
namespace {

cache::Envelope envelope_of(std::size_t bytes) {
  cache::Envelope e;
  e.stored_at_ms = 1714557600000;
  e.fresh_until_ms = e.stored_at_ms + 60000;
  e.stale_until_ms = e.fresh_until_ms + 300000;
  e.payload = json_document(bytes);
  return e;
}

void BM_EnvelopeEncode(benchmark::State& state) {
  const auto e = envelope_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(cache::encode_envelope(e));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(e.payload.size()));
}
BENCHMARK(BM_EnvelopeEncode)->Arg(1 << 10)->Arg(100 << 10);

void BM_EnvelopeDecode(benchmark::State& state) {
  const auto bytes = cache::encode_envelope(envelope_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(cache::decode_envelope(bytes));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_EnvelopeDecode)->Arg(1 << 10)->Arg(100 << 10);

// What a cache hit costs beyond the lookup: decode, then parse the payload back into a value.
void BM_EnvelopeDecodeAndParse(benchmark::State& state) {
  const auto bytes = cache::encode_envelope(envelope_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto e = cache::decode_envelope(bytes);
    benchmark::DoNotOptimize(json::parse(e->payload));
  }
}
BENCHMARK(BM_EnvelopeDecodeAndParse)->Arg(1 << 10)->Arg(100 << 10);

}  // namespace
}  // namespace mosaic::micro
