#pragma once
// Names the calling thread as `top -H -p $(pidof mosaicd)`, `ps -L` and profilers show it
// ("steps", "background", "connection"), so that ops and profiles can tell the pools apart.
// Linux keeps 15 bytes of a name; the rest is cut.
#include <string_view>

namespace mosaic::support {

void name_this_thread(std::string_view name);

}  // namespace mosaic::support
