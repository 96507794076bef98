#pragma once
// The `deliver:` section: how background steps run and how their results reach the front end.
#include <chrono>
#include <cstdint>
#include <string>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"

namespace mosaic::config {

struct DeliverConfig {
  std::chrono::milliseconds retain{60000};  // results kept per request id
  std::size_t max_requests = 10000;         // request ids kept at once (oldest evicted)
  std::uint64_t max_bytes = 64u << 20;      // bytes of results kept at once (oldest evicted)
  bool client_ids = false;                  // serve results for client-chosen X-Request-Id values
  int threads = 32;                         // background pool
  int queue = 1024;                         // background steps waiting for a thread; beyond: shed
  std::chrono::milliseconds drain_timeout{5000};  // SIGTERM waits this long for background steps
  int ws_max_connections = 1000;
  std::chrono::milliseconds ws_idle_timeout{60000};
  int ws_send_queue = 256;  // messages waiting for a slow client; beyond: closed
};

void read_deliver(const std::string& file, const MapEntry& section, DeliverConfig& deliver,
                  Diagnostics& diagnostics);

}  // namespace mosaic::config
