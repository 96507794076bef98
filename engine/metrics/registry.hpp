#pragma once
// Process-wide metrics in the Prometheus text format. A series is looked up (and created) once,
// at config load or construction, and kept by reference: the request path only touches atomics.
// Series outlive config generations, so counts carry across reloads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mosaic::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);  // seconds, for latencies
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum in millionths, kept integral for atomics
};

// Latency buckets from 0.5 ms to 10 s.
std::vector<double> latency_buckets();

// mosaic_queue_wait_seconds{queue=<queue>} in the global registry: how long work waited in that
// queue (worker and offload pools, accepted connections, admission turns).
Histogram& queue_wait_histogram(const std::string& queue);

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       std::vector<double> bounds = latency_buckets());
  // A gauge read when scraped (pool sizes, queue lengths). Replaces one with the same labels.
  // Returns an id for remove_gauge_callback.
  std::uint64_t gauge_callback(const std::string& name, const std::string& help,
                               const Labels& labels, std::function<double()> read);
  // With an id, removes the callback only if it is still that registration (an owner that goes
  // away must not remove the callback a newer owner of the same series put there); 0: any.
  void remove_gauge_callback(const std::string& name, const Labels& labels, std::uint64_t id = 0);

  std::string render() const;  // text exposition format 0.0.4

  // The one registry of this process.
  static Registry& global();

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    std::map<Labels, std::pair<std::uint64_t, std::function<double()>>> callbacks;
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::uint64_t next_callback_id_ = 1;
};

}  // namespace mosaic::metrics
