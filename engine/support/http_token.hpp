#pragma once
// RFC 9110's token (tchar: letters, digits and !#$%&'*+-.^_`|~), the syntax of methods and header
// field names, as a table: every byte of every name of every head, sent or received, goes
// through it.
#include <array>
#include <cstddef>
#include <string_view>

namespace mosaic::support {

inline constexpr std::array<bool, 256> kHttpTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool is_http_token_char(char c) {
  return kHttpTokenChars[static_cast<unsigned char>(c)];
}

// Case-insensitive ASCII equality: header names and the tokens of their values.
inline bool http_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Without the optional whitespace (spaces and tabs) around it.
inline std::string_view http_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-empty run of token bytes.
inline bool is_http_token(std::string_view s) {
  for (char c : s)
    if (!is_http_token_char(c)) return false;
  return !s.empty();
}

}  // namespace mosaic::support
