#pragma once
// `offload:` (the CPU offload pool) and `monitor:` (the lag monitor) in mosaic.yaml.
#include <chrono>
#include <cstdint>
#include <string>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"

namespace mosaic::config {

struct OffloadConfig {
  int threads = 0;                          // 0: one per core
  int queue = 128;                          // tasks waiting for a thread; beyond that, refused
  std::uint64_t threshold = 100 * 1024;     // payloads this large (bytes) leave the request thread
  std::chrono::milliseconds timeout{1000};  // longest wait in the queue (never past the deadline)
  int nice = 10;  // the pool's threads run this much nicer than the process
};

struct MonitorConfig {
  std::chrono::milliseconds tick{100};     // how often the lag monitor wakes
  std::chrono::milliseconds lag_warn{50};  // lateness that earns a warn line
};

// Each section in one line, for messages.
std::string describe(const OffloadConfig& offload);
std::string describe(const MonitorConfig& monitor);

void read_offload(const std::string& file, const MapEntry& section, OffloadConfig& offload,
                  Diagnostics& diagnostics);
void read_monitor(const std::string& file, const MapEntry& section, MonitorConfig& monitor,
                  Diagnostics& diagnostics);

}  // namespace mosaic::config
