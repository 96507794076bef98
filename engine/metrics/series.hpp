#pragma once
// The request path's series, looked up once per pipeline and per downstream when a config
// generation is built, so a request only touches atomics:
//   mosaic_requests_total{pipeline,status}          requests answered, by HTTP status
//   mosaic_request_duration_seconds{pipeline}       time from routing to the answer
//   mosaic_step_calls_total{downstream,outcome}     every step call: ok or its failure reason
//   mosaic_step_duration_seconds{downstream}        time inside the downstream's call
// `pipeline` is the endpoint ("GET /home/{userId}"), or "unmatched" for 404/405 answers.
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "metrics/registry.hpp"
#include "mosaic/failure.hpp"

namespace mosaic::metrics {

class PipelineSeries {
 public:
  explicit PipelineSeries(const std::string& pipeline, Registry& registry = Registry::global());
  void record(int status, std::chrono::steady_clock::duration elapsed);

  // The series of requests that matched no endpoint.
  static PipelineSeries& unmatched();

 private:
  Counter& status_counter(int status);

  static constexpr std::array<int, 9> kCommon = {200, 400, 404, 405, 413, 500, 502, 503, 504};
  std::string pipeline_;
  Registry& registry_;
  Histogram& duration_;
  std::array<Counter*, kCommon.size()> common_{};
  std::mutex mutex_;
  std::map<int, Counter*> other_;  // a status outside kCommon, looked up on first use
};

class DownstreamSeries {
 public:
  explicit DownstreamSeries(const std::string& downstream, Registry& registry = Registry::global());
  // A call that reached the downstream: its time and outcome.
  void record(const Failure* failure, std::chrono::steady_clock::duration elapsed);
  // A call that never started (shed, bad input): its outcome only.
  void record_outcome(const Failure* failure);

 private:
  Counter& outcome_counter(const Failure* failure);

  std::string downstream_;
  Registry& registry_;
  Histogram& duration_;
  Counter& ok_;
  std::array<Counter*, 11> by_kind_{};  // every FailureKind but kBadStatus
  std::mutex mutex_;
  std::map<int, Counter*> by_status_;  // status_<code>, looked up on first use
};

}  // namespace mosaic::metrics
