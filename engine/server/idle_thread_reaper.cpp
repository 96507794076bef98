#include "server/idle_thread_reaper.hpp"

#include <Poco/ThreadPool.h>

namespace mosaic::server {

IdleThreadReaper::IdleThreadReaper(Poco::ThreadPool& pool, std::chrono::milliseconds every)
    : thread_(every, [&pool] { pool.collect(); }) {}

}  // namespace mosaic::server
