#pragma once
// A CallContext for tests: a deadline, cancel() from any thread (fires the registered callbacks
// the way the engine's cancel source does), wait_for that wakes on cancel, and a logger that
// keeps its lines. By default the deadline is passive (cancelled() turns true, no callback
// fires), which checks that a call cannot outlive its deadline on its own; fire_at_deadline()
// adds a timer thread that fires the callbacks at the deadline like the engine's timer.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mosaic/call_context.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::testing {

class CollectingLogger final : public Logger {
 public:
  bool enabled(LogLevel level) const override { return level >= min_level_; }
  void log(LogLevel level, std::string_view message, const json::object& fields) override {
    static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
    std::string line = std::string(kNames[static_cast<int>(level)]) + " " + std::string(message);
    if (!fields.empty()) line += " " + json::serialize(fields);
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool contains(std::string_view text) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  void set_min_level(LogLevel level) { min_level_ = level; }

 private:
  LogLevel min_level_ = LogLevel::kDebug;
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

class FakeCallContext final : public CallContext {
 public:
  explicit FakeCallContext(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                           std::string request_id = "test-request-1")
      : FakeCallContext(Clock::now() + timeout, std::move(request_id)) {}
  FakeCallContext(Clock::time_point deadline, std::string request_id)
      : request_id_(std::move(request_id)), deadline_(deadline) {}
  ~FakeCallContext() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (timer_.joinable()) timer_.join();
  }
  FakeCallContext(const FakeCallContext&) = delete;
  FakeCallContext& operator=(const FakeCallContext&) = delete;

  std::string_view request_id() const override { return request_id_; }
  Clock::time_point deadline() const override { return deadline_; }

  bool cancelled() const override {
    std::lock_guard lock(mutex_);
    return cancelled_locked();
  }

  Failure interruption() const override {
    std::lock_guard lock(mutex_);
    if (explicitly_cancelled_) return Failure::Cancelled("cancelled by the test");
    return Failure::Timeout("deadline passed");
  }

  CancelRegistration on_cancel(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    if (cancelled_locked()) {
      lock.unlock();
      fn();
      return {};
    }
    std::uint64_t id = next_id_++;
    callbacks_.emplace(id, std::move(fn));
    ++registrations_;
    return CancelRegistration([this, id] {
      std::unique_lock inner(mutex_);
      callbacks_.erase(id);
      // Like the engine's cancel source: wait for the callback if it runs on another thread.
      changed_.wait(inner, [&] {
        return !running_.count(id) || running_thread_ == std::this_thread::get_id();
      });
    });
  }

  bool wait_for(Clock::duration duration) override {
    std::unique_lock lock(mutex_);
    const auto until = std::min(Clock::now() + duration, deadline_);
    changed_.wait_until(lock, until,
                        [&] { return explicitly_cancelled_ || fired_ || Clock::now() >= until; });
    return !cancelled_locked();
  }

  Logger& logger() override { return logger_; }
  CollectingLogger& log() { return logger_; }

  // CPU offload as the engine offers it: from `threshold` bytes should_offload() is true, and
  // offload() runs the work on another thread (or refuses with `refusal`), after `before_run`
  // (a test may cancel the call there). Off by default.
  void offload_from(std::size_t threshold, std::optional<Failure> refusal = std::nullopt,
                    std::function<void()> before_run = {}) {
    offload_threshold_ = threshold;
    offload_refusal_ = std::move(refusal);
    before_offload_ = std::move(before_run);
  }
  bool should_offload(std::size_t bytes) const override {
    return offload_threshold_ && bytes >= *offload_threshold_;
  }
  std::optional<Failure> offload(std::function<void()> fn) override {
    ++offloaded_;
    if (offload_refusal_) return offload_refusal_;
    std::exception_ptr error;
    std::thread([&] {
      try {
        if (before_offload_) before_offload_();
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    }).join();
    if (error) std::rethrow_exception(error);
    return std::nullopt;
  }
  int offloaded() const { return offloaded_.load(); }

  // As if a critical sibling failed: interruption() becomes Cancelled and callbacks run now.
  void cancel() { fire(true); }

  // Starts a timer that fires the callbacks at the deadline (interruption() stays Timeout).
  void fire_at_deadline() {
    timer_ = std::thread([this] {
      {
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline_, [&] { return stopping_ || fired_; });
        if (stopping_ || fired_) return;
      }
      fire(false);
    });
  }

  // How many callbacks were registered in total, and how many are still registered.
  std::size_t registrations() const {
    std::lock_guard lock(mutex_);
    return registrations_;
  }
  std::size_t active_registrations() const {
    std::lock_guard lock(mutex_);
    return callbacks_.size();
  }

 private:
  bool cancelled_locked() const {
    return explicitly_cancelled_ || fired_ || Clock::now() >= deadline_;
  }

  void fire(bool explicit_cancel) {
    std::map<std::uint64_t, std::function<void()>> to_run;
    {
      std::lock_guard lock(mutex_);
      if (explicit_cancel && !fired_ && Clock::now() < deadline_) explicitly_cancelled_ = true;
      if (fired_) return;
      fired_ = true;
      to_run.swap(callbacks_);
      for (const auto& [id, fn] : to_run) running_.insert(id);
      running_thread_ = std::this_thread::get_id();
    }
    changed_.notify_all();
    for (auto& [id, fn] : to_run) {
      fn();
      std::lock_guard lock(mutex_);
      running_.erase(id);
    }
    {
      std::lock_guard lock(mutex_);
      running_thread_ = {};
    }
    changed_.notify_all();
  }

  const std::string request_id_;
  const Clock::time_point deadline_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool explicitly_cancelled_ = false;
  bool fired_ = false;
  bool stopping_ = false;
  std::uint64_t next_id_ = 1;
  std::size_t registrations_ = 0;
  std::map<std::uint64_t, std::function<void()>> callbacks_;
  std::set<std::uint64_t> running_;
  std::thread::id running_thread_;
  std::thread timer_;
  CollectingLogger logger_;
  std::optional<std::size_t> offload_threshold_;
  std::optional<Failure> offload_refusal_;
  std::function<void()> before_offload_;
  std::atomic<int> offloaded_{0};
};

}  // namespace mosaic::testing
