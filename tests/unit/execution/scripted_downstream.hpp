#pragma once
// An in-process Downstream whose behaviour each step's `with:` scripts:
//   { value: <json>, text: <JSON text, returned unparsed as mosaic::JsonText>, delay_ms: N,
//     fail: <FailureKind name>, status: N, hang: true, ignore_cancel: true, throw: true }
// It records every call so tests can see ordering, overlap and cancellation.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mosaic/downstream.hpp"

namespace mosaic::testing {

struct CallRecord {
  std::string id;  // with.id
  std::chrono::steady_clock::time_point started, ended;
  bool saw_cancel = false;
  Failure interruption;
  Json input;
};

class ScriptedDownstream : public Downstream {
 public:
  CallResult call(const Json& input, CallContext& context) override {
    CallRecord record;
    record.started = std::chrono::steady_clock::now();
    record.input = input;
    const auto& with = input.is_object() ? input.as_object() : empty_;
    if (auto* id = with.if_contains("id")) record.id = std::string(id->as_string());
    const int now_running = ++running_;
    int seen = max_running_.load();
    while (now_running > seen && !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    CallResult result = run(with, context, record);
    --running_;
    record.ended = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(record));
    return result;
  }

  std::vector<CallRecord> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::optional<CallRecord> call_of(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (const auto& c : calls_) {
      if (c.id == id) return c;
    }
    return std::nullopt;
  }
  int max_running() const { return max_running_.load(); }
  // What stops_at_deadline() answers (false by default: `ignore_cancel` scripts overstay).
  void set_stops_at_deadline(bool stops) { stops_at_deadline_ = stops; }
  bool stops_at_deadline() const override { return stops_at_deadline_; }

 private:
  CallResult run(const json::object& with, CallContext& context, CallRecord& record) {
    if (with.contains("throw")) throw std::runtime_error("internal secret detail");
    if (auto* delay = with.if_contains("delay_ms")) {
      const auto ms = std::chrono::milliseconds(delay->to_number<std::int64_t>());
      if (with.contains("ignore_cancel")) {
        std::this_thread::sleep_for(ms);
      } else if (!context.wait_for(ms)) {
        record.saw_cancel = true;
        record.interruption = context.interruption();
        return context.interruption();
      }
    }
    if (with.contains("hang")) {
      if (with.contains("ignore_cancel")) {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        return Failure::Of(FailureKind::kError, "gave up");
      }
      while (context.wait_for(std::chrono::hours(1))) {
      }
      record.saw_cancel = true;
      record.interruption = context.interruption();
      return context.interruption();
    }
    if (auto* status = with.if_contains("status"))
      return Failure::Status(static_cast<int>(status->to_number<std::int64_t>()));
    if (with.contains("fail")) return Failure::Of(FailureKind::kUnavailable, "scripted failure");
    if (auto* value = with.if_contains("value")) return *value;
    if (auto* text = with.if_contains("text")) return JsonText{std::string(text->as_string())};
    return Json(json::object{{"echo", json::object(with)}});
  }

  const json::object empty_;
  mutable std::mutex mutex_;
  std::vector<CallRecord> calls_;
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  std::atomic<bool> stops_at_deadline_{false};
};

}  // namespace mosaic::testing
