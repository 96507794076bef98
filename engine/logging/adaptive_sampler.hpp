#pragma once
// Which requests have their info and debug lines kept. The decision is drawn once per request
// (LogScope::sampled) so a request's lines are kept or dropped together.
//
// Adaptive: the share of requests answered with a 5xx over the last minute moves the rate
//   error rate >= 1%  -> at least 0.5      (back to the base rate below 0.5%)
//   error rate >= 5%  -> 1.0               (back to 0.5 below 2.5%)
// The gaps between raising and lowering keep the rate from flapping at a threshold. Each change
// is reported once through `on_change`.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace mosaic::logging {

class AdaptiveSampler {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    double base_rate = 1.0;
    bool adaptive = false;
    std::function<Clock::time_point()> now;  // injected by tests; steady_clock by default
  };
  // old rate, new rate, error rate over the window
  using ChangeHandler = std::function<void(double, double, double)>;

  static constexpr double kRaiseToHalf = 0.01;
  static constexpr double kLowerFromHalf = 0.005;
  static constexpr double kRaiseToAll = 0.05;
  static constexpr double kLowerFromAll = 0.025;
  static constexpr std::chrono::seconds kWindow{60};

  explicit AdaptiveSampler(Options options);

  // One draw at the current rate. Lock-free.
  bool decide() const;
  double rate() const { return rate_.load(std::memory_order_relaxed); }

  // A request finished; `error` when it was answered with a 5xx. About once a second (of the
  // injected clock) one caller re-evaluates the rate.
  void note_request(bool error);
  // Re-evaluates now (tests; note_request calls it).
  void evaluate();

  void set_change_handler(ChangeHandler handler) { on_change_ = std::move(handler); }

 private:
  Clock::time_point now() const { return options_.now ? options_.now() : Clock::now(); }
  double target(double error_rate, double current) const;

  const Options options_;
  std::atomic<double> rate_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::int64_t> last_second_{-1};
  std::mutex evaluate_mutex_;
  struct Mark {
    Clock::time_point at;
    std::uint64_t requests, errors;
  };
  std::deque<Mark> marks_;  // one a second, the last minute
  ChangeHandler on_change_;
};

}  // namespace mosaic::logging
