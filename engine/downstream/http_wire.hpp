#pragma once
// HTTP/1.1 on the wire, as the downstream client writes and reads it, over plain buffers: the
// request head is appended to a string in one pass, the response head is parsed in one pass over
// the bytes the socket returned, and a chunked body is decoded as it arrives. No streams and no
// header list searched by name: in the profile of a proxied call, Poco's stream-based codec (a
// char at a time through an istream, 32 case-insensitive list lookups) was a quarter of the
// instructions.
//
// What is accepted from a downstream (anything else is a bad response):
//   status line  HTTP/1.<digit> <3 digits>[ <reason>]; lines may end in CRLF or a bare LF
//   header       <token>:<value>, value trimmed; an obs-fold continues the previous value
//   framing      Content-Length (all copies equal) or Transfer-Encoding; chunked when it is the
//                last coding (Content-Length then ignored, as RFC 9112 6.3 says); any other coding
//                is read to the end of the connection
//   size         at most kMaxHeadBytes of head and kMaxHeaderCount headers
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mosaic/http_client.hpp"

namespace mosaic::downstream::wire {

inline constexpr std::size_t kMaxHeadBytes = 64 * 1024;
inline constexpr std::size_t kMaxHeaderCount = 100;

struct ResponseHead {
  int status = 0;
  bool http_1_0 = false;
  HeaderList headers;  // as received, values trimmed
  std::string content_type;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool read_to_close = false;  // a Transfer-Encoding other than chunked
  bool keep_alive = true;      // the server leaves the connection open after this response
};

// Where the head that starts `data` ends (the offset just past its empty line), or nullopt when
// it has not all arrived. `scanned` carries how far earlier calls looked, so that a head that
// arrives in many pieces is still scanned once.
std::optional<std::size_t> find_head_end(std::string_view data, std::size_t& scanned);

// Parses a whole head (up to and including its empty line). Returns an error message, or nullopt.
std::optional<std::string> parse_response_head(std::string_view head, ResponseHead& out);

// A chunked body, decoded as the bytes arrive.
class ChunkedDecoder {
 public:
  enum class Result { kNeedMore, kDone, kError };

  // Decodes what it can of `data`, appending chunk contents to `body`; `used` is set to the
  // number of bytes of `data` consumed (all of them unless the body ends inside `data`).
  Result feed(std::string_view data, std::size_t& used, std::string& body);
  const std::string& error() const { return error_; }

 private:
  enum class State { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kDone };
  Result fail(std::string message);

  State state_ = State::kSize;
  std::uint64_t remaining_ = 0;  // of the current chunk
  bool size_has_digit_ = false;
  std::size_t line_bytes_ = 0;  // of the current size or trailer line, bounded
  bool trailer_line_empty_ = true;
  std::string error_;
};

// The request line and a header, appended as they go on the wire.
void append_request_line(std::string& out, std::string_view method, std::string_view path_prefix,
                         std::string_view target);
void append_header(std::string& out, std::string_view name, std::string_view value);

// An HTTP token (RFC 9110 5.6.2): a method or a header name.
bool is_token(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace mosaic::downstream::wire
