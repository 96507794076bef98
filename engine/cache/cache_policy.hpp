#pragma once
// How long one cached step's values live: fresh for `ttl`, then stale (served at once while one
// background refresh runs) for `stale` more; the fleet lease on a refresh lasts `lease`.
#include <chrono>

namespace mosaic::cache {

struct CachePolicy {
  std::chrono::milliseconds ttl{60000};
  std::chrono::milliseconds stale{0};
  // A little over the step's call timeout: long enough that the holder finishes before it
  // expires, short enough that a crashed holder blocks nobody for long.
  std::chrono::milliseconds lease{1250};

  static std::chrono::milliseconds lease_for(std::chrono::milliseconds call_timeout) {
    const auto margin = std::max(std::chrono::milliseconds(100), call_timeout / 4);
    return call_timeout + margin;
  }
};

}  // namespace mosaic::cache
