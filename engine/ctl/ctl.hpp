#pragma once
// mosaicctl's commands as a library, so the tests can run them without a process:
//   validate [options] FILE...           check configs and pipeline files
//   routes   [options] [-c FILE]         endpoints and the pipelines that serve them
//   explain  [options] [-c FILE] METHOD PATH   one request's DAG, stage by stage
// Exit codes: 0 ok, 1 invalid config (or no endpoint matches, for explain), 2 usage.
// docs/mosaicctl.md is the manual.
#include <ostream>
#include <string>
#include <vector>

namespace mosaic::ctl {

constexpr const char* kDefaultConfig = "/etc/mosaic/mosaic.yaml";

// `args` without the program name.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace mosaic::ctl
