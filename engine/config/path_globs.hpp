#pragma once
// The `plugins.paths` and `pipelines` patterns: expanded with glob(3), relative ones against the
// folder of the config file that names them, so a config works from any working directory.
#include <string>
#include <vector>

#include "config/engine_config.hpp"

namespace mosaic::config {

// Every path matched by any pattern, sorted, without duplicates. A pattern matching nothing is
// an error at its location: a typo there would otherwise silently serve no endpoints.
std::vector<std::string> expand_globs(const std::vector<NameRef>& patterns,
                                      const std::string& base_dir, Diagnostics& diagnostics);

}  // namespace mosaic::config
