// read_offload and read_monitor: the `offload:` and `monitor:` sections.
#include "config/offload_config.hpp"

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

using namespace std::chrono_literals;

const std::vector<std::string_view> kOffloadKeys = {"threads", "queue", "threshold", "timeout",
                                                    "nice"};
const std::vector<std::string_view> kMonitorKeys = {"tick", "lag_warn"};

}  // namespace

std::string describe(const OffloadConfig& offload) {
  return "threads=" +
         (offload.threads == 0 ? std::string("cores") : std::to_string(offload.threads)) +
         " queue=" + std::to_string(offload.queue) +
         " threshold=" + std::to_string(offload.threshold) +
         " timeout=" + std::to_string(offload.timeout.count()) +
         "ms nice=" + std::to_string(offload.nice);
}

std::string describe(const MonitorConfig& monitor) {
  return "tick=" + std::to_string(monitor.tick.count()) +
         "ms lag_warn=" + std::to_string(monitor.lag_warn.count()) + "ms";
}

void read_offload(const std::string& file, const MapEntry& section, OffloadConfig& offload,
                  Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "offload", kOffloadKeys, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "threads") {
      if (auto n = read_int(file, entry, 1, 256, diagnostics)) offload.threads = *n;
    }
    if (key == "queue") {
      if (auto n = read_int(file, entry, 1, 65536, diagnostics)) offload.queue = *n;
    }
    if (key == "threshold") {
      if (auto size = read_size(file, entry, diagnostics)) offload.threshold = *size;
    }
    if (key == "nice") {
      if (auto n = read_int(file, entry, 0, 19, diagnostics)) offload.nice = *n;
    }
    if (key == "timeout") {
      if (auto d = read_duration(
              file, entry, DurationBounds{false, std::chrono::milliseconds(10min)}, diagnostics)) {
        offload.timeout = *d;
      }
    }
  }
}

void read_monitor(const std::string& file, const MapEntry& section, MonitorConfig& monitor,
                  Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "monitor", kMonitorKeys, diagnostics)) {
    const DurationBounds bounds{false, std::chrono::milliseconds(10s)};
    if (entry.key == "tick") {
      if (auto d = read_duration(file, entry, bounds, diagnostics)) monitor.tick = *d;
    }
    if (entry.key == "lag_warn") {
      if (auto d = read_duration(file, entry, bounds, diagnostics)) monitor.lag_warn = *d;
    }
  }
}

}  // namespace mosaic::config
