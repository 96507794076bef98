#include "template/json_span.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "mosaic/json.hpp"

namespace mosaic::tmpl {

namespace {

// The scan runs over every byte before the value it looks for, once per path read, so it is the
// hot loop of a page that reads parts of its results: bytes are classified by one table lookup,
// and the inside of a string (most of a JSON document) is crossed eight bytes at a time.

enum ByteClass : std::uint8_t { kPlain = 0, kQuote, kOpen, kClose, kSpace, kComma };

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> classes{};
  classes['"'] = kQuote;
  classes['{'] = kOpen;
  classes['['] = kOpen;
  classes['}'] = kClose;
  classes[']'] = kClose;
  classes[' '] = kSpace;
  classes['\t'] = kSpace;
  classes['\n'] = kSpace;
  classes['\r'] = kSpace;
  classes[','] = kComma;
  return classes;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

std::uint8_t class_of(char c) {
  return kClasses[static_cast<unsigned char>(c)];
}

bool is_space(char c) {
  return class_of(c) == kSpace;
}

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

// The first '"' or '\\' at or after `at`, or text.size(): the same eight-lane test as the JSON
// writer's escape search (mosaic/json_text.hpp). A lane's high bit is set for a byte that matches
// and, through the borrow, possibly for bytes after it, never before: the lowest set bit is the
// first match (bytes are loaded little-endian, the first byte lowest), so it is taken directly.
std::size_t find_quote_or_backslash(std::string_view text, std::size_t at) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  static_assert(std::endian::native == std::endian::little);
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + at, 8);
    const std::uint64_t quote = x ^ (kOnes * '"');
    const std::uint64_t backslash = x ^ (kOnes * '\\');
    const std::uint64_t found =
        (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHighs;
    if (found != 0) return at + static_cast<std::size_t>(std::countr_zero(found) / 8);
  }
  while (at < text.size() && text[at] != '"' && text[at] != '\\') ++at;
  return at;
}

// `at` is on a string's opening quote; returns the position just past its closing quote.
std::size_t skip_string(std::string_view text, std::size_t at) {
  ++at;
  while (true) {
    at = find_quote_or_backslash(text, at);
    if (at >= text.size()) return text.size();
    if (text[at] == '"') return at + 1;
    at += 2;  // an escape: the escaped byte cannot end the string
  }
}

// `at` is on a value's first character; returns the position just past its last.
std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) return at;
  const char first = text[at];
  if (first == '"') return skip_string(text, at);
  if (class_of(first) != kOpen) {  // a number or a literal: up to the next delimiter
    while (at < text.size() && class_of(text[at]) == kPlain) ++at;
    return at;
  }
  // A container: only quotes and brackets matter (checked JSON balances them).
  std::size_t depth = 0;
  while (at < text.size()) {
    switch (class_of(text[at])) {
      case kQuote:
        at = skip_string(text, at);
        continue;
      case kOpen:
        ++depth;
        break;
      case kClose:
        if (--depth == 0) return at + 1;
        break;
      default:
        break;
    }
    ++at;
  }
  return at;
}

// Whether the JSON string `quoted` (with its quotes) decodes to `key`.
bool key_equals(std::string_view quoted, std::string_view key) {
  const std::string_view raw = quoted.substr(1, quoted.size() - 2);
  if (raw.find('\\') == std::string_view::npos) return raw == key;
  boost::system::error_code ec;
  const Json decoded = json::parse(quoted, ec);  // escapes: rare in keys, decoded properly
  return !ec && decoded.is_string() && decoded.get_string() == key;
}

// The value of member `key` of the object at `at` (the last one when repeated).
std::optional<std::string_view> member(std::string_view text, std::size_t at,
                                       std::string_view key) {
  std::optional<std::string_view> found;
  at = skip_space(text, at + 1);
  while (at < text.size() && text[at] == '"') {
    const std::size_t key_end = skip_string(text, at);
    const bool match = key_equals(text.substr(at, key_end - at), key);
    at = skip_space(text, key_end);
    at = skip_space(text, at + 1);  // past ':'
    const std::size_t value_end = skip_value(text, at);
    if (match) found = text.substr(at, value_end - at);
    at = skip_space(text, value_end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  return found;
}

// Element `index` of the array at `at`.
std::optional<std::string_view> element(std::string_view text, std::size_t at, std::size_t index) {
  at = skip_space(text, at + 1);
  for (std::size_t i = 0; at < text.size() && text[at] != ']'; ++i) {
    const std::size_t value_end = skip_value(text, at);
    if (i == index) return text.substr(at, value_end - at);
    at = skip_space(text, value_end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> find_json_path(std::string_view text,
                                               std::span<const PathPart> path) {
  // Checked text is one value between blanks: trimming finds it without scanning it.
  std::size_t begin = skip_space(text, 0);
  std::size_t end = text.size();
  while (end > begin && is_space(text[end - 1])) --end;
  std::string_view value = text.substr(begin, end - begin);
  for (const PathPart& part : path) {
    if (value.empty()) return std::nullopt;
    std::optional<std::string_view> next;
    if (value.front() == '{') {
      next = member(value, 0, part.key);
    } else if (value.front() == '[' && part.index) {
      next = element(value, 0, *part.index);
    }
    if (!next) return std::nullopt;
    value = *next;
  }
  return value;
}

}  // namespace mosaic::tmpl
