#include "server/http_date.hpp"

#include <array>

namespace mosaic::server {

namespace {

void append_two_digits(std::string& out, int value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

}  // namespace

std::string format_http_date(std::time_t seconds) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::string out;
  out.reserve(29);
  out.append(kDays[static_cast<std::size_t>(utc.tm_wday)]);
  out.append(", ");
  append_two_digits(out, utc.tm_mday);
  out.push_back(' ');
  out.append(kMonths[static_cast<std::size_t>(utc.tm_mon)]);
  out.push_back(' ');
  out.append(std::to_string(utc.tm_year + 1900));
  out.push_back(' ');
  append_two_digits(out, utc.tm_hour);
  out.push_back(':');
  append_two_digits(out, utc.tm_min);
  out.push_back(':');
  append_two_digits(out, utc.tm_sec);
  out.append(" GMT");
  return out;
}

const std::string& http_date_now() {
  thread_local std::time_t formatted_second = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_second) {
    text = format_http_date(now);
    formatted_second = now;
  }
  return text;
}

}  // namespace mosaic::server
