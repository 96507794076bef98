// The check of JSON text a plugin hands over unparsed (downstream::check_json_text), the wrapper
// that applies it to every call (CheckedTextDownstream), and the parse of checked text into a
// tree (parse_text). The check must agree with json::parse: the engine splices what it accepts
// into answers as is.
#include "downstream/json_text_check.hpp"

#include <gtest/gtest.h>

#include "downstream/checked_text_downstream.hpp"
#include "fake_call_context.hpp"

namespace mosaic::downstream {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::FakeCallContext;

// What json::parse (plus the finite-number rule) says of `text`.
bool parse_accepts(std::string_view text) {
  boost::system::error_code ec;
  Json value = json::parse(text, ec);
  return !ec && all_numbers_finite(value);
}

TEST(JsonTextCheck, AgreesWithJsonParse) {
  const char* cases[] = {
      R"({"a":1})",
      R"(  [1, 2.5, -3e2, "x", true, false, null] )",
      R"("only")",
      "0",
      "-0.0",
      R"({"a":{"b":[{}, []]}})",
      R"({"é":"\u00e9\ud83d\ude00"})",
      "",
      "   ",
      "{",
      R"({"a":1}})",
      R"({"a":1} x)",
      R"({"a":1}{"b":2})",
      "[1,]",
      R"({"a" 1})",
      "'single'",
      "nul",
      "01",
      R"("\x")",
      "\"\xff\"",
      "\"\xc3\"",
      "[1E400]",
      "-1e999",
      "1E308",
      R"({"big":123456789012345678901234567890})",
      "/* c */ 1",
      "[\"tab\there\"]",
  };
  for (const char* text : cases) {
    EXPECT_EQ(!check_json_text(text).has_value(), parse_accepts(text)) << "[" << text << "]";
  }
}

TEST(JsonTextCheck, RefusesNumbersBeyondADoubleByName) {
  EXPECT_EQ(check_json_text(R"({"total":[1, -1E400]})"),
            "a number is beyond the range of a double at byte 13");
}

// The byte offset of the problem, counted from 0, so that a log line points into the body.
TEST(JsonTextCheck, SaysWhatIsWrongAndAtWhichByte) {
  EXPECT_EQ(check_json_text(R"({"a" 1})"), "expected ':' at byte 5");
  EXPECT_EQ(check_json_text("[1,]"), "expected a value at byte 3");
  EXPECT_EQ(check_json_text(R"({"a":1]})"), "expected ',' or '}' at byte 6");
  EXPECT_EQ(check_json_text("[1} "), "expected ',' or ']' at byte 2");
  EXPECT_EQ(check_json_text("{1:2}"), "expected a member name at byte 1");
  EXPECT_EQ(check_json_text("{} x"), "text after the value at byte 3");
  EXPECT_EQ(check_json_text(""), "expected a value at byte 0");
  EXPECT_EQ(check_json_text(R"(["ab)"), "the text ends inside a string at byte 4");
  EXPECT_EQ(check_json_text("[\"a\x01\"]"), "a control character inside a string at byte 3");
  EXPECT_EQ(check_json_text("\"\xc3\x28\""), "invalid UTF-8 at byte 1");
  EXPECT_EQ(check_json_text(R"("\q")"), "an unknown escape at byte 2");
  EXPECT_EQ(check_json_text(R"("\u12x4")"), "expected four hex digits at byte 3");
  EXPECT_EQ(check_json_text(R"("\udc00")"), "a trailing surrogate without a leading one at byte 7");
  EXPECT_EQ(check_json_text(R"("\ud800x")"),
            "a leading surrogate without a trailing one at byte 7");
  EXPECT_EQ(check_json_text("1."), "expected a digit after '.' at byte 2");
  EXPECT_EQ(check_json_text("1e+"), "expected a digit in the exponent at byte 3");
  EXPECT_EQ(check_json_text("[tru]"), "expected a value at byte 1");
  EXPECT_EQ(check_json_text(std::string(33, '[') + std::string(33, ']')),
            "nesting deeper than 32 at byte 32");
}

TEST(JsonTextCheck, HasJsonParsesDepthLimit) {
  const std::string deep_ok = std::string(32, '[') + std::string(32, ']');
  const std::string too_deep = std::string(33, '[') + std::string(33, ']');
  EXPECT_EQ(!check_json_text(deep_ok).has_value(), parse_accepts(deep_ok));
  EXPECT_EQ(!check_json_text(too_deep).has_value(), parse_accepts(too_deep));
  EXPECT_TRUE(check_json_text(too_deep).has_value());
}

// Slices of kJsonCheckSlice bytes: tokens split across a slice boundary are read whole, and an
// error anywhere, in any slice, is found.
TEST(JsonTextCheck, TextLongerThanASliceIsCheckedAcrossTheBoundaries) {
  std::string text = "[";
  while (text.size() < 3 * kJsonCheckSlice) text += R"("\u00e9 string",12345.678e-3,)";
  text += "0]";
  for (std::size_t shift = 0; shift < 16; ++shift) {
    const std::string shifted = std::string(shift, ' ') + text;
    EXPECT_FALSE(check_json_text(shifted).has_value()) << shift;
  }
  std::string broken = text;
  broken[2 * kJsonCheckSlice + 7] = '\x01';  // a control character inside a string or a number
  EXPECT_TRUE(check_json_text(broken).has_value());
  std::string infinite = text;
  infinite.insert(infinite.size() - 1, ",1E999");
  EXPECT_EQ(check_json_text(infinite).value_or("").rfind("a number is beyond the range", 0), 0u);
}

TEST(JsonTextCheck, StopsBetweenSlicesWhenTold) {
  std::string text = "[";
  while (text.size() < 2 * kJsonCheckSlice) text += "1,";
  text += "1]";
  int asked = 0;
  EXPECT_EQ(check_json_text(text,
                            [&] {
                              ++asked;
                              return false;
                            }),
            std::string());
  EXPECT_EQ(asked, 1);
}

// A downstream that answers with fixed text.
class TextDownstream : public Downstream {
 public:
  explicit TextDownstream(std::string text) : text_(std::move(text)) {}
  CallResult call(const Json&, CallContext&) override { return JsonText{text_}; }

 private:
  std::string text_;
};

CallResult call_checked(const std::string& text, FakeCallContext& context) {
  CheckedTextDownstream checked(std::make_shared<TextDownstream>(text));
  return checked.call(Json(nullptr), context);
}

TEST(CheckedTextDownstream, PassesValidTextThroughUntouched) {
  FakeCallContext context(5s);
  const std::string text = "{ \"a\" : [1, 2],\n \"b\":\"\\u00e9\" }";
  auto result = call_checked(text, context);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  ASSERT_TRUE(result.is_text());
  EXPECT_EQ(result.text(), text);  // byte for byte: spaces, escapes and order kept
}

TEST(CheckedTextDownstream, TextThatIsNotJsonIsABadResponse) {
  FakeCallContext context(5s);
  for (const char* text : {"<html>", "{\"a\":1", "[1E400]", "{} {}"}) {
    auto result = call_checked(text, context);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.failure().kind, FailureKind::kBadResponse) << text;
    EXPECT_EQ(result.failure().detail.rfind("body is not JSON: ", 0), 0u)
        << result.failure().detail;
  }
}

TEST(CheckedTextDownstream, LeavesTreesAndFailuresAlone) {
  FakeCallContext context(5s);
  auto tree = check_result(Json(json::object{{"a", 1}}), context);
  ASSERT_TRUE(tree.ok());
  EXPECT_FALSE(tree.is_text());
  auto failure = check_result(Failure::Of(FailureKind::kTimeout), context);
  ASSERT_FALSE(failure.ok());
  EXPECT_EQ(failure.failure().kind, FailureKind::kTimeout);
}

TEST(ParseText, BuildsTheTreeJsonParseBuilds) {
  FakeCallContext context(5s);
  const std::string text = R"({"items":[{"id":1},{"id":2}],"name":"x"})";
  auto tree = parse_text(CallResult(JsonText{text}), context);
  ASSERT_TRUE(tree.ok());
  ASSERT_FALSE(tree.is_text());
  EXPECT_EQ(tree.value(), json::parse(text));
}

TEST(ParseText, LargeTextIsParsedOnTheOffloadPoolAndStopsWhenCancelled) {
  std::string text = "[";
  while (text.size() < 2 * kJsonCheckSlice) text += R"({"id":1},)";
  text += "0]";
  {
    FakeCallContext context(5s);
    context.offload_from(100 * 1024);
    auto tree = parse_text(CallResult(JsonText{text}), context);
    ASSERT_TRUE(tree.ok());
    EXPECT_EQ(tree.value(), json::parse(text));
    EXPECT_EQ(context.offloaded(), 1);
  }
  {
    FakeCallContext context(5s);
    context.offload_from(100 * 1024, Failure::Of(FailureKind::kShed, "offload queue full"));
    auto refused = parse_text(CallResult(JsonText{text}), context);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.failure().kind, FailureKind::kShed);
  }
  {
    FakeCallContext context(5s);
    context.offload_from(100 * 1024, std::nullopt, [&] { context.cancel(); });
    auto cancelled = parse_text(CallResult(JsonText{text}), context);
    ASSERT_FALSE(cancelled.ok());
    EXPECT_EQ(cancelled.failure().reason(), "cancelled");
  }
}

}  // namespace
}  // namespace mosaic::downstream
