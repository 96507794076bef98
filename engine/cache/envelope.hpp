#pragma once
// How a cached step result is stored: a fixed header, then the value's JSON text.
//
//   byte 0       'M'  (so a foreign value under our prefix is not mistaken for one of ours)
//   byte 1       format version (kEnvelopeVersion)
//   bytes 2..25  stored_at, fresh_until, stale_until: unix time in ms, int64 big-endian
//   bytes 26..   the payload (JSON text)
//
// Times are wall-clock (system_clock) because a fleet sharing memcached must agree on them; a
// decoder that meets another version treats the value as absent, so a rolling upgrade that
// changes the format costs one miss per key, never a misread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mosaic::cache {

inline constexpr std::uint8_t kEnvelopeVersion = 1;
inline constexpr std::size_t kEnvelopeHeader = 26;

struct Envelope {
  std::int64_t stored_at_ms = 0;
  std::int64_t fresh_until_ms = 0;  // stored_at + ttl
  std::int64_t stale_until_ms = 0;  // fresh_until + stale
  std::string payload;

  bool fresh_at(std::int64_t now_ms) const { return now_ms < fresh_until_ms; }
  bool usable_at(std::int64_t now_ms) const { return now_ms < stale_until_ms; }  // fresh or stale
  std::int64_t age_at(std::int64_t now_ms) const {
    return now_ms > stored_at_ms ? now_ms - stored_at_ms : 0;
  }
};

std::string encode_envelope(const Envelope& envelope);
// nullopt: too short, not ours, another format version, or times out of order.
std::optional<Envelope> decode_envelope(std::string_view bytes);

}  // namespace mosaic::cache
