#pragma once
// The head of an answer with a known length, written straight into a string. Poco's
// HTTPResponse::write goes through an ostream (a stream and its locale set up per answer, an
// insertion per name, separator and value) and the length must first be set as a header field
// formatted by NumberFormatter: some 8000 instructions for a small answer's head, here a few
// hundred. The text is what Poco writes: status line, the fields in their order, a blank line.
#include <Poco/Net/HTTPResponse.h>

#include <cstdint>
#include <string>

namespace mosaic::server {

// Appends the head of `response` with `Content-Length: content_length` in place of any
// Content-Length or Transfer-Encoding field it holds.
void append_response_head(std::string& out, const Poco::Net::HTTPResponse& response,
                          std::uint64_t content_length);

}  // namespace mosaic::server
