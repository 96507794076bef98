#pragma once
// The resilience settings of one downstream in mosaic.yaml: `bulkhead:`, `retry:`, `breaker:`
// and `hedge:` beside `plugin:` and `config:`. engine/resilience/ turns them into decorators
// around the plugin's Downstream (see docs/architecture.md, "Resilience").
//
// Defaults are what a newcomer gets without writing anything: a bulkhead and a breaker on every
// downstream, no retries and no hedging (both send more calls to a downstream, so both are a
// decision to take per downstream). `retry: {}` turns retries on with the defaults below;
// `bulkhead: off` and `breaker: off` turn those off.
#include <chrono>
#include <optional>
#include <string>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"

namespace mosaic::config {

struct BulkheadConfig {
  bool enabled = true;
  int max_concurrent = 64;                      // calls in flight
  int max_queue = 64;                           // calls waiting for a slot
  std::chrono::milliseconds queue_timeout{50};  // longest wait for a slot, then `shed`
};

struct RetryConfig {
  int attempts = 1;                            // 1: no retries (`retry: {}` means 2)
  std::chrono::milliseconds backoff{25};       // base of the exponential backoff
  std::chrono::milliseconds max_backoff{250};  // cap of one backoff
  double budget = 0.1;                         // retries / calls over the last 10 s
  // Each attempt's deadline. Unset: an attempt gets an equal share of the time left,
  // time_left / attempts_left, so a timed-out attempt still leaves time for the next one.
  std::optional<std::chrono::milliseconds> attempt_timeout;
};

struct BreakerConfig {
  bool enabled = true;
  double failure_ratio = 0.5;                // opens at this share of failures...
  int min_calls = 20;                        // ...over at least this many calls...
  std::chrono::milliseconds window{10000};   // ...in this sliding window
  std::chrono::milliseconds open_for{5000};  // refuses calls this long, then half-opens
  int half_open_calls = 3;                   // probes that must all succeed to close
};

struct HedgeConfig {
  std::optional<std::chrono::milliseconds> after;  // unset: no hedging
  double budget = 0.1;                             // hedges / calls over the last 10 s
};

struct ResilienceConfig {
  BulkheadConfig bulkhead;
  RetryConfig retry;
  BreakerConfig breaker;
  HedgeConfig hedge;
};

// True for the keys of a downstream read here.
bool is_resilience_key(const std::string& key);

// Reads one of them (`entry.key` is bulkhead, retry, breaker or hedge) into `config`.
void read_resilience(const std::string& file, const MapEntry& entry, ResilienceConfig& config,
                     Diagnostics& diagnostics);

// A stable text form of every setting (resilience state is kept across reloads while it is equal).
std::string resilience_key(const ResilienceConfig& config);

}  // namespace mosaic::config
