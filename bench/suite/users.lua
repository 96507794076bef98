-- wrk script of the performance suite: GET <BENCH_PREFIX><id>, the id drawn uniformly from
-- 1..BENCH_USERS (default 1000) on every request, so that caches see a realistic spread of keys.
local prefix = os.getenv("BENCH_PREFIX") or "/dashboard/"
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- each thread its own sequence
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  return wrk.format("GET", prefix .. math.random(1, users))
end
