#include "server/request_head.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

#include "support/http_token.hpp"

namespace mosaic::server {

namespace {

// A field value's bytes: visible ASCII, space, tab and obs-text (128-255); no other control byte.
bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 ? u != 0x7F : u == '\t';
}

// The request target's bytes: anything but a control byte or a space (UTF-8 is checked later, once
// the target is percent-decoded).
bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7F;
}

HeadRefusal refuse(int status, std::string reason) {
  return HeadRefusal{status, std::move(reason)};
}

// The next line from `pos` without its line end (CRLF or a bare LF); nullopt for a CR that is not
// followed by LF. `pos` moves past the line end.
std::optional<std::string_view> next_line(std::string_view head, std::size_t& pos) {
  const std::size_t lf = head.find('\n', pos);
  const std::size_t end = lf == std::string_view::npos ? head.size() : lf;
  std::string_view line = head.substr(pos, end - pos);
  pos = end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find('\r') != std::string_view::npos) return std::nullopt;
  return line;
}

std::optional<HeadRefusal> parse_request_line(std::string_view line,
                                              Poco::Net::HTTPRequest& request) {
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last)
    return refuse(400, "the request line is not 'method target version'");
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!support::is_http_token(method) || method.size() > 32)
    return refuse(400, "an invalid method");
  if (target.size() > kMaxRequestTarget) return refuse(414, "the request target is too long");
  if (target.empty()) return refuse(400, "an empty request target");
  for (char c : target)
    if (!is_target_char(c)) return refuse(400, "a space or control byte in the request target");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    const bool http = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                      version[5] <= '9' && version[6] == '.' && version[7] >= '0' &&
                      version[7] <= '9';
    return http
               ? refuse(505, "HTTP version " + std::string(version.substr(5)) + " is not supported")
               : refuse(400, "the request line does not end with an HTTP version");
  }
  request.setMethod(std::string(method));
  request.setURI(std::string(target));
  request.setVersion(std::string(version));
  return std::nullopt;
}

// Content-Length: every value (a field may repeat, or list the same value) one decimal number.
std::optional<HeadRefusal> check_content_length(std::string_view value,
                                                std::optional<std::uint64_t>& length) {
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view element = support::http_trim(value.substr(0, comma));
    std::uint64_t n = 0;
    const auto [end, error] = std::from_chars(element.data(), element.data() + element.size(), n);
    if (element.empty() || error != std::errc() || end != element.data() + element.size())
      return refuse(400, "an invalid Content-Length");
    // Poco reads the length as a signed 64-bit number and throws above it (found by
    // fuzz_request_head: 13333333334026405054 passed here and failed in the body stream).
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return refuse(400, "a Content-Length beyond 2^63 - 1");
    if (length && *length != n) return refuse(400, "two different Content-Length values");
    length = n;
    if (comma == std::string_view::npos) return std::nullopt;
    value.remove_prefix(comma + 1);
  }
}

// Transfer-Encoding: only `chunked`, once, last (RFC 9112 6.1: a request whose last coding is not
// chunked has no length a server can know).
std::optional<HeadRefusal> check_transfer_encoding(std::string_view value, std::size_t& codings,
                                                   bool& chunked_last) {
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view element = support::http_trim(value.substr(0, comma));
    // An empty element would make Poco's reading (the first field's whole value) differ from ours.
    if (element.empty()) return refuse(400, "an empty Transfer-Encoding coding");
    ++codings;
    chunked_last = support::http_iequals(element, "chunked");
    if (comma == std::string_view::npos) return std::nullopt;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

std::optional<HeadRefusal> parse_request_head(std::string_view head,
                                              Poco::Net::HTTPRequest& request) {
  if (head.size() > kMaxRequestHead) return refuse(431, "the request head is over 64 KiB");
  std::size_t pos = 0;
  const auto request_line = next_line(head, pos);
  if (!request_line) return refuse(400, "a CR without LF in the request line");
  if (auto refused = parse_request_line(*request_line, request)) return refused;

  std::size_t fields = 0;
  std::optional<std::uint64_t> content_length;
  std::size_t codings = 0;
  bool chunked_last = false;
  bool transfer_encoding = false;
  while (true) {
    if (pos >= head.size()) return refuse(400, "the head does not end with an empty line");
    const auto line = next_line(head, pos);
    if (!line) return refuse(400, "a CR without LF in a header field");
    if (line->empty()) break;
    if (line->front() == ' ' || line->front() == '\t')
      return refuse(400, "a folded header field (obs-fold)");
    const std::size_t colon = line->find(':');
    if (colon == std::string_view::npos) return refuse(400, "a header line without a colon");
    const std::string_view name = line->substr(0, colon);
    if (name.size() > kMaxFieldName) return refuse(431, "a header field name over 256 bytes");
    if (!support::is_http_token(name)) return refuse(400, "an invalid header field name");
    const std::string_view value = support::http_trim(line->substr(colon + 1));
    if (value.size() > kMaxFieldValue) return refuse(431, "a header field value over 8 KiB");
    for (char c : value)
      if (!is_value_char(c)) return refuse(400, "a control byte in a header field value");
    if (++fields > kMaxFieldCount) return refuse(431, "more than 100 header fields");
    if (support::http_iequals(name, "content-length")) {
      if (auto refused = check_content_length(value, content_length)) return refused;
      // Kept as one number ("5, 5" is 5): Poco reads the first field's value as a number.
      request.add(std::string(name), std::to_string(*content_length));
      continue;
    }
    if (support::http_iequals(name, "transfer-encoding")) {
      transfer_encoding = true;
      if (auto refused = check_transfer_encoding(value, codings, chunked_last)) return refused;
    }
    request.add(std::string(name), std::string(value));
  }
  if (pos != head.size()) return refuse(400, "bytes after the head's empty line");
  if (transfer_encoding) {
    if (content_length) return refuse(400, "both Content-Length and Transfer-Encoding");
    if (!chunked_last) return refuse(400, "a Transfer-Encoding whose last coding is not chunked");
    if (codings != 1) return refuse(501, "a Transfer-Encoding other than chunked");
  }
  return std::nullopt;
}

}  // namespace mosaic::server
