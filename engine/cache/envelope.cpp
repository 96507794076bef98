#include "cache/envelope.hpp"

namespace mosaic::cache {

namespace {

constexpr char kMagic = 'M';

void put_i64(std::string& out, std::int64_t value) {
  const auto u = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((u >> shift) & 0xff));
}

std::int64_t get_i64(std::string_view in, std::size_t at) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + i]);
  return static_cast<std::int64_t>(u);
}

}  // namespace

std::string encode_envelope(const Envelope& envelope) {
  std::string out;
  out.reserve(kEnvelopeHeader + envelope.payload.size());
  out.push_back(kMagic);
  out.push_back(static_cast<char>(kEnvelopeVersion));
  put_i64(out, envelope.stored_at_ms);
  put_i64(out, envelope.fresh_until_ms);
  put_i64(out, envelope.stale_until_ms);
  out += envelope.payload;
  return out;
}

std::optional<Envelope> decode_envelope(std::string_view bytes) {
  if (bytes.size() < kEnvelopeHeader || bytes[0] != kMagic) return std::nullopt;
  if (static_cast<std::uint8_t>(bytes[1]) != kEnvelopeVersion) return std::nullopt;
  Envelope e;
  e.stored_at_ms = get_i64(bytes, 2);
  e.fresh_until_ms = get_i64(bytes, 10);
  e.stale_until_ms = get_i64(bytes, 18);
  if (e.fresh_until_ms < e.stored_at_ms || e.stale_until_ms < e.fresh_until_ms) return std::nullopt;
  e.payload.assign(bytes.substr(kEnvelopeHeader));
  return e;
}

}  // namespace mosaic::cache
