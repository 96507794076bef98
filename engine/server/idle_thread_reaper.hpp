#pragma once
// Poco's ThreadPool stops threads that have been idle past its idle time only when it is next
// asked for a thread (on every 32nd start): after a burst, the connection threads it grew stay
// until traffic returns, which on a quiet server can be never. The reaper asks it to collect
// them every `every`, so an idle server goes back to the pool's minimum.
#include <chrono>

#include "support/periodic_thread.hpp"

namespace Poco {
class ThreadPool;
}

namespace mosaic::server {

class IdleThreadReaper {
 public:
  // Destruction stops its thread; the pool is left as it is.
  IdleThreadReaper(Poco::ThreadPool& pool, std::chrono::milliseconds every);

 private:
  support::PeriodicThread thread_;
};

}  // namespace mosaic::server
