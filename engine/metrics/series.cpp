#include "metrics/series.hpp"

namespace mosaic::metrics {

namespace {

constexpr const char* kRequests = "mosaic_requests_total";
constexpr const char* kRequestsHelp = "Requests answered, by pipeline (endpoint) and HTTP status.";
constexpr const char* kStepCalls = "mosaic_step_calls_total";
constexpr const char* kStepCallsHelp =
    "Step calls by downstream and outcome (ok or the failure reason).";

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

PipelineSeries::PipelineSeries(const std::string& pipeline, Registry& registry)
    : pipeline_(pipeline),
      registry_(registry),
      duration_(registry.histogram("mosaic_request_duration_seconds",
                                   "Time from routing a request to its answer, by pipeline.",
                                   {{"pipeline", pipeline}})) {
  for (std::size_t i = 0; i < kCommon.size(); ++i) {
    common_[i] = &registry.counter(
        kRequests, kRequestsHelp, {{"pipeline", pipeline}, {"status", std::to_string(kCommon[i])}});
  }
}

PipelineSeries& PipelineSeries::unmatched() {
  static PipelineSeries series("unmatched");
  return series;
}

Counter& PipelineSeries::status_counter(int status) {
  for (std::size_t i = 0; i < kCommon.size(); ++i) {
    if (kCommon[i] == status) return *common_[i];
  }
  std::lock_guard lock(mutex_);
  auto& slot = other_[status];
  if (!slot)
    slot = &registry_.counter(kRequests, kRequestsHelp,
                              {{"pipeline", pipeline_}, {"status", std::to_string(status)}});
  return *slot;
}

void PipelineSeries::record(int status, std::chrono::steady_clock::duration elapsed) {
  status_counter(status).inc();
  duration_.observe(seconds(elapsed));
}

DownstreamSeries::DownstreamSeries(const std::string& downstream, Registry& registry)
    : downstream_(downstream),
      registry_(registry),
      duration_(registry.histogram("mosaic_step_duration_seconds",
                                   "Time inside a downstream call, by downstream.",
                                   {{"downstream", downstream}})),
      ok_(registry.counter(kStepCalls, kStepCallsHelp,
                           {{"downstream", downstream}, {"outcome", "ok"}})) {
  for (std::size_t i = 0; i < by_kind_.size(); ++i) {
    const auto kind = static_cast<FailureKind>(i);
    if (kind == FailureKind::kBadStatus) continue;
    by_kind_[i] =
        &registry.counter(kStepCalls, kStepCallsHelp,
                          {{"downstream", downstream}, {"outcome", Failure::Of(kind).reason()}});
  }
}

Counter& DownstreamSeries::outcome_counter(const Failure* failure) {
  if (!failure) return ok_;
  const auto index = static_cast<std::size_t>(failure->kind);
  if (failure->kind != FailureKind::kBadStatus && index < by_kind_.size() && by_kind_[index])
    return *by_kind_[index];
  std::lock_guard lock(mutex_);
  auto& slot = by_status_[failure->status];
  if (!slot) {
    slot = &registry_.counter(kStepCalls, kStepCallsHelp,
                              {{"downstream", downstream_}, {"outcome", failure->reason()}});
  }
  return *slot;
}

void DownstreamSeries::record(const Failure* failure, std::chrono::steady_clock::duration elapsed) {
  outcome_counter(failure).inc();
  duration_.observe(seconds(elapsed));
}

void DownstreamSeries::record_outcome(const Failure* failure) {
  outcome_counter(failure).inc();
}

}  // namespace mosaic::metrics
