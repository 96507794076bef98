#include "logging/writer_options.hpp"

namespace mosaic::logging {

LogWriter::Options writer_options(const config::LoggingConfig& config, LogWriter::Options base) {
  if (base.off) return base;
  base.off = config.off;
  base.level = config.level;
  base.sample_rate = config.sample_rate;
  base.adaptive = config.adaptive;
  base.sink = config.sink;
  base.max_field = config.max_field;
  base.slow_request = config.slow_request;
  base.max_queued = static_cast<std::size_t>(config.queue);
  return base;
}

}  // namespace mosaic::logging
