#pragma once
// `logging:` in mosaic.yaml: how much is logged, where it goes, and what a line may carry.
#include <chrono>
#include <cstdint>
#include <string>

#include "config/map_reader.hpp"
#include "config/source_location.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::config {

struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  bool off = false;                // `level: off`: nothing at all is written
  double sample_rate = 0.1;        // share of requests whose info/debug lines are kept
  bool adaptive = true;            // raise the rate while the error rate is high
  std::string sink = "stderr";     // "stdout", "stderr" or "file:<path>" (path resolved)
  SourceLocation sink_where;       // for an error opening the file at start-up
  std::uint64_t max_field = 1024;  // a larger field is replaced by <name>_size
  std::chrono::milliseconds slow_request{1000};  // access lines of slower requests are always kept
  int queue = 8192;  // lines waiting for the writer; beyond that, dropped
};

// The section in one line, for messages ("level=info sample_rate=0.1 ...").
std::string describe(const LoggingConfig& logging);

// Reads the `logging:` section. `base_dir` resolves a relative file sink.
void read_logging(const std::string& file, const MapEntry& section, const std::string& base_dir,
                  LoggingConfig& logging, Diagnostics& diagnostics);

}  // namespace mosaic::config
