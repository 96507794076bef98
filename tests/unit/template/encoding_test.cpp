// Encodings applied to request data interpolated into a downstream input: a value must never be
// able to change the structure around it (leave its path segment, start a query, add a header).
#include "template/encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mosaic::tmpl {
namespace {

using namespace std::string_literals;

TEST(EncodePathSegment, KeepsUnreservedCharacters) {
  EXPECT_EQ(encode_path_segment("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(encode_path_segment("user.name"), "user.name");
  EXPECT_EQ(encode_path_segment(""), "");
}

TEST(EncodePathSegment, EscapesEverythingThatCouldLeaveTheSegment) {
  EXPECT_EQ(encode_path_segment("/"), "%2F");
  EXPECT_EQ(encode_path_segment("?"), "%3F");
  EXPECT_EQ(encode_path_segment("#"), "%23");
  EXPECT_EQ(encode_path_segment("%"), "%25");
  EXPECT_EQ(encode_path_segment("\\"), "%5C");
  EXPECT_EQ(encode_path_segment(";"), "%3B");
  EXPECT_EQ(encode_path_segment("a b"), "a%20b");
  EXPECT_EQ(encode_path_segment("+"), "%2B");
  EXPECT_EQ(encode_path_segment("&="), "%26%3D");
  EXPECT_EQ(encode_path_segment("\r\n"), "%0D%0A");
  EXPECT_EQ(encode_path_segment("a\0b"s), "a%00b");
  EXPECT_EQ(encode_path_segment("\x7f"), "%7F");
}

TEST(EncodePathSegment, EncodesUtf8BytesWithUpperCaseHex) {
  EXPECT_EQ(encode_path_segment("\xC3\xA9"), "%C3%A9");  // é
  EXPECT_EQ(encode_path_segment("\xFF"), "%FF");
}

TEST(EncodePathSegment, DotSegmentsCannotClimb) {
  EXPECT_EQ(encode_path_segment("."), "%2E");
  EXPECT_EQ(encode_path_segment(".."), "%2E%2E");
  EXPECT_EQ(encode_path_segment("..."), "%2E%2E%2E");
  EXPECT_TRUE(has_dot_segment(".."));
  EXPECT_TRUE(has_dot_segment("."));
  EXPECT_TRUE(has_dot_segment("../admin"));
  EXPECT_TRUE(has_dot_segment("a/./b"));
  EXPECT_TRUE(has_dot_segment("a\\.."));
  EXPECT_FALSE(has_dot_segment("..."));
  EXPECT_FALSE(has_dot_segment("a..b/c"));
  EXPECT_FALSE(has_dot_segment(""));
  // Dots inside a longer value are harmless and kept.
  EXPECT_EQ(encode_path_segment("a..b"), "a..b");
  EXPECT_EQ(encode_path_segment(".hidden"), ".hidden");
}

TEST(EncodePathSegment, TraversalAttemptsBecomeOneSegment) {
  const std::string encoded = encode_path_segment("../admin?x=1#frag");
  EXPECT_EQ(encoded, "..%2Fadmin%3Fx%3D1%23frag");
  EXPECT_EQ(encoded.find_first_of("/?#"), std::string::npos);
  EXPECT_NE(encoded, "..");
  // An already-encoded attempt is encoded again, not passed through.
  EXPECT_EQ(encode_path_segment("%2e%2e%2f"), "%252e%252e%252f");
  EXPECT_EQ(encode_path_segment("../"), "..%2F");
  EXPECT_EQ(encode_path_segment("..\\"), "..%5C");
}

TEST(EncodeQueryValue, EscapesAllButUnreserved) {
  EXPECT_EQ(encode_query_value("abc-_.~09"), "abc-_.~09");
  EXPECT_EQ(encode_query_value("a b"), "a%20b");
  EXPECT_EQ(encode_query_value("a+b"), "a%2Bb");
  EXPECT_EQ(encode_query_value("x&y=z"), "x%26y%3Dz");
  EXPECT_EQ(encode_query_value("#/?%"), "%23%2F%3F%25");
  EXPECT_EQ(encode_query_value(".."), "..");  // dots mean nothing in a query value
  EXPECT_EQ(encode_query_value(""), "");
  EXPECT_EQ(encode_query_value("\xC3\xA9"), "%C3%A9");
}

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  std::string out;
  ASSERT_TRUE(percent_decode("%41%2f%2F%7e", out, false));
  EXPECT_EQ(out, "A//~");
  ASSERT_TRUE(percent_decode("%2e%2e%2f", out, false));
  EXPECT_EQ(out, "../");
  ASSERT_TRUE(percent_decode("%C3%A9", out, false));
  EXPECT_EQ(out, "\xC3\xA9");
  ASSERT_TRUE(percent_decode("%00", out, false));
  EXPECT_EQ(out, "\0"s);
  ASSERT_TRUE(percent_decode("plain", out, false));
  EXPECT_EQ(out, "plain");
  ASSERT_TRUE(percent_decode("", out, false));
  EXPECT_EQ(out, "");
}

TEST(PercentDecode, EscapeAtTheVeryEnd) {
  std::string out;
  ASSERT_TRUE(percent_decode("ab%41", out, false));
  EXPECT_EQ(out, "abA");
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  std::string out;
  ASSERT_TRUE(percent_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  ASSERT_TRUE(percent_decode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  ASSERT_TRUE(percent_decode("a%2Bb", out, true));
  EXPECT_EQ(out, "a+b");
}

TEST(PercentDecode, RefusesMalformedEscapes) {
  std::string out;
  for (const char* bad : {"%", "%4", "a%", "a%4", "%zz", "%4g", "%g4", "%%41", "% 41", "ab%-1"}) {
    EXPECT_FALSE(percent_decode(bad, out, false)) << bad;
  }
}

TEST(PercentDecode, ClearsTheOutputFirst) {
  std::string out = "stale";
  ASSERT_TRUE(percent_decode("x", out, false));
  EXPECT_EQ(out, "x");
}

TEST(IsSafeHeaderValue, AllowsPrintableTabAndUtf8) {
  EXPECT_TRUE(is_safe_header_value(""));
  EXPECT_TRUE(is_safe_header_value("Bearer abc.def-ghi"));
  EXPECT_TRUE(is_safe_header_value("a\tb"));
  EXPECT_TRUE(is_safe_header_value("\xC3\xA9"));
  EXPECT_TRUE(is_safe_header_value("~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"));
}

TEST(IsSafeHeaderValue, RefusesLineBreaksAndControlCharacters) {
  EXPECT_FALSE(is_safe_header_value("a\r\nX-Injected: 1"));
  EXPECT_FALSE(is_safe_header_value("a\r"));
  EXPECT_FALSE(is_safe_header_value("a\nb"));
  EXPECT_FALSE(is_safe_header_value("a\0b"s));
  EXPECT_FALSE(is_safe_header_value("\x1b[31m"));
  EXPECT_FALSE(is_safe_header_value("\x7f"));
  EXPECT_FALSE(is_safe_header_value("\x01"));
}

TEST(IsValidUtf8, AcceptsAsciiAndEveryWellFormedLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii\t\x7f"));
  EXPECT_TRUE(is_valid_utf8("a\0b"s));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9"));          // U+00E9, two bytes
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // U+20AC, three
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600, four
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

// Found by following what a path parameter like %FF became: a raw byte in the JSON response.
TEST(IsValidUtf8, RefusesWhatIsNotUtf8) {
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));  // Latin-1
  EXPECT_FALSE(is_valid_utf8("\x80"));     // a continuation byte alone
  EXPECT_FALSE(is_valid_utf8("\xC3"));     // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
}

}  // namespace
}  // namespace mosaic::tmpl
