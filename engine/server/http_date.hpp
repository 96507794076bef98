#pragma once
// The Date header of an answer (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). Poco's
// HTTPResponse::setDate formats it through DateTimeFormatter on every request (some 3000
// instructions, a tenth of what the listener spends on a small answer); the text changes once a
// second, so each thread formats it once a second and reuses it in between.
#include <ctime>
#include <string>

namespace mosaic::server {

// The date of `seconds` since the epoch, in UTC, with English names whatever the locale.
std::string format_http_date(std::time_t seconds);

// The date of now, formatted at most once a second per thread. Valid until this thread calls
// again.
const std::string& http_date_now();

}  // namespace mosaic::server
