#include "downstream/http_wire.hpp"

#include <algorithm>

#include "support/http_token.hpp"

namespace mosaic::downstream::wire {
namespace {

// A chunk-size or trailer line longer than this is not one a server means.
constexpr std::size_t kMaxChunkLine = 4096;

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// The next line of `data` from `pos`, without its LF or CRLF; `pos` moves past it.
std::string_view next_line(std::string_view data, std::size_t& pos) {
  std::size_t lf = data.find('\n', pos);
  if (lf == std::string_view::npos) lf = data.size();
  std::string_view line = data.substr(pos, lf - pos);
  pos = lf + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// Whether the comma-separated list `value` has `token` (case-insensitive); `last` is set to
// whether it is the last element.
bool list_has(std::string_view value, std::string_view token, bool* last = nullptr) {
  bool found = false;
  while (true) {
    std::size_t comma = value.find(',');
    std::string_view element = support::http_trim(value.substr(0, comma));
    bool match = iequals(element, token);
    found = found || match;
    if (comma == std::string_view::npos) {
      if (last) *last = match;
      return found;
    }
    value.remove_prefix(comma + 1);
  }
}

std::optional<std::string> parse_status_line(std::string_view line, ResponseHead& out) {
  // HTTP/1.x SSS[ reason]
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || line[7] < '0' || line[7] > '9' ||
      line[8] != ' ') {
    return "not an HTTP/1.x status line";
  }
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return "the status is not 3 digits";
    status = status * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ') return "the status is not 3 digits";
  if (status < 100) return "status " + std::to_string(status) + " is below 100";
  out.status = status;
  out.http_1_0 = line[7] == '0';
  return std::nullopt;
}

}  // namespace

bool is_token(std::string_view s) {
  return support::is_http_token(s);
}

bool iequals(std::string_view a, std::string_view b) {
  return support::http_iequals(a, b);
}

std::optional<std::size_t> find_head_end(std::string_view data, std::size_t& scanned) {
  // The head ends at an empty line: "\n\n" or "\n\r\n". Start a little before the last scan, so
  // a terminator split across two reads is still seen.
  std::size_t pos = scanned > 2 ? scanned - 2 : 0;
  while (true) {
    std::size_t lf = data.find('\n', pos);
    if (lf == std::string_view::npos) break;
    if (lf + 1 == data.size()) break;  // what follows this LF has not arrived
    if (data[lf + 1] == '\n') return lf + 2;
    if (data[lf + 1] == '\r') {
      if (lf + 2 == data.size()) break;
      if (data[lf + 2] == '\n') return lf + 3;
    }
    pos = lf + 1;
  }
  scanned = data.size();
  return std::nullopt;
}

std::optional<std::string> parse_response_head(std::string_view head, ResponseHead& out) {
  out = ResponseHead{};
  std::size_t pos = 0;
  if (auto problem = parse_status_line(next_line(head, pos), out)) return problem;
  out.headers.reserve(12);  // a typical server's answer: no reallocation moving the strings
  bool content_length_seen = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (pos < head.size()) {
    std::string_view line = next_line(head, pos);
    if (line.empty()) break;
    if (is_space(line.front())) {  // obs-fold: the previous value goes on
      if (out.headers.empty()) return "a continuation line before any header";
      std::string& value = out.headers.back().second;
      value += ' ';
      value += support::http_trim(line);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return "a header line without a name";
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return "an invalid header name";
    if (out.headers.size() == kMaxHeaderCount) {
      return "more than " + std::to_string(kMaxHeaderCount) + " headers";
    }
    out.headers.emplace_back(std::string(name),
                             std::string(support::http_trim(line.substr(colon + 1))));
  }
  // Framing from the headers, folded continuations included.
  for (const auto& [name, value] : out.headers) {
    if (iequals(name, "content-length")) {
      auto length = parse_decimal(value);
      if (!length) return "an invalid Content-Length '" + value + "'";
      if (content_length_seen && *out.content_length != *length)
        return "two different Content-Length values";
      content_length_seen = true;
      out.content_length = length;
    } else if (iequals(name, "transfer-encoding")) {
      bool last_is_chunked = false;
      list_has(value, "chunked", &last_is_chunked);
      out.chunked = last_is_chunked;
      out.read_to_close = !last_is_chunked;
    } else if (iequals(name, "connection")) {
      connection_close = connection_close || list_has(value, "close");
      connection_keep_alive = connection_keep_alive || list_has(value, "keep-alive");
    } else if (iequals(name, "content-type")) {
      out.content_type = value;
    }
  }
  if (out.chunked || out.read_to_close) out.content_length.reset();
  out.keep_alive = !connection_close && (!out.http_1_0 || connection_keep_alive);
  return std::nullopt;
}

ChunkedDecoder::Result ChunkedDecoder::fail(std::string message) {
  error_ = std::move(message);
  return Result::kError;
}

ChunkedDecoder::Result ChunkedDecoder::feed(std::string_view data, std::size_t& used,
                                            std::string& body) {
  std::size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case State::kSize: {
        char c = data[i];
        int digit = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
        if (digit >= 0) {
          if (remaining_ >> 60) return fail("a chunk size above 2^64");
          remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
          size_has_digit_ = true;
          ++i;
        } else if (!size_has_digit_) {
          return fail("a chunk size that is not hexadecimal");
        } else if (c == ';' || is_space(c)) {
          state_ = State::kExtension;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          ++i;
        } else if (c == '\n') {
          state_ = State::kSizeLf;  // a bare LF ends the line as well
        } else {
          return fail("a chunk size that is not hexadecimal");
        }
        if (++line_bytes_ > kMaxChunkLine) return fail("a chunk-size line too long");
        break;
      }
      case State::kExtension: {
        // Extensions are ignored, up to the end of the line.
        std::size_t end = data.find_first_of("\r\n", i);
        std::size_t n = (end == std::string_view::npos ? data.size() : end) - i;
        line_bytes_ += n;
        if (line_bytes_ > kMaxChunkLine) return fail("a chunk-size line too long");
        i += n;
        if (end == std::string_view::npos) break;
        if (data[i] == '\r') ++i;
        state_ = State::kSizeLf;
        break;
      }
      case State::kSizeLf:
        if (data[i] != '\n') return fail("a chunk-size line not ended by CRLF");
        ++i;
        line_bytes_ = 0;
        size_has_digit_ = false;
        if (remaining_ == 0) {
          state_ = State::kTrailer;
          trailer_line_empty_ = true;
        } else {
          state_ = State::kData;
        }
        break;
      case State::kData: {
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(data.size() - i)));
        body.append(data.data() + i, n);
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (data[i] == '\r') {
          ++i;
          state_ = State::kDataLf;
        } else if (data[i] == '\n') {
          state_ = State::kDataLf;
        } else {
          return fail("chunk data longer than its size");
        }
        break;
      case State::kDataLf:
        if (data[i] != '\n') return fail("chunk data not followed by CRLF");
        ++i;
        state_ = State::kSize;
        break;
      case State::kTrailer: {
        // Trailer fields are read and dropped; the body ends at the first empty line.
        char c = data[i++];
        if (c == '\n') {
          if (trailer_line_empty_) {
            state_ = State::kDone;
            used = i;
            return Result::kDone;
          }
          trailer_line_empty_ = true;
          line_bytes_ = 0;
        } else if (c != '\r') {
          trailer_line_empty_ = false;
          if (++line_bytes_ > kMaxChunkLine) return fail("a trailer line too long");
        }
        break;
      }
      case State::kDone:
        used = i;
        return Result::kDone;
    }
  }
  used = i;
  return state_ == State::kDone ? Result::kDone : Result::kNeedMore;
}

void append_request_line(std::string& out, std::string_view method, std::string_view path_prefix,
                         std::string_view target) {
  out.append(method);
  out += ' ';
  out.append(path_prefix);
  out.append(target);
  out.append(" HTTP/1.1\r\n");
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace mosaic::downstream::wire
