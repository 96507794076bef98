#pragma once
// A Downstream whose every call runs a test's script, numbered from 0, and which records what it
// saw: how many calls, how many ran at once, and how each one ended (answered or interrupted).
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mosaic/downstream.hpp"

namespace mosaic::testing {

class FakeDownstream final : public Downstream {
 public:
  using Script = std::function<CallResult(int call, CallContext& context)>;

  explicit FakeDownstream(Script script, bool idempotent = true)
      : script_(std::move(script)), idempotent_(idempotent) {}

  bool idempotent(const Json&) const override { return idempotent_; }

  CallResult call(const Json&, CallContext& context) override {
    const int index = calls_.fetch_add(1);
    const int now = ++running_;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    {
      std::lock_guard lock(mutex_);
      deadlines_.push_back(context.deadline());
    }
    CallResult result = script_(index, context);
    --running_;
    if (!result.ok() && context.cancelled()) ++interrupted_;
    return result;
  }

  int calls() const { return calls_.load(); }
  int running() const { return running_.load(); }
  int max_running() const { return max_running_.load(); }
  int interrupted() const { return interrupted_.load(); }
  std::vector<Clock::time_point> deadlines() const {
    std::lock_guard lock(mutex_);
    return deadlines_;
  }

 private:
  Script script_;
  bool idempotent_;
  std::atomic<int> calls_{0};
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  std::atomic<int> interrupted_{0};
  mutable std::mutex mutex_;
  std::vector<Clock::time_point> deadlines_;
};

// Scripts.
inline CallResult answer(Json value = Json(json::object{{"ok", true}})) {
  return value;
}

// Waits until the call is cancelled (or its deadline passes), then reports why.
inline CallResult hang(CallContext& context) {
  while (context.wait_for(std::chrono::hours(1))) {
  }
  return context.interruption();
}

// Answers after `delay`, or stops early when cancelled.
inline CallResult answer_after(std::chrono::milliseconds delay, CallContext& context) {
  if (!context.wait_for(delay)) return context.interruption();
  return answer();
}

}  // namespace mosaic::testing
