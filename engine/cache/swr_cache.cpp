#include "cache/swr_cache.hpp"

#include <algorithm>

#include "downstream/json_text_check.hpp"
#include "mosaic/json_text.hpp"
#include "response/result_text.hpp"

namespace mosaic::cache {

namespace {

void bump(StepCacheSeries* series, metrics::Counter* StepCacheSeries::*counter) {
  if (series) (series->*counter)->inc();
}

template <typename T>
bool newer(const std::optional<T>& a, const std::optional<T>& b) {
  return a && (!b || a->envelope.stored_at_ms > b->envelope.stored_at_ms);
}

}  // namespace

std::shared_ptr<SwrCache> SwrCache::create(std::shared_ptr<Cache> backend, Options options) {
  return std::shared_ptr<SwrCache>(new SwrCache(std::move(backend), std::move(options)));
}

SwrCache::SwrCache(std::shared_ptr<Cache> backend, Options options)
    : backend_(std::move(backend)), options_(std::move(options)) {}

std::int64_t SwrCache::now_ms() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::size_t SwrCache::flights_in_progress() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

std::size_t SwrCache::refreshes_in_progress() const {
  std::lock_guard lock(mutex_);
  return refreshing_.size();
}

std::optional<SwrCache::Cached> SwrCache::read(const std::string& vkey, StepCacheSeries* series) {
  return decoded(backend_->get(vkey), series);
}

std::optional<SwrCache::Cached> SwrCache::decoded(CacheGet got, StepCacheSeries* series) {
  if (got.status == CacheStatus::kError) {
    bump(series, &StepCacheSeries::error);
    return std::nullopt;
  }
  if (got.status != CacheStatus::kOk) return std::nullopt;
  auto envelope = decode_envelope(got.value);
  if (!envelope) return std::nullopt;  // not ours, or another format version: a miss
  // Served as text, never parsed here: it is checked as any JSON text is before it may be spliced
  // into an answer (a value written by something else under our prefix counts as an error).
  if (downstream::check_json_text(envelope->payload)) {
    bump(series, &StepCacheSeries::error);
    return std::nullopt;
  }
  return Cached{std::move(*envelope)};
}

SwrCache::Read SwrCache::read_for_flight(const std::string& key, StepCacheSeries* series) {
  Read out;
  // Taken before the read, so a store that lands while it runs counts as one made since.
  out.stores_before = stores_.load();
  out.cached = read(value_key(key), series);
  return out;
}

void SwrCache::store(const std::string& vkey, const CallResult& value, const CachePolicy& policy,
                     StepCacheSeries* series) {
  Envelope envelope;
  envelope.stored_at_ms = now_ms();
  envelope.fresh_until_ms = envelope.stored_at_ms + policy.ttl.count();
  envelope.stale_until_ms = envelope.fresh_until_ms + policy.stale.count();
  envelope.payload = response::result_json_text(value);
  if (backend_->set(vkey, encode_envelope(envelope), policy.ttl + policy.stale) ==
      CacheStatus::kError) {
    bump(series, &StepCacheSeries::error);
    return;
  }
  ++stores_;
}

CacheAnswer SwrCache::serve(Cached&& cached, std::int64_t now) const {
  CacheAnswer answer;
  if (!cached.envelope.fresh_at(now)) answer.stale_age_ms = cached.envelope.age_at(now);
  answer.result = JsonText{std::move(cached.envelope.payload)};
  return answer;
}

std::optional<CacheAnswer> SwrCache::answer_from(std::optional<Cached>& cached,
                                                 const std::string& key, const CachePolicy& policy,
                                                 const Launch& launch, StepCacheSeries* series) {
  const std::int64_t now = now_ms();
  if (cached && cached->envelope.fresh_at(now)) {
    bump(series, &StepCacheSeries::fresh);
    return serve(std::move(*cached), now);
  }
  if (cached && cached->envelope.usable_at(now)) {
    bump(series, &StepCacheSeries::stale);
    start_refresh(key, policy, launch, series);
    return serve(std::move(*cached), now);
  }
  return std::nullopt;
}

std::variant<CacheAnswer, SwrCache::Read> SwrCache::lookup(const std::string& key,
                                                           const CachePolicy& policy,
                                                           const Launch& launch,
                                                           StepCacheSeries* series) {
  const Lookup one{key, policy, launch, series};
  return std::move(lookup_many({&one, 1}).front());
}

std::vector<std::variant<CacheAnswer, SwrCache::Read>> SwrCache::lookup_many(
    std::span<const Lookup> lookups) {
  std::vector<std::string> vkeys;
  vkeys.reserve(lookups.size());
  for (const Lookup& lookup : lookups) vkeys.push_back(value_key(lookup.key));
  const std::uint64_t stores_before = stores_.load();  // as read_for_flight: before the read
  std::vector<CacheGet> got = backend_->get_many(vkeys);
  std::vector<std::variant<CacheAnswer, Read>> out;
  out.reserve(lookups.size());
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    const Lookup& lookup = lookups[i];
    Read looked;
    looked.stores_before = stores_before;
    looked.cached = decoded(std::move(got[i]), lookup.series);
    if (auto answer =
            answer_from(looked.cached, lookup.key, lookup.policy, lookup.launch, lookup.series)) {
      out.emplace_back(std::move(*answer));
    } else {
      out.emplace_back(std::move(looked));
    }
  }
  return out;
}

CacheAnswer SwrCache::get(const std::string& key, const CachePolicy& policy, CallContext& context,
                          const Call& fetch, const Launch& launch, StepCacheSeries* series,
                          std::optional<Read> looked) {
  bool counted = false;
  while (true) {
    // The first pass takes lookup()'s read when there was one; a pass after a cancelled leader
    // reads afresh.
    Read current = looked ? std::move(*looked) : read_for_flight(key, series);
    looked.reset();
    std::optional<Cached>& cached = current.cached;
    if (auto answer = answer_from(cached, key, policy, launch, series)) return std::move(*answer);

    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::lock_guard lock(mutex_);
      auto& slot = flights_[key];
      bool finished = false;
      if (slot) {
        // A flight that already answered is on its way out of the map; its answer may be a
        // cancelled leader's, so start a new one (its leader re-reads the backend if that flight
        // stored a value).
        std::lock_guard flight_lock(slot->mutex);
        finished = slot->done;
      }
      if (!slot || finished) {
        slot = std::make_shared<Flight>();
        leader = true;
      }
      flight = slot;
    }

    if (leader) {
      CacheAnswer answer = lead(key, policy, context, fetch, launch, std::move(current), series);
      {
        std::lock_guard lock(flight->mutex);
        flight->done = true;
        flight->answer = answer;
      }
      flight->done_cv.notify_all();
      std::lock_guard lock(mutex_);
      auto it = flights_.find(key);
      if (it != flights_.end() && it->second == flight) flights_.erase(it);
      return answer;
    }

    if (!counted) bump(series, &StepCacheSeries::coalesced);
    counted = true;
    {
      // Registered before the lock: a context already cancelled runs the callback right here.
      CancelRegistration wake = context.on_cancel([flight] {
        { std::lock_guard lock(flight->mutex); }
        flight->done_cv.notify_all();
      });
      std::unique_lock lock(flight->mutex);
      flight->done_cv.wait_until(lock, context.deadline(),
                                 [&] { return flight->done || context.cancelled(); });
      if (flight->done) {
        const CacheAnswer& answer = flight->answer;
        const bool leader_gave_up =
            !answer.result.ok() && answer.result.failure().kind == FailureKind::kCancelled;
        if (!leader_gave_up || context.cancelled()) return answer;
      }
    }
    if (context.cancelled() || Clock::now() >= context.deadline()) {
      // Out of time while waiting: an older value still beats nothing.
      if (cached) {
        bump(series, &StepCacheSeries::fallback);
        return serve(std::move(*cached), now_ms());
      }
      return CacheAnswer{context.cancelled() ? context.interruption()
                                             : Failure::Timeout("waiting for a coalesced fetch"),
                         std::nullopt};
    }
    // The leader's request was cancelled before its fetch finished: try again, maybe as leader.
  }
}

CacheAnswer SwrCache::lead(const std::string& key, const CachePolicy& policy, CallContext& context,
                           const Call& fetch, const Launch& launch, Read looked,
                           StepCacheSeries* series) {
  const std::string vkey = value_key(key);
  std::optional<Cached> older = std::move(looked.cached);
  // A value that landed after our read is served instead of fetching again.
  auto reread = [&]() -> std::optional<CacheAnswer> {
    std::optional<Cached> again = read(vkey, series);
    if (auto answer = answer_from(again, key, policy, launch, series)) return answer;
    if (newer(again, older)) older = std::move(again);
    return std::nullopt;
  };

  // A flight of this process may have stored the value between our read and taking this one.
  // Only then is it worth a read: a plain miss reads the backend once.
  if (stores_.load() != looked.stores_before) {
    if (auto answer = reread()) return std::move(*answer);
  }

  bool leased = false;
  if (backend_->shared()) {
    const std::string lkey = lease_key(key);
    CacheStatus status = backend_->add(lkey, "1", policy.lease);
    if (status == CacheStatus::kNotStored) {
      if (auto answer = await_lease_holder(key, policy, context, older, series))
        return std::move(*answer);
      if (context.cancelled()) {
        bump(series, &StepCacheSeries::miss);
        return CacheAnswer{context.interruption(), std::nullopt};
      }
      status =
          backend_->add(lkey, "1", policy.lease);  // the holder is gone: hold it for the others
    }
    if (status == CacheStatus::kError) bump(series, &StepCacheSeries::error);
    leased = status == CacheStatus::kOk;
    // A holder stores its value before it releases the lease, so any fetch of the key that ended
    // before we took it (in another instance, since our read) has its value in the backend now.
    if (leased) {
      if (auto answer = reread()) {
        backend_->del(lkey);
        return std::move(*answer);
      }
    }
  }

  bump(series, &StepCacheSeries::miss);
  CallResult result = fetch();
  if (result.ok()) {
    store(vkey, result, policy, series);
    if (leased) backend_->del(lease_key(key));
    return CacheAnswer{std::move(result), std::nullopt};
  }
  if (leased) backend_->del(lease_key(key));
  // Our own request gave up: no fallback, so that waiters with time left fetch again.
  if (result.failure().kind == FailureKind::kCancelled)
    return CacheAnswer{std::move(result), std::nullopt};
  // The newest value still present (another instance may have stored one meanwhile).
  if (auto latest = read(vkey, series); newer(latest, older)) older = std::move(latest);
  if (older) {
    bump(series, &StepCacheSeries::fallback);
    return serve(std::move(*older), now_ms());
  }
  return CacheAnswer{std::move(result), std::nullopt};
}

std::optional<CacheAnswer> SwrCache::await_lease_holder(const std::string& key,
                                                        const CachePolicy& policy,
                                                        CallContext& context,
                                                        std::optional<Cached>& older,
                                                        StepCacheSeries* series) {
  const std::string vkey = value_key(key);
  const std::string lkey = lease_key(key);
  // The holder's value once it has landed; an older one is kept for a fallback.
  auto landed = [&]() -> std::optional<CacheAnswer> {
    std::optional<Cached> got = read(vkey, series);
    const std::int64_t now = now_ms();
    if (got && got->envelope.usable_at(now)) {
      bump(series, &StepCacheSeries::coalesced);
      return serve(std::move(*got), now);
    }
    if (newer(got, older)) older = std::move(got);
    return std::nullopt;
  };
  const Clock::time_point until = std::min(context.deadline(), Clock::now() + policy.lease);
  while (Clock::now() < until) {
    const auto left = std::chrono::duration_cast<Clock::duration>(until - Clock::now());
    if (!context.wait_for(std::min<Clock::duration>(options_.lease_poll, left)))
      return std::nullopt;
    if (auto answer = landed()) return answer;
    CacheGet lease = backend_->get(lkey);
    if (lease.status == CacheStatus::kMiss) {
      // Released. The holder stores its value before it releases the lease, and it may have done
      // both since the read above: read once more before taking the release as a failed fetch.
      if (auto answer = landed()) return answer;
      // Released without a value: the holder's fetch failed. Do not pile onto a failing
      // downstream when an older value can answer.
      if (older) {
        bump(series, &StepCacheSeries::fallback);
        return serve(std::move(*older), now_ms());
      }
      return std::nullopt;
    }
    if (lease.status == CacheStatus::kError) return std::nullopt;  // the backend is failing: fetch
  }
  return std::nullopt;
}

bool SwrCache::start_refresh(const std::string& key, const CachePolicy& policy,
                             const Launch& launch, StepCacheSeries* series) {
  {
    std::lock_guard lock(mutex_);
    if (auto backoff = retry_after_.find(key); backoff != retry_after_.end()) {
      if (Clock::now() < backoff->second) return false;
      retry_after_.erase(backoff);
    }
    if (!refreshing_.insert(key).second) return false;  // one refresh per key at a time
  }
  std::weak_ptr<SwrCache> weak = weak_from_this();
  Job job = [weak, key, policy, series](const Call& call) {
    auto self = weak.lock();
    if (!self) return;
    const bool failed = self->refresh_now(key, policy, call, series);
    std::lock_guard lock(self->mutex_);
    self->refreshing_.erase(key);
    if (failed) {
      const auto backoff =
          std::min<std::chrono::milliseconds>(self->options_.refresh_backoff, policy.ttl);
      self->retry_after_[key] = Clock::now() + backoff;
    }
  };
  if (!launch || !launch(std::move(job))) {
    std::lock_guard lock(mutex_);
    refreshing_.erase(key);
    return false;
  }
  bump(series, &StepCacheSeries::refresh);
  return true;
}

bool SwrCache::refresh_now(const std::string& key, const CachePolicy& policy, const Call& call,
                           StepCacheSeries* series) {
  const std::string vkey = value_key(key);
  const std::string lkey = lease_key(key);
  bool leased = false;
  if (backend_->shared()) {
    const CacheStatus status = backend_->add(lkey, "1", policy.lease);
    if (status == CacheStatus::kNotStored) return false;  // another instance is refreshing it
    if (status == CacheStatus::kError) bump(series, &StepCacheSeries::error);
    leased = status == CacheStatus::kOk;
    // It may have refreshed it just before we took the lease.
    if (auto current = read(vkey, series); current && current->envelope.fresh_at(now_ms())) {
      if (leased) backend_->del(lkey);
      return false;
    }
  }
  CallResult result = call();
  if (result.ok()) store(vkey, result, policy, series);
  if (leased) backend_->del(lkey);
  return !result.ok();
}

CachePeek SwrCache::peek(const std::string& key, const CachePolicy& policy, const Launch& launch,
                         StepCacheSeries* series) {
  CachePeek out;
  std::optional<Cached> cached = read(value_key(key), series);
  const std::int64_t now = now_ms();
  if (cached && cached->envelope.fresh_at(now)) {
    bump(series, &StepCacheSeries::fresh);
    out.value = std::move(cached->envelope.payload);
    return out;
  }
  if (cached && cached->envelope.usable_at(now)) {
    bump(series, &StepCacheSeries::stale);
    out.stale_age_ms = cached->envelope.age_at(now);
    out.value = std::move(cached->envelope.payload);
  } else {
    bump(series, &StepCacheSeries::miss);
  }
  out.launched = start_refresh(key, policy, launch, series);
  out.refreshing = true;
  return out;
}

}  // namespace mosaic::cache
