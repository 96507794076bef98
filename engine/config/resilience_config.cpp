// read_resilience: a downstream's `bulkhead:`, `retry:`, `breaker:` and `hedge:`.
#include "config/resilience_config.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

using namespace std::chrono_literals;

const std::vector<std::string_view> kBulkheadKeys = {"max_concurrent", "max_queue",
                                                     "queue_timeout"};
const std::vector<std::string_view> kRetryKeys = {"attempts", "backoff", "max_backoff", "budget",
                                                  "attempt_timeout"};
const std::vector<std::string_view> kBreakerKeys = {"failure_ratio", "min_calls", "window",
                                                    "open_for", "half_open_calls"};
const std::vector<std::string_view> kHedgeKeys = {"after", "budget"};

const DurationBounds kShort{false, std::chrono::milliseconds(1min)};
const DurationBounds kLong{false, std::chrono::milliseconds(10min)};

// `bulkhead: off` (or false): the section is turned off.
bool is_off(const YAML::Node& node) {
  return node.IsScalar() && (node.Scalar() == "off" || node.Scalar() == "false");
}

// A number in (0, max], such as 0.5.
std::optional<double> read_ratio(const std::string& file, const MapEntry& entry, double max,
                                 Diagnostics& diagnostics) {
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool number = !text.empty() && ec == std::errc() && end == text.data() + text.size() &&
                      (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.');
  if (!number || !(value > 0) || value > max) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", max);
    diagnostics.error(
        value_where(file, entry),
        entry.key + " must be a number above 0 and at most " + bound + ", got '" + text + "'");
    return std::nullopt;
  }
  return value;
}

template <typename T>
void assign(std::optional<T> value, T& target) {
  if (value) target = *value;
}

void read_bulkhead(const std::string& file, const MapEntry& section, BulkheadConfig& out,
                   Diagnostics& diagnostics) {
  if (is_off(section.value)) {
    out.enabled = false;
    return;
  }
  out.enabled = true;
  for (const auto& entry : read_map(file, section.value, "bulkhead", kBulkheadKeys, diagnostics)) {
    if (entry.key == "max_concurrent")
      assign(read_int(file, entry, 1, 100000, diagnostics), out.max_concurrent);
    if (entry.key == "max_queue")
      assign(read_int(file, entry, 0, 100000, diagnostics), out.max_queue);
    if (entry.key == "queue_timeout")
      assign(read_duration(file, entry, kShort, diagnostics), out.queue_timeout);
  }
}

void read_retry(const std::string& file, const MapEntry& section, RetryConfig& out,
                Diagnostics& diagnostics) {
  if (is_off(section.value)) {
    out.attempts = 1;
    return;
  }
  out.attempts = 2;  // writing `retry:` asks for retries
  const MapEntry* max_backoff_entry = nullptr;
  const auto entries = read_map(file, section.value, "retry", kRetryKeys, diagnostics);
  for (const auto& entry : entries) {
    if (entry.key == "attempts") assign(read_int(file, entry, 1, 10, diagnostics), out.attempts);
    if (entry.key == "backoff")
      assign(read_duration(file, entry, kShort, diagnostics), out.backoff);
    if (entry.key == "budget") assign(read_ratio(file, entry, 10.0, diagnostics), out.budget);
    if (entry.key == "attempt_timeout") {
      if (auto d = read_duration(file, entry, kLong, diagnostics)) out.attempt_timeout = *d;
    }
    if (entry.key == "max_backoff") {
      max_backoff_entry = &entry;
      assign(read_duration(file, entry, kShort, diagnostics), out.max_backoff);
    }
  }
  // Only the base given: the cap follows it (ten times the base, as with the defaults).
  if (!max_backoff_entry && find_entry(entries, "backoff") && out.max_backoff < out.backoff) {
    out.max_backoff = out.backoff * 10;
  }
  if (max_backoff_entry && out.max_backoff < out.backoff) {
    diagnostics.error(value_where(file, *max_backoff_entry),
                      "retry.max_backoff must be at least retry.backoff (" +
                          std::to_string(out.backoff.count()) + "ms)");
  }
}

void read_breaker(const std::string& file, const MapEntry& section, BreakerConfig& out,
                  Diagnostics& diagnostics) {
  if (is_off(section.value)) {
    out.enabled = false;
    return;
  }
  out.enabled = true;
  for (const auto& entry : read_map(file, section.value, "breaker", kBreakerKeys, diagnostics)) {
    if (entry.key == "failure_ratio")
      assign(read_ratio(file, entry, 1.0, diagnostics), out.failure_ratio);
    if (entry.key == "min_calls")
      assign(read_int(file, entry, 1, 100000, diagnostics), out.min_calls);
    if (entry.key == "window") {
      if (auto d = read_duration(file, entry, kLong, diagnostics)) {
        if (*d < 100ms) {
          diagnostics.error(value_where(file, entry), "breaker.window must be at least 100ms");
        } else {
          out.window = *d;
        }
      }
    }
    if (entry.key == "open_for")
      assign(read_duration(file, entry, kLong, diagnostics), out.open_for);
    if (entry.key == "half_open_calls")
      assign(read_int(file, entry, 1, 1000, diagnostics), out.half_open_calls);
  }
}

void read_hedge(const std::string& file, const MapEntry& section, HedgeConfig& out,
                Diagnostics& diagnostics) {
  if (is_off(section.value)) {
    out.after.reset();
    return;
  }
  bool has_after = false;
  const auto entries = read_map(file, section.value, "hedge", kHedgeKeys, diagnostics);
  for (const auto& entry : entries) {
    if (entry.key == "after") {
      has_after = true;
      if (auto d = read_duration(file, entry, kShort, diagnostics)) out.after = *d;
    }
    if (entry.key == "budget") assign(read_ratio(file, entry, 1.0, diagnostics), out.budget);
  }
  const bool mapping = section.value.IsMap() || section.value.IsNull();
  if (mapping && !has_after) {
    diagnostics.error(key_where(file, section),
                      "missing required key 'after' in hedge (or write hedge: off)");
  }
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

}  // namespace

bool is_resilience_key(const std::string& key) {
  return key == "bulkhead" || key == "retry" || key == "breaker" || key == "hedge";
}

void read_resilience(const std::string& file, const MapEntry& entry, ResilienceConfig& config,
                     Diagnostics& diagnostics) {
  if (entry.key == "bulkhead") read_bulkhead(file, entry, config.bulkhead, diagnostics);
  if (entry.key == "retry") read_retry(file, entry, config.retry, diagnostics);
  if (entry.key == "breaker") read_breaker(file, entry, config.breaker, diagnostics);
  if (entry.key == "hedge") read_hedge(file, entry, config.hedge, diagnostics);
}

std::string resilience_key(const ResilienceConfig& c) {
  const auto& b = c.bulkhead;
  const auto& r = c.retry;
  const auto& k = c.breaker;
  const auto& h = c.hedge;
  return "bulkhead " + std::to_string(b.enabled) + " " + std::to_string(b.max_concurrent) + " " +
         std::to_string(b.max_queue) + " " + ms(b.queue_timeout) + "\nretry " +
         std::to_string(r.attempts) + " " + ms(r.backoff) + " " + ms(r.max_backoff) + " " +
         std::to_string(r.budget) + " " + (r.attempt_timeout ? ms(*r.attempt_timeout) : "-") +
         "\nbreaker " + std::to_string(k.enabled) + " " + std::to_string(k.failure_ratio) + " " +
         std::to_string(k.min_calls) + " " + ms(k.window) + " " + ms(k.open_for) + " " +
         std::to_string(k.half_open_calls) + "\nhedge " + (h.after ? ms(*h.after) : "-") + " " +
         std::to_string(h.budget);
}

}  // namespace mosaic::config
