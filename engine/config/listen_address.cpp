#include "config/listen_address.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace mosaic::config {

namespace {

bool is_ipv4(const std::string& host) {
  in_addr out{};
  return inet_pton(AF_INET, host.c_str(), &out) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr out{};
  return inet_pton(AF_INET6, host.c_str(), &out) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-', no label starting or
// ending with '-'.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool looks_numeric(std::string_view host) {
  for (char c : host) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& error) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "expected [ipv6]:port, as in [::1]:8080";
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!is_ipv6(host)) {
      error = "'" + host + "' is not an IPv6 address";
      return std::nullopt;
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      error = "expected host:port, as in 127.0.0.1:8080";
      return std::nullopt;
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      error = "an IPv6 host must be in brackets, as in [::1]:8080";
      return std::nullopt;
    }
    if (host.empty()) {
      error = "missing host (0.0.0.0 listens on every interface)";
      return std::nullopt;
    }
    // "300.1.1.1" is a valid-looking host name to the label rules; it is a mistyped IPv4.
    if (looks_numeric(host) ? !is_ipv4(host) : !is_host_name(host)) {
      error = "'" + host + "' is neither an IPv4 address nor a host name";
      return std::nullopt;
    }
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    error = "port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

}  // namespace mosaic::config
