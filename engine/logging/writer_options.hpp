#pragma once
// The `logging:` config section as LogWriter options.
#include "config/logging_config.hpp"
#include "logging/log_writer.hpp"

namespace mosaic::logging {

// `base` keeps what the config does not say (the queue's fd for tests); base.off wins, so a test
// harness that silences the engine stays silent whatever the config says.
LogWriter::Options writer_options(const config::LoggingConfig& config, LogWriter::Options base);

}  // namespace mosaic::logging
