#pragma once
// Stale-while-revalidate over a byte Cache, with request coalescing in this process and a fleet
// lease across processes that share a backend. Values are stored in an Envelope (envelope.hpp)
// whose times decide freshness; the backend keeps an entry for ttl + stale.
//
// get() (a critical or degradable step):
//   fresh    -> the cached value; the downstream is not called.
//   stale    -> the cached value at once (with its age) and one background refresh per key in
//               this process (`launch`); with a shared backend the refresh first takes the lease.
//   missing  -> one fetch per key in this process: the first request (the leader) calls `fetch`,
//               every concurrent request for the key waits for that answer, each bounded by its
//               own deadline. With a shared backend the leader first takes the lease
//               (`add` on "<prefix>L:<key>"); if another instance holds it, the leader re-reads
//               every lease_poll until the value lands, the lease is released without a value, or
//               the lease time runs out, and only then fetches itself: at most one fetch per
//               instance when a lease is lost.
//               The backend is read once per request on the way to a fetch: lookup()'s read is
//               handed to get() (a `Read`), and the leader reads again only when this process
//               stored a value since (another flight for the key may have just ended).
//   failed   -> the newest value still in the backend is served with its age (a fallback),
//               otherwise the failure. Failures are never stored.
// A leader whose own request was cancelled (a critical sibling failed) hands its waiters a
// "cancelled" answer; a waiter whose request still wants the value tries again.
//
// peek() (a background step): the cached value if fresh or stale, and a background refresh
// unless fresh, so the next request sees the result of this one's refresh.
//
// The backend failing (errors, breaker open) never fails a step: the step goes on uncached.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "cache/cache.hpp"
#include "cache/cache_policy.hpp"
#include "cache/cache_series.hpp"
#include "cache/envelope.hpp"
#include "mosaic/call_context.hpp"
#include "mosaic/downstream.hpp"

namespace mosaic::cache {

struct CacheAnswer {
  CallResult result = Failure::Of(FailureKind::kError);
  // Set when the value served is past its ttl (stale window or fallback): its age in ms, for
  // `_meta.stale`.
  std::optional<std::int64_t> stale_age_ms;
};

struct CachePeek {
  std::optional<std::string> value;          // fresh or stale, as checked JSON text
  std::optional<std::int64_t> stale_age_ms;  // when stale
  bool refreshing = false;                   // a refresh started now or was already running
  bool launched = false;                     // this call started it (its Launch's job will run)
};

class SwrCache : public std::enable_shared_from_this<SwrCache> {
  struct Cached {
    Envelope envelope;  // its payload checked as JSON text
  };

 public:
  using Call = std::function<CallResult()>;
  // What a background refresh does with its downstream call.
  using Job = std::function<void(const Call& call)>;
  // Runs `job` on the background pool, handing it a call with a context of its own (a refresh
  // outlives the request that started it). False when the job could not be queued.
  using Launch = std::function<bool(Job job)>;

  struct Options {
    std::string prefix = "mosaic:";
    std::function<std::int64_t()>
        now_ms;  // unix time in ms; empty: the system clock (tests move it)
    std::chrono::milliseconds lease_poll{5};
    // After a background refresh of a key fails, no other starts for this long (at most the ttl):
    // a downstream that is down is not called back to back while stale values are served.
    std::chrono::milliseconds refresh_backoff{1000};
  };

  // What lookup() read when it could not answer, for the get() that follows: that get() does not
  // read the backend again (a second read of a hung memcached costs a second timeout). Opaque
  // outside SwrCache.
  class Read {
    friend class SwrCache;
    // Past its stale window but still held: served if the fetch fails (a fallback).
    std::optional<Cached> cached;
    std::uint64_t stores_before = 0;  // stores_ when the read began
  };

  static std::shared_ptr<SwrCache> create(std::shared_ptr<Cache> backend, Options options);

  // `looked`: lookup()'s read for this request, used instead of reading the backend again.
  CacheAnswer get(const std::string& key, const CachePolicy& policy, CallContext& context,
                  const Call& fetch, const Launch& launch, StepCacheSeries* series,
                  std::optional<Read> looked = std::nullopt);
  CachePeek peek(const std::string& key, const CachePolicy& policy, const Launch& launch,
                 StepCacheSeries* series);
  // get() without the fetch: the answer when the backend holds a fresh value, or a stale one (a
  // refresh is launched, as get() does); otherwise what the read found, to hand to get(). A
  // backend error is counted here; the miss is counted by get(). Never calls the downstream, so
  // a request thread can ask it itself instead of handing the step to another thread.
  std::variant<CacheAnswer, Read> lookup(const std::string& key, const CachePolicy& policy,
                                         const Launch& launch, StepCacheSeries* series);
  // lookup() for several keys, read from the backend in one exchange (Cache::get_many): the
  // cached steps of a stage cost one round trip to memcached, not one each.
  struct Lookup {
    const std::string& key;
    const CachePolicy& policy;
    Launch launch;
    StepCacheSeries* series = nullptr;
  };
  std::vector<std::variant<CacheAnswer, Read>> lookup_many(std::span<const Lookup> lookups);

  Cache& backend() { return *backend_; }
  const Options& options() const { return options_; }
  std::size_t flights_in_progress() const;
  std::size_t refreshes_in_progress() const;
  std::string value_key(const std::string& key) const { return options_.prefix + "V:" + key; }
  std::string lease_key(const std::string& key) const { return options_.prefix + "L:" + key; }

 private:
  SwrCache(std::shared_ptr<Cache> backend, Options options);

  struct Flight {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    CacheAnswer answer;
  };

  std::int64_t now_ms() const;
  std::optional<Cached> read(const std::string& vkey, StepCacheSeries* series);
  // What a backend read holds, if it is a value of ours whose payload is JSON (counted otherwise).
  std::optional<Cached> decoded(CacheGet got, StepCacheSeries* series);
  Read read_for_flight(const std::string& key, StepCacheSeries* series);
  // A fresh or stale value's answer (counted; a stale one launches a refresh), else nullopt.
  std::optional<CacheAnswer> answer_from(std::optional<Cached>& cached, const std::string& key,
                                         const CachePolicy& policy, const Launch& launch,
                                         StepCacheSeries* series);
  void store(const std::string& vkey, const CallResult& value, const CachePolicy& policy,
             StepCacheSeries* series);
  CacheAnswer lead(const std::string& key, const CachePolicy& policy, CallContext& context,
                   const Call& fetch, const Launch& launch, Read looked, StepCacheSeries* series);
  // Waits for another instance's fetch. A value, or nullopt when the leader should fetch itself.
  std::optional<CacheAnswer> await_lease_holder(const std::string& key, const CachePolicy& policy,
                                                CallContext& context, std::optional<Cached>& older,
                                                StepCacheSeries* series);
  // True when this call launched the refresh (false: one was running already, or the launch
  // failed).
  bool start_refresh(const std::string& key, const CachePolicy& policy, const Launch& launch,
                     StepCacheSeries* series);
  // True when it called the downstream and the call failed.
  bool refresh_now(const std::string& key, const CachePolicy& policy, const Call& call,
                   StepCacheSeries* series);
  CacheAnswer serve(Cached&& cached, std::int64_t now) const;

  std::shared_ptr<Cache> backend_;
  Options options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // misses being fetched
  std::unordered_set<std::string> refreshing_;  // background refreshes running
  std::unordered_map<std::string, Clock::time_point>
      retry_after_;  // keys whose last refresh failed
  // Values this process stored (fetches and refreshes). A leader whose read came before the last
  // store reads again: a flight for its key may have ended between its read and its own flight.
  std::atomic<std::uint64_t> stores_{0};
};

}  // namespace mosaic::cache
