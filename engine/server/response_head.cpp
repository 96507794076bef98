#include "server/response_head.hpp"

#include <charconv>
#include <string_view>

#include "support/http_token.hpp"

namespace mosaic::server {

namespace {

void append_number(std::string& out, std::uint64_t value) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

void append_response_head(std::string& out, const Poco::Net::HTTPResponse& response,
                          std::uint64_t content_length) {
  out.append(response.getVersion());
  out.push_back(' ');
  append_number(out, static_cast<std::uint64_t>(response.getStatus()));
  out.push_back(' ');
  out.append(response.getReason());
  out.append("\r\n");
  for (const auto& [name, value] : response) {
    if (support::http_iequals(name, "Content-Length") ||
        support::http_iequals(name, "Transfer-Encoding"))
      continue;
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  out.append("Content-Length: ");
  append_number(out, content_length);
  out.append("\r\n\r\n");
}

}  // namespace mosaic::server
