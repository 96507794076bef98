#include "server/query_string.hpp"

#include "template/encoding.hpp"

namespace mosaic::server {

std::optional<tmpl::StringPairs> parse_query(std::string_view raw) {
  tmpl::StringPairs out;
  while (!raw.empty()) {
    std::size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string name, value;
    if (!tmpl::percent_decode(pair.substr(0, eq), name, true)) return std::nullopt;
    if (eq != std::string_view::npos && !tmpl::percent_decode(pair.substr(eq + 1), value, true))
      return std::nullopt;
    // Values go into JSON strings, which must be UTF-8.
    if (!tmpl::is_valid_utf8(name) || !tmpl::is_valid_utf8(value)) return std::nullopt;
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace mosaic::server
