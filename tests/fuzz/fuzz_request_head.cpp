// The public listener's request head reader and parser (server/request_head) on any bytes: no
// crash and no undefined behaviour (the target runs under ASan and UBSan), reading stops right
// after the head's empty line, and a head that is accepted keeps what the listener relies on.
#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/request_head.hpp"

using namespace mosaic::server;

namespace {

void check_accepted(const Poco::Net::HTTPRequest& request) {
  const std::string& version = request.getVersion();
  if (version != "HTTP/1.1" && version != "HTTP/1.0") __builtin_trap();
  if (request.getMethod().empty() || request.getMethod().size() > 32) __builtin_trap();
  if (request.getURI().empty() || request.getURI().size() > kMaxRequestTarget) __builtin_trap();
  if (request.size() > kMaxFieldCount) __builtin_trap();
  for (const auto& [name, value] : request) {
    if (name.empty() || name.size() > kMaxFieldName || value.size() > kMaxFieldValue)
      __builtin_trap();
    for (char c : name + value)
      if (c == '\r' || c == '\n' || c == '\0') __builtin_trap();
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) __builtin_trap();
  }
  // One framing only, and one the body streams can read.
  if (request.getChunkedTransferEncoding() && request.hasContentLength()) __builtin_trap();
  if (request.has("Transfer-Encoding") && !request.getChunkedTransferEncoding()) __builtin_trap();
  if (request.hasContentLength()) (void)request.getContentLength64();  // throws if not a number
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t at = 0;
  std::string head;
  const HeadRead read =
      read_request_head([&]() -> int { return at < size ? data[at++] : -1; }, head);
  if (read == HeadRead::kComplete) {
    // Nothing past the empty line was taken: it is the last byte read.
    if (head.back() != '\n' || head.size() > at) __builtin_trap();
    Poco::Net::HTTPRequest request;
    if (const auto refused = parse_request_head(head, request)) {
      const int s = refused->status;
      if (s != 400 && s != 414 && s != 431 && s != 501 && s != 505) __builtin_trap();
    } else {
      check_accepted(request);
    }
  }
  // The parser alone, on text the reader would not hand it (no empty line, bytes after it).
  Poco::Net::HTTPRequest any;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!parse_request_head(text, any)) check_accepted(any);
  return 0;
}
