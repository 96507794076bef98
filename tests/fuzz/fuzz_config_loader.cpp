// YAML text -> the config and pipeline loaders (through a temp file: the loaders read paths so
// that every error carries file:line:col). Any input must end in a config or diagnostics.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "config/engine_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/mosaic-fuzz-config-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  mosaic::config::Diagnostics pipeline_diagnostics;
  (void)mosaic::config::load_pipeline_file(path, pipeline_diagnostics);
  mosaic::config::Diagnostics engine_diagnostics;
  (void)mosaic::config::load_engine_config(path, engine_diagnostics);
  return 0;
}
