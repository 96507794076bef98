#pragma once
// JSON text for a Json value, appended to a string: what Mosaic sends to front ends and, through
// the http plugin, to downstreams.
//
// Why not json::serialize: Boost.JSON 1.81 writes every double in exponent form (42.5 becomes
// 4.25E1), which is valid JSON but not what a front end or a person expects to read, and it
// builds a new string per call where the engine appends many values to one buffer. Numbers here
// are the shortest text that reads back to the same double (std::to_chars), so 42.5 stays 42.5;
// a number that is not finite (no JSON for it) is written as null. Strings are escaped as JSON
// requires (quote, backslash, control characters); other bytes, UTF-8 included, pass through.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "mosaic/json.hpp"

namespace mosaic {

namespace json_text_detail {

// The index of the first byte at or after `from` that JSON must escape (a control character,
// '"' or '\\'), or text.size(). Eight bytes at a time, since most strings have none: a byte below
// 0x20 or equal to one of the two sets the high bit of its lane in one of the three masks.
inline std::size_t find_escape(std::string_view text, std::size_t from) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    const std::uint64_t quote = x ^ (kOnes * '"');
    const std::uint64_t backslash = x ^ (kOnes * '\\');
    const std::uint64_t special =
        ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    if (special & kHighs) break;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace json_text_detail

inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = json_text_detail::find_escape(text, 0); i < text.size();
       i = json_text_detail::find_escape(text, i + 1)) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

namespace json_text_detail {
template <typename Number>
void append_number(std::string& out, Number number) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
  if (error != std::errc()) {
    out.append("null");
    return;
  }
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}
}  // namespace json_text_detail

inline void append_json(std::string& out, const Json& value);

inline void append_json(std::string& out, const json::array& items) {
  out.push_back('[');
  bool first = true;
  for (const Json& item : items) {
    if (!first) out.push_back(',');
    first = false;
    append_json(out, item);
  }
  out.push_back(']');
}

inline void append_json(std::string& out, const json::object& members) {
  out.push_back('{');
  bool first = true;
  for (const auto& member : members) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, std::string_view(member.key().data(), member.key().size()));
    out.push_back(':');
    append_json(out, member.value());
  }
  out.push_back('}');
}

inline void append_json(std::string& out, const Json& value) {
  switch (value.kind()) {
    case json::kind::null:
      out.append("null");
      return;
    case json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      return;
    case json::kind::int64:
      json_text_detail::append_number(out, value.get_int64());
      return;
    case json::kind::uint64:
      json_text_detail::append_number(out, value.get_uint64());
      return;
    case json::kind::double_: {
      const double number = value.get_double();
      if (!std::isfinite(number)) {
        out.append("null");
        return;
      }
      json_text_detail::append_number(out, number);
      return;
    }
    case json::kind::string: {
      const json::string& text = value.get_string();
      append_json_string(out, std::string_view(text.data(), text.size()));
      return;
    }
    case json::kind::array:
      append_json(out, value.get_array());
      return;
    case json::kind::object:
      append_json(out, value.get_object());
      return;
  }
}

template <typename Value>  // Json, json::object or json::array
std::string to_json_text(const Value& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace mosaic
