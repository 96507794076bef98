#include "delivery/result_store.hpp"

#include "mosaic/json_text.hpp"
#include "response/result_text.hpp"

namespace mosaic::delivery {

namespace {

const char* status_name(int status) {
  switch (status) {
    case 0:
      return "running";
    case 1:
      return "ok";
    case 2:
      return "failed";
    case 3:
      return "shed";
  }
  return "running";
}

constexpr std::size_t kEntryOverhead = 256;  // bookkeeping per request, so empty entries count too

}  // namespace

ResultStore::ResultStore(StoreLimits limits, std::function<Clock::time_point()> now)
    : limits_(limits), now_(std::move(now)) {}

ResultStore::Entry& ResultStore::entry_for(const std::string& request_id) {
  auto it = entries_.find(request_id);
  if (it != entries_.end()) return it->second;
  Entry& entry = entries_[request_id];
  entry.id = request_id;
  entry.expires = now_() + limits_.retain;
  entry.bytes = kEntryOverhead + request_id.size();
  bytes_ += entry.bytes;
  order_.push_back(request_id);
  entry.order = std::prev(order_.end());
  return entry;
}

void ResultStore::drop(std::unordered_map<std::string, Entry>::iterator it, bool expired) {
  bytes_ -= it->second.bytes;
  order_.erase(it->second.order);
  entries_.erase(it);
  (expired ? expired_ : evicted_) += 1;
}

void ResultStore::enforce_limits() {
  const auto now = now_();
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    const bool expired = it->second.expires <= now;
    const bool over = entries_.size() > limits_.max_requests || bytes_ > limits_.max_bytes;
    if (!expired && !over) break;
    drop(it, expired);
  }
}

bool ResultStore::done(const Entry& entry) {
  if (!entry.sealed) return false;
  for (const auto& step : entry.steps) {
    if (step.status == StepRecord::Status::kRunning) return false;
  }
  return true;
}

Message ResultStore::step_message(const Entry& entry, const StepRecord& step) {
  // {"request_id":…,"step":…,"status":…[,"value":…|,"reason":…]}, the value spliced as text.
  Message m = "{\"request_id\":";
  append_json_string(m, entry.id);
  m += ",\"step\":";
  append_json_string(m, step.name);
  m += ",\"status\":";
  append_json_string(m, status_name(static_cast<int>(step.status)));
  if (step.status == StepRecord::Status::kOk) {
    m += ",\"value\":";
    m += step.value_text;
  }
  if (step.status == StepRecord::Status::kFailed || step.status == StepRecord::Status::kShed) {
    m += ",\"reason\":";
    append_json_string(m, step.reason);
  }
  m += '}';
  return m;
}

Message ResultStore::done_message(const Entry& entry) {
  return to_json_text(json::object{{"request_id", entry.id}, {"status", "done"}});
}

// Subscribers are told under the lock (deliver() only queues), so each sees results in order.

void ResultStore::expect(const std::string& request_id, const std::string& step) {
  std::lock_guard lock(mutex_);
  Entry& entry = entry_for(request_id);
  for (const auto& s : entry.steps) {
    if (s.name == step) return;
  }
  entry.steps.push_back({step, StepRecord::Status::kRunning, {}, {}});
  entry.bytes += step.size() + 64;
  bytes_ += step.size() + 64;
  enforce_limits();
}

void ResultStore::finish(const std::string& request_id, const std::string& step,
                         const CallResult& result) {
  std::vector<Message> messages;
  std::string value_text;
  if (result.ok()) value_text = response::result_json_text(result);
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(request_id);
    if (it == entries_.end()) return;  // evicted or expired meanwhile
    Entry& entry = it->second;
    StepRecord* record = nullptr;
    for (auto& s : entry.steps) {
      if (s.name == step) record = &s;
    }
    if (!record) return;
    if (result.ok()) {
      record->status = StepRecord::Status::kOk;
      record->value_text = std::move(value_text);
    } else {
      record->status = result.failure().kind == FailureKind::kShed ? StepRecord::Status::kShed
                                                                   : StepRecord::Status::kFailed;
      record->reason = result.failure().reason();
    }
    messages.push_back(step_message(entry, *record));
    entry.bytes += messages.back().size();
    bytes_ += messages.back().size();
    if (done(entry)) messages.push_back(done_message(entry));
    for (auto& weak : entry.subscribers) {
      if (auto s = weak.lock()) {
        for (const auto& m : messages) s->deliver(m);
      }
    }
    enforce_limits();
  }
}

void ResultStore::seal(const std::string& request_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(request_id);
  if (it == entries_.end()) return;
  it->second.sealed = true;
  if (!done(it->second)) return;
  const Message message = done_message(it->second);
  for (auto& weak : it->second.subscribers) {
    if (auto s = weak.lock()) s->deliver(message);
  }
}

std::optional<Json> ResultStore::snapshot(const std::string& request_id) {
  std::lock_guard lock(mutex_);
  enforce_limits();
  auto it = entries_.find(request_id);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  json::object steps;
  json::array pending;
  for (const auto& step : entry.steps) {
    json::object s{{"status", status_name(static_cast<int>(step.status))}};
    if (step.status == StepRecord::Status::kOk) s["value"] = json::parse(step.value_text);
    if (!step.reason.empty()) s["reason"] = step.reason;
    if (step.status == StepRecord::Status::kRunning) pending.emplace_back(step.name);
    steps[step.name] = std::move(s);
  }
  return json::object{{"request_id", entry.id},
                      {"done", done(entry)},
                      {"steps", std::move(steps)},
                      {"pending", std::move(pending)}};
}

bool ResultStore::subscribe(const std::string& request_id,
                            const std::shared_ptr<Subscriber>& subscriber) {
  std::lock_guard lock(mutex_);
  enforce_limits();
  auto it = entries_.find(request_id);
  if (it == entries_.end()) return false;
  Entry& entry = it->second;
  entry.subscribers.push_back(subscriber);
  for (const auto& step : entry.steps) {
    if (step.status != StepRecord::Status::kRunning) subscriber->deliver(step_message(entry, step));
  }
  if (done(entry)) subscriber->deliver(done_message(entry));
  return true;
}

void ResultStore::unsubscribe(const std::string& request_id, const Subscriber* subscriber) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(request_id);
  if (it == entries_.end()) return;
  auto& subs = it->second.subscribers;
  std::erase_if(subs, [&](const std::weak_ptr<Subscriber>& w) {
    auto s = w.lock();
    return !s || s.get() == subscriber;
  });
}

StoreStats ResultStore::stats() {
  std::lock_guard lock(mutex_);
  return {entries_.size(), bytes_, evicted_, expired_};
}

void ResultStore::sweep() {
  std::lock_guard lock(mutex_);
  enforce_limits();
}

}  // namespace mosaic::delivery
