#pragma once
// The character rules of HTTP that the plugin checks before it builds a request.
#include <string>
#include <string_view>

namespace mosaic_http {

// RFC 9110 token: a header name or a method.
bool is_token(std::string_view s);
// No CR, LF, NUL or other control character except HTAB.
bool is_header_value(std::string_view s);
// Framing and routing headers are the client's: Host, Content-Length, Transfer-Encoding...
bool is_reserved_header(std::string_view name);
bool iequals(std::string_view a, std::string_view b);
// Percent-encodes everything but the unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view s);

}  // namespace mosaic_http
