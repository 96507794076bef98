#include "cache/memcached_cache.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <libmemcached-1.0/memcached.h>
#include <libmemcachedutil-1.0/pool.h>

#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace mosaic::cache {

namespace {

constexpr std::size_t kMaxWireKey = 240;  // memcached's limit is 250
constexpr std::uint32_t kMaxRelativeExpiry =
    60 * 60 * 24 * 30 - 1;  // past 30 days memcached reads a unix time

metrics::Registry& registry() {
  return metrics::Registry::global();
}

metrics::Gauge& open_gauge(const std::string& server) {
  return registry().gauge("mosaic_cache_breaker_open",
                          "1 while the breaker in front of a cache server is open (calls skip it).",
                          {{"server", server}});
}

bool safe_key_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

void check(memcached_return_t rc, memcached_st* mc, const std::string& what) {
  if (rc != MEMCACHED_SUCCESS) {
    throw std::runtime_error("memcached: " + what + ": " + memcached_strerror(mc, rc));
  }
}

}  // namespace

std::string MemcachedCache::wire_key(std::string_view key) {
  bool ok = !key.empty() && key.size() <= kMaxWireKey;
  for (std::size_t i = 0; ok && i < key.size(); ++i) ok = safe_key_char(key[i]);
  if (ok) return std::string(key);
  Poco::SHA1Engine sha;
  sha.update(key.data(), static_cast<unsigned>(key.size()));
  return "#" + Poco::DigestEngine::digestToHex(sha.digest());
}

std::uint32_t MemcachedCache::wire_expiry(std::chrono::milliseconds ttl) {
  const auto ms = std::max<std::int64_t>(ttl.count(), 1);
  const auto seconds = static_cast<std::uint64_t>((ms + 999) / 1000 + 1);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(seconds, kMaxRelativeExpiry));
}

MemcachedCache::MemcachedCache(Options options)
    : options_(std::move(options)),
      pool_timeouts_(registry().counter(
          "mosaic_cache_pool_timeouts_total",
          "Cache calls that found no free memcached connection within cache.timeout.")) {
  if (options_.servers.empty()) throw std::runtime_error("memcached: no servers");
  master_ = memcached_create(nullptr);
  if (!master_) throw std::runtime_error("memcached: cannot create a client");
  try {
    const auto timeout_ms =
        static_cast<std::uint64_t>(std::max<std::int64_t>(options_.timeout.count(), 1));
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                 MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA),
          master_, "ketama distribution");
    // NO_BLOCK is what makes CONNECT_TIMEOUT apply; the defaults (4 s connect, 5 s poll) would
    // let a sick memcached hold a request for seconds.
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_NO_BLOCK, 1), master_, "no_block");
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1), master_,
          "tcp_nodelay");
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, timeout_ms), master_,
          "connect timeout");
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, timeout_ms), master_,
          "poll timeout");
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_SND_TIMEOUT, timeout_ms * 1000),
          master_, "send timeout");
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, timeout_ms * 1000),
          master_, "receive timeout");
    // A refused server is skipped by libmemcached for this long (seconds) before it retries.
    check(memcached_behavior_set(master_, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1), master_,
          "retry timeout");
    for (std::size_t i = 0; i < options_.servers.size(); ++i) {
      const Server& s = options_.servers[i];
      check(memcached_server_add(master_, s.host.c_str(), s.port), master_, "server " + s.str());
      const std::string name = s.str();
      servers_.push_back(std::make_unique<ServerState>(
          name, options_.breaker,
          [this, i](CacheBreaker::State from, CacheBreaker::State to) {
            on_breaker_change(i, from, to);
          },
          registry().counter("mosaic_cache_breaker_rejected_total",
                             "Cache calls refused at once because the server's breaker is open.",
                             {{"server", name}}),
          registry().counter("mosaic_cache_server_errors_total",
                             "Cache calls that failed at a server (timeout, refused, reset).",
                             {{"server", name}})));
      open_gauge(name).set(0);
    }
    pool_ = memcached_pool_create(master_, std::min<std::uint32_t>(4, options_.max_connections),
                                  std::max<std::uint32_t>(1, options_.max_connections));
    if (!pool_) throw std::runtime_error("memcached: cannot create the connection pool");
  } catch (...) {
    memcached_free(master_);
    throw;
  }
}

MemcachedCache::~MemcachedCache() {
  if (pool_) memcached_pool_destroy(pool_);
  if (master_) memcached_free(master_);
}

void MemcachedCache::on_breaker_change(std::size_t index, CacheBreaker::State from,
                                       CacheBreaker::State to) {
  const std::string& name = servers_[index]->name;
  const bool opened = to == CacheBreaker::State::kOpen;
  open_gauge(name).set(opened ? 1 : 0);
  registry()
      .counter("mosaic_cache_breaker_transitions_total",
               "Breaker state changes of a cache server, by new state.",
               {{"server", name}, {"to", to_string(to)}})
      .inc();
  if (!options_.logger) return;
  const json::object fields{{"server", name},
                            {"from", to_string(from)},
                            {"to", to_string(to)},
                            {"probe_after_ms", options_.breaker.probe_after.count()}};
  if (opened) {
    options_.logger->warn("cache server failing: its keys go uncached until a probe succeeds",
                          fields);
  } else {
    options_.logger->warn("cache server answering again: caching resumed", fields);
  }
}

std::uint32_t MemcachedCache::server_of(const std::string& wire) const {
  // The master client only computes the ring position here (a const lookup, no I/O), so a key
  // owned by a server whose breaker is open is refused before it waits for a connection.
  const std::uint32_t index = memcached_generate_hash(master_, wire.data(), wire.size());
  return index < servers_.size() ? index : 0;
}

memcached_st* MemcachedCache::connection_for(ServerState& server) {
  if (!server.breaker.allow()) {
    server.rejected.inc();
    return nullptr;
  }
  const auto ms = options_.timeout.count();
  timespec wait{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  memcached_return_t rc = MEMCACHED_SUCCESS;
  memcached_st* mc = memcached_pool_fetch(pool_, &wait, &rc);
  if (!mc) {
    // Every connection is busy: usually stuck on a hung server.
    pool_timeouts_.inc();
    server.breaker.record(false);
  }
  return mc;
}

template <typename Op>
CacheStatus MemcachedCache::run(const std::string& key, Op&& op) {
  ServerState& server = *servers_[server_of(key)];
  memcached_st* mc = connection_for(server);
  if (!mc) return CacheStatus::kError;
  const memcached_return_t rc = op(mc);
  memcached_pool_release(pool_, mc);
  CacheStatus status = CacheStatus::kError;
  switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_STORED:
    case MEMCACHED_DELETED:
      status = CacheStatus::kOk;
      break;
    case MEMCACHED_NOTFOUND:
      status = CacheStatus::kMiss;
      break;
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_DATA_EXISTS:
    case MEMCACHED_E2BIG:
    case MEMCACHED_SERVER_ERROR:  // "object too large for cache" and the like: the server answered
      status = CacheStatus::kNotStored;
      break;
    default:
      break;
  }
  server.breaker.record(status != CacheStatus::kError);
  if (status == CacheStatus::kError) server.errors.inc();
  return status;
}

CacheGet MemcachedCache::get(std::string_view key) {
  const std::string wire = wire_key(key);
  CacheGet out;
  out.status = run(wire, [&](memcached_st* mc) {
    std::size_t length = 0;
    std::uint32_t flags = 0;
    memcached_return_t rc = MEMCACHED_SUCCESS;
    char* value = memcached_get(mc, wire.data(), wire.size(), &length, &flags, &rc);
    if (value) {
      out.value.assign(value, length);
      std::free(value);
    }
    return rc;
  });
  if (out.status == CacheStatus::kNotStored) out.status = CacheStatus::kMiss;
  return out;
}

std::vector<CacheGet> MemcachedCache::get_many(std::span<const std::string> keys) {
  if (keys.size() == 1) return {get(keys.front())};
  std::vector<CacheGet> out(keys.size());
  std::vector<std::string> wires;
  wires.reserve(keys.size());
  std::vector<std::vector<std::size_t>> by_server(servers_.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    wires.push_back(wire_key(keys[i]));
    by_server[server_of(wires.back())].push_back(i);
  }
  for (std::size_t server = 0; server < by_server.size(); ++server) {
    if (!by_server[server].empty()) get_group(server, wires, by_server[server], out);
  }
  return out;
}

void MemcachedCache::get_group(std::size_t index, const std::vector<std::string>& wires,
                               const std::vector<std::size_t>& group, std::vector<CacheGet>& out) {
  ServerState& server = *servers_[index];
  const auto fail_all = [&] {
    for (std::size_t i : group) out[i] = {CacheStatus::kError, {}};
  };
  memcached_st* mc = connection_for(server);
  if (!mc) return fail_all();
  std::vector<const char*> keys;
  std::vector<std::size_t> lengths;
  for (std::size_t i : group) {
    keys.push_back(wires[i].data());
    lengths.push_back(wires[i].size());
  }
  // Every key of the group is on this server: the first names it.
  const std::string& first = wires[group.front()];
  const memcached_return_t rc = memcached_mget_by_key(mc, first.data(), first.size(), keys.data(),
                                                      lengths.data(), keys.size());
  bool ok = rc == MEMCACHED_SUCCESS;
  if (ok) {
    // Read to the end even past an answer for every key: the connection goes back to the pool
    // and must hold nothing unread.
    // On this stack, not allocated by libmemcached: memcached_fetch_result frees a result it
    // allocated itself when the answers end, and resets one it did not.
    memcached_result_st storage;
    memcached_result_st* result = memcached_result_create(mc, &storage);
    while (true) {
      memcached_return_t fetched = MEMCACHED_SUCCESS;
      if (!memcached_fetch_result(mc, result, &fetched)) {
        ok = fetched == MEMCACHED_END || fetched == MEMCACHED_NOTFOUND;
        break;
      }
      const std::string_view key(memcached_result_key_value(result),
                                 memcached_result_key_length(result));
      for (std::size_t i : group) {  // the same key may be asked twice
        if (wires[i] == key) {
          out[i] = {CacheStatus::kOk,
                    std::string(memcached_result_value(result), memcached_result_length(result))};
        }
      }
    }
    memcached_result_free(result);
  }
  memcached_pool_release(pool_, mc);
  server.breaker.record(ok);
  if (!ok) {
    server.errors.inc();
    fail_all();  // what arrived before the failure may be incomplete: none of it is used
  }
}

CacheStatus MemcachedCache::set(std::string_view key, std::string_view value,
                                std::chrono::milliseconds ttl) {
  const std::string wire = wire_key(key);
  return run(wire, [&](memcached_st* mc) {
    return memcached_set(mc, wire.data(), wire.size(), value.data(), value.size(), wire_expiry(ttl),
                         0);
  });
}

CacheStatus MemcachedCache::add(std::string_view key, std::string_view value,
                                std::chrono::milliseconds ttl) {
  const std::string wire = wire_key(key);
  return run(wire, [&](memcached_st* mc) {
    return memcached_add(mc, wire.data(), wire.size(), value.data(), value.size(), wire_expiry(ttl),
                         0);
  });
}

CacheStatus MemcachedCache::del(std::string_view key) {
  const std::string wire = wire_key(key);
  return run(wire,
             [&](memcached_st* mc) { return memcached_delete(mc, wire.data(), wire.size(), 0); });
}

}  // namespace mosaic::cache
