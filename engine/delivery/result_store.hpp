#pragma once
// Background results kept for the front end: per request id, which background steps were started,
// which finished (value or reason), and whether more can come. Bounded in requests and bytes
// (oldest evicted first, counted) and by age (`retain`). Subscribers (WebSocket sessions) hear of
// each result as it lands; a subscriber that arrives late first gets what already finished.
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mosaic/call_result.hpp"
#include "mosaic/json.hpp"

namespace mosaic::delivery {

using Clock = std::chrono::steady_clock;

struct StoreLimits {
  std::chrono::milliseconds retain{60000};
  std::size_t max_requests = 10000;
  std::size_t max_bytes = 64u << 20;
};

// One message as the front end receives it:
//   {"request_id", "step", "status": "ok"|"failed"|"shed", "value" | "reason"}
// and, once nothing more can come, {"request_id", "status": "done"}.
using Message = std::string;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called with the store locked, so results arrive in order: only queue and return, and
  // never call back into the store.
  virtual void deliver(const Message& message) = 0;
};

struct StoreStats {
  std::size_t requests = 0;
  std::size_t bytes = 0;
  std::uint64_t evicted = 0;
  std::uint64_t expired = 0;
};

class ResultStore {
 public:
  explicit ResultStore(StoreLimits limits, std::function<Clock::time_point()> now = Clock::now);

  // The executor's side, in this order per request: expect() for each background step as it
  // starts, finish() when it ends (possibly before the response), seal() when the request is done
  // launching steps.
  void expect(const std::string& request_id, const std::string& step);
  void finish(const std::string& request_id, const std::string& step, const CallResult& result);
  void seal(const std::string& request_id);

  // The front end's side. nullopt: unknown or expired id.
  std::optional<Json> snapshot(const std::string& request_id);
  // Sends what already finished (and "done" when all did) to `subscriber`, then every new result.
  // False: unknown or expired id. Unsubscribe before destroying the subscriber.
  bool subscribe(const std::string& request_id, const std::shared_ptr<Subscriber>& subscriber);
  void unsubscribe(const std::string& request_id, const Subscriber* subscriber);

  StoreStats stats();
  void sweep();  // drops expired entries (also done on every write)

 private:
  struct StepRecord {
    std::string name;
    enum class Status { kRunning, kOk, kFailed, kShed } status = Status::kRunning;
    // kOk: the value as JSON text, written once outside the store's lock. Kept as text because
    // every use sends it (a message per subscriber); only a poll parses it back.
    std::string value_text;
    std::string reason;
  };
  struct Entry {
    std::string id;
    Clock::time_point expires;
    std::vector<StepRecord> steps;
    bool sealed = false;
    std::size_t bytes = 0;
    std::vector<std::weak_ptr<Subscriber>> subscribers;
    std::list<std::string>::iterator order;
  };

  Entry& entry_for(const std::string& request_id);  // creates; caller holds mutex_
  void drop(std::unordered_map<std::string, Entry>::iterator it, bool expired);
  void enforce_limits();
  static bool done(const Entry& entry);
  static Message step_message(const Entry& entry, const StepRecord& step);
  static Message done_message(const Entry& entry);

  const StoreLimits limits_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
  std::size_t bytes_ = 0;
  std::uint64_t evicted_ = 0;
  std::uint64_t expired_ = 0;
};

}  // namespace mosaic::delivery
