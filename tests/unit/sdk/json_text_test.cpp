// mosaic/json_text.hpp: the JSON text Mosaic writes to front ends and downstreams.
#include "mosaic/json_text.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace mosaic {
namespace {

TEST(JsonText, NumbersAreTheShortestTextThatReadsBack) {
  EXPECT_EQ(to_json_text(Json(42.5)), "42.5");
  EXPECT_EQ(to_json_text(Json(0.1)), "0.1");
  EXPECT_EQ(to_json_text(Json(9.99)), "9.99");
  EXPECT_EQ(to_json_text(Json(-3)), "-3");
  EXPECT_EQ(to_json_text(Json(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(to_json_text(Json(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  for (double d : {1e300, 1.5e-300, 123456.789, 1.0 / 3, -0.0}) {
    const std::string text = to_json_text(Json(d));
    EXPECT_EQ(json::parse(text).to_number<double>(), d) << text;
  }
}

TEST(JsonText, ANumberWithoutJsonTextIsNull) {
  EXPECT_EQ(to_json_text(Json(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(to_json_text(Json(std::numeric_limits<double>::quiet_NaN())), "null");
}

TEST(JsonText, StringsAreEscapedAsJsonRequires) {
  EXPECT_EQ(to_json_text(Json("a\"b\\c")), R"("a\"b\\c")");
  EXPECT_EQ(to_json_text(Json("\n\r\t\b\f")), R"("\n\r\t\b\f")");
  EXPECT_EQ(to_json_text(Json(std::string("\x01\x1f", 2))), R"("\u0001\u001f")");
  EXPECT_EQ(to_json_text(Json("caf\xc3\xa9 \xe2\x82\xac")), "\"caf\xc3\xa9 \xe2\x82\xac\"");
  EXPECT_EQ(to_json_text(Json(std::string("nul\0here", 8))), R"("nul\u0000here")");
}

TEST(JsonText, EveryKindRoundTrips) {
  const Json value = json::parse(R"({"a": [1, -2, 3.25, true, false, null, "s", {}, []],
      "nested": {"k": {"deeper": ["x", {"y": 1e-7}]}}, "": "empty-key"})");
  const std::string text = to_json_text(value);
  EXPECT_EQ(json::parse(text), value) << text;
  EXPECT_EQ(text.find(' '), std::string::npos);  // compact
  EXPECT_EQ(to_json_text(value.as_object()), text);
  EXPECT_EQ(to_json_text(value.at("a").as_array()), to_json_text(value.at("a")));
}

TEST(JsonText, AppendsToWhatIsThere) {
  std::string out = "prefix:";
  append_json(out, Json(json::array{1, 2}));
  append_json_string(out, "x");
  EXPECT_EQ(out, R"(prefix:[1,2]"x")");
}

}  // namespace
}  // namespace mosaic

namespace mosaic {
namespace {

// The escaping done byte by byte, as the JSON grammar says: what the eight-at-a-time scan must
// agree with wherever the special byte falls in a word.
std::string escaped_one_by_one(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    static constexpr char kHex[] = "0123456789abcdef";
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\b')
      out += "\\b";
    else if (c == '\f')
      out += "\\f";
    else if (c < 0x20)
      out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xF];
    else
      out += ch;
  }
  return out + "\"";
}

TEST(JsonText, EveryByteValueIsEscapedRightAtEveryPositionOfAWord) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t length : {1u, 7u, 8u, 9u, 16u, 23u}) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(byte);
        if (at + 1 < length) text[length - 1] = '\x7f';  // DEL and high bytes pass through
        std::string out;
        append_json_string(out, text);
        ASSERT_EQ(out, escaped_one_by_one(text))
            << "byte " << byte << " at " << at << " of " << length;
      }
    }
  }
}

}  // namespace
}  // namespace mosaic
