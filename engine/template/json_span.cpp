#include "template/json_span.hpp"

#include "mosaic/json.hpp"

namespace mosaic::tmpl {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

// `at` is on a string's opening quote; returns the position just past its closing quote.
std::size_t skip_string(std::string_view text, std::size_t at) {
  ++at;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '\\') {
      at += 2;
    } else if (c == '"') {
      return at + 1;
    } else {
      ++at;
    }
  }
  return text.size();
}

// `at` is on a value's first character; returns the position just past its last.
std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) return at;
  const char first = text[at];
  if (first == '"') return skip_string(text, at);
  if (first != '{' && first != '[') {
    while (at < text.size() && !is_space(text[at]) && text[at] != ',' && text[at] != '}' &&
           text[at] != ']')
      ++at;
    return at;
  }
  std::size_t depth = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '"') {
      at = skip_string(text, at);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return at + 1;
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
  std::size_t at = skip_space(text, 0);
  if (path.empty()) {  // the whole value: checked text is one value between blanks, no scan
    std::size_t end = text.size();
    while (end > at && is_space(text[end - 1])) --end;
    return text.substr(at, end - at);
  }
  std::string_view value = text.substr(at, skip_value(text, at) - at);
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
