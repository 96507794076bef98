#pragma once
// Encodings applied to request data interpolated into a downstream input, so that a value can
// never change the structure around it (a path, a query, a header).
#include <string>
#include <string_view>

#include "mosaic/downstream.hpp"

namespace mosaic::tmpl {

// Percent-encodes everything but RFC 3986 unreserved characters; "." and ".." become
// "%2E" / "%2E%2E" so a value can never climb out of its segment.
std::string encode_path_segment(std::string_view value);
// True when `value`, split at '/' or '\\', has a component that is exactly "." or "..".
bool has_dot_segment(std::string_view value);
// Percent-encodes everything but unreserved characters (space as %20).
std::string encode_query_value(std::string_view value);
// Percent-decodes; returns false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);
// True when `value` has no CR, LF, NUL or other control character but TAB.
bool is_safe_header_value(std::string_view value);
// True when `value` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF). Decoded request text must be, before it can go into a JSON string.
bool is_valid_utf8(std::string_view value);

}  // namespace mosaic::tmpl
