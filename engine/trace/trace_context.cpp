#include "trace/trace_context.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

#include "support/random_bytes.hpp"

namespace mosaic::trace {

namespace {

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

// key = simple-key / multi-tenant-key (lcalpha, digits, "_-*/" and one '@' for tenant@system).
bool is_tracestate_key(std::string_view key) {
  if (key.empty() || key.size() > 256) return false;
  const std::size_t at = key.find('@');
  if (at != std::string_view::npos &&
      (at == 0 || at + 1 == key.size() || key.size() - at - 1 > 14 || at > 241)) {
    return false;
  }
  if (at == std::string_view::npos && !(key[0] >= 'a' && key[0] <= 'z') &&
      !(key[0] >= '0' && key[0] <= '9')) {
    return false;
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (i == at) continue;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    c == '*' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// value = 0*255(chr) nblk-chr, chr = %x20 / nblk-chr, nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool is_tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * bytes, '0');
  do {
    std::array<std::uint8_t, 32> raw{};
    support::random_bytes(raw.data(), bytes);
    for (std::size_t i = 0; i < bytes; ++i) {
      out[2 * i] = kHex[raw[i] >> 4];
      out[2 * i + 1] = kHex[raw[i] & 0xF];
    }
  } while (all_zero(out));
  return out;
}

std::optional<TraceParent> parse_traceparent(std::string_view header) {
  header = trim(header);
  if (header.size() < 55) return std::nullopt;
  const std::string_view version = header.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  // A later version may add fields, always after a '-'.
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  const std::string_view trace_id = header.substr(3, 32);
  const std::string_view span_id = header.substr(36, 16);
  const std::string_view flags = header.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags))
    return std::nullopt;
  if (all_zero(trace_id) || all_zero(span_id)) return std::nullopt;
  return TraceParent{std::string(trace_id), std::string(span_id), std::string(flags)};
}

bool is_valid_tracestate(std::string_view header) {
  if (header.size() > 8192) return false;
  std::size_t members = 0;
  while (true) {
    const std::size_t comma = header.find(',');
    const std::string_view member = trim(header.substr(0, comma));
    if (!member.empty()) {
      if (++members > 32) return false;
      const std::size_t eq = member.find('=');
      if (eq == std::string_view::npos) return false;
      if (!is_tracestate_key(member.substr(0, eq)) || !is_tracestate_value(member.substr(eq + 1)))
        return false;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return true;
}

TraceContext continue_or_start(std::string_view traceparent, std::string_view tracestate) {
  TraceContext context;
  if (auto parent = parse_traceparent(traceparent)) {
    context.trace_id = std::move(parent->trace_id);
    context.parent_span_id = std::move(parent->span_id);
    // Only the sampled bit is defined for version 00; other bits are not ours to pass on.
    const int bits = std::stoi(parent->flags, nullptr, 16);
    context.flags = (bits & 1) ? "01" : "00";
    if (!tracestate.empty() && is_valid_tracestate(tracestate))
      context.tracestate = std::string(trim(tracestate));
  } else {
    context.trace_id = random_hex(16);
  }
  context.span_id = random_hex(8);
  return context;
}

std::string TraceContext::child_traceparent() const {
  return "00-" + trace_id + "-" + random_hex(8) + "-" + flags;
}

std::string TraceContext::traceparent() const {
  return "00-" + trace_id + "-" + span_id + "-" + flags;
}

}  // namespace mosaic::trace
