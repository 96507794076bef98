// The Date header the listener writes: the text Poco's DateTimeFormatter gives (HTTP_FORMAT), the
// same for every request of one second, and English names whatever the locale.
#include "server/http_date.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace mosaic::server {
namespace {

std::string poco_date(std::time_t seconds) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(seconds),
                                         Poco::DateTimeFormat::HTTP_FORMAT);
}

TEST(HttpDate, IsTheImfFixdateOfRfc9110) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // the RFC's example
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(format_http_date(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(HttpDate, AgreesWithPocosFormatterOverTwoCenturies) {
  std::mt19937_64 random(9);
  std::uniform_int_distribution<std::time_t> seconds(0, 7258118399);  // 1970 .. 2199
  for (int i = 0; i < 20000; ++i) {
    const std::time_t t = seconds(random);
    ASSERT_EQ(format_http_date(t), poco_date(t)) << t;
  }
  for (std::time_t t = 1798675200 - 5; t < 1798675200 + 5; ++t)  // the turn of 2027
    ASSERT_EQ(format_http_date(t), poco_date(t)) << t;
}

TEST(HttpDate, NowIsThisSecondsDate) {
  const std::time_t before = std::time(nullptr);
  const std::string now = http_date_now();
  const std::time_t after = std::time(nullptr);
  EXPECT_TRUE(now == format_http_date(before) || now == format_http_date(after)) << now;
  // Within one second the same text comes back (formatted again only when the second changes).
  const std::string& again = http_date_now();
  EXPECT_TRUE(again == now || again == format_http_date(std::time(nullptr))) << again;
}

}  // namespace
}  // namespace mosaic::server
