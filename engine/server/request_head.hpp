#pragma once
// The head of a request on the public listener, checked in one pass of our own. Poco 1.11's
// HTTPRequest::read goes through an istream (a stream and its locale set up per request, a stream
// call per byte): about 16000 instructions for a 60-byte request, a fifth of all a proxied
// request cost. It is also more lenient than the public edge should be.
//
// Fixed limits, answered with a JSON error (docs/reliability.md): a request target over 16 KiB is
// a 414; a field name over 256 bytes, a field value over 8 KiB, more than 100 fields or a head over
// 64 KiB in all is a 431. Refused as 400, where RFC 9112 lets a server refuse: a request line that
// is not `method SP target SP HTTP/1.x`, a field line without a colon or with whitespace before
// it, obs-fold (a line starting with a space), a bare CR, a control byte in a value; a framing a
// proxy in front could read differently (RFC 9112 6.3): Content-Length and Transfer-Encoding
// together, two different Content-Lengths, one that is not a decimal number. A Transfer-Encoding
// other than `chunked` is a 501, an HTTP version other than 1.0 or 1.1 a 505.
#include <Poco/Net/HTTPRequest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mosaic::server {

inline constexpr std::size_t kMaxRequestTarget = 16 * 1024;
inline constexpr std::size_t kMaxFieldName = 256;
inline constexpr std::size_t kMaxFieldValue = 8 * 1024;
inline constexpr std::size_t kMaxFieldCount = 100;
inline constexpr std::size_t kMaxRequestHead = 64 * 1024;

// Why a head is refused: the status to answer with, and what was wrong (for the log).
struct HeadRefusal {
  int status = 400;
  std::string reason;
};

// How reading a head ended.
enum class HeadRead {
  kComplete,   // through its empty line
  kNoRequest,  // the stream ended before a byte of a request (a keep-alive connection closed), or
               // brought kMaxRequestHead bytes of blank lines and nothing else
  kCutShort,   // the stream ended inside the head
  kTooLarge,   // kMaxRequestHead bytes without the empty line
};

// Reads one head from `next` (the next byte as an int, or a negative value at the end of the
// stream) into `head`, a byte at a time: it stops just after the empty line that ends the head, so
// that no byte of a body or of a pipelined request is taken from the connection. Empty lines
// before the request line are skipped (RFC 9112 2.2).
template <typename Next>
HeadRead read_request_head(Next&& next, std::string& head) {
  head.clear();
  int c = next();
  // Blank lines are no request: a connection sending only those for kMaxRequestHead bytes is one
  // that has none to make.
  for (std::size_t blank = 0; c == '\r' || c == '\n'; ++blank) {
    if (blank == kMaxRequestHead) return HeadRead::kNoRequest;
    c = next();
  }
  if (c < 0) return HeadRead::kNoRequest;
  // Bytes are stored by index into room made ahead (doubling): a push_back per byte cost more
  // than the rest of the loop.
  head.resize(512);  // within the capacity an earlier head left: no allocation, 512 bytes zeroed
  std::size_t n = 0;
  HeadRead how = HeadRead::kCutShort;
  while (true) {
    if (n == head.size()) head.resize(std::min(2 * n, kMaxRequestHead));
    head[n++] = static_cast<char>(c);
    if (c == '\n' && n >= 2 &&
        (head[n - 2] == '\n' || (n >= 3 && head[n - 2] == '\r' && head[n - 3] == '\n'))) {
      how = HeadRead::kComplete;
      break;
    }
    if (n >= kMaxRequestHead) {
      how = HeadRead::kTooLarge;
      break;
    }
    c = next();
    if (c < 0) break;  // kCutShort
  }
  head.resize(n);
  return how;
}

// Reads `head` (from the request line through the empty line) into `request`: method, target,
// version and the fields in their order, values without surrounding whitespace. On a refusal,
// `request` may be partly filled and must not be used.
std::optional<HeadRefusal> parse_request_head(std::string_view head,
                                              Poco::Net::HTTPRequest& request);

}  // namespace mosaic::server
