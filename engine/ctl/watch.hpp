#pragma once
// `mosaicctl watch`: a tiny WebSocket client for /_mosaic/ws that prints each background result
// of the given request ids as one JSON line, until all of them are done.
#include <ostream>
#include <string>
#include <vector>

namespace mosaic::ctl {

extern const char* const kWatchUsage;
int watch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace mosaic::ctl
