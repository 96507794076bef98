// downstream::check_json_text is a scanner of its own; whatever it accepts is spliced into answers
// as is and may later be parsed by json::parse to read inside it. These tests hold its verdict to
// Boost.JSON's (json::parse accepts the text, and reads every number in it as finite) on the cases
// that decide each rule, on strings with every kind of byte at every position of the sixteen-byte
// scan, and on thousands of generated documents and their mutations. The one deliberate
// difference, numbers within 2^-40 of a double's range, has its own test.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "boost_json_verdict.hpp"
#include "downstream/json_text_check.hpp"
#include "mosaic/json.hpp"

namespace mosaic::downstream {
namespace {

using mosaic::testing::boost_json_verdict;

bool parse_accepts(std::string_view text) {
  const auto verdict = boost_json_verdict(text);
  boost::system::error_code ec;
  json::parse(text, ec);
  EXPECT_EQ(verdict.parses, !ec) << "the reference itself disagrees with json::parse on [" << text
                                 << "]";
  return verdict.accepts();
}

void expect_agreement(const std::string& text) {
  const auto problem = check_json_text(text);
  EXPECT_EQ(!problem.has_value(), parse_accepts(text))
      << "[" << text << "] check says: " << problem.value_or("valid");
}

TEST(JsonTextCheckAgreement, Strings) {
  for (const char* text :
       {R"("")", R"("plain")", R"("\"\\\/\b\f\n\r\t")", R"("\u0041\u00e9\uFFFF\u0000")",
        R"("\ud83d\ude00")", R"("\uD83D\uDE00")",  // a surrogate pair, either case
        R"("\ud83d")", R"("\ud83dx")", R"("\ud83d\n")", R"("\ud83d\u0041")", R"("\ude00")",
        R"("\ude00\ud83d")", R"("\ud83d\ud83d")", R"("\udc00\udc00")", R"("\u12")", R"("\u12G4")",
        R"("\a")", R"("\x41")", R"("\)", R"("\u)", R"("abc)", "\"a\tb\"", "\"a\nb\"", "\"\x7f\"",
        "\"a\x01\"", "\"\x1f\"",
        // UTF-8: 2, 3 and 4 bytes; overlong forms, surrogates, beyond U+10FFFF, cut short
        "\"\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"", "\"\xf4\x8f\xbf\xbf\"",
        "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"", "\"\xe0\x9f\xbf\"", "\"\xe0\xa0\x80\"",
        "\"\xed\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xee\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\x80\"", "\"\xbf\"",
        "\"\xc3\"", "\"\xe2\x82\"", "\"\xf0\x9f\x98\"", "\"\xc3\x28\"", "\"\xe2\x28\xa1\"",
        "\xc3\xa9", "\"\xc3\xa9", "\"\xe2\x82\xac"}) {
    expect_agreement(text);
  }
}

TEST(JsonTextCheckAgreement, NumbersAndLiterals) {
  for (const char* text :
       {"0", "-0", "7", "-7", "10", "01", "-01", "00", "1.5", "-0.0", "1.", ".5", "-", "+1", "1e5",
        "1E5", "1e+5", "1e-5", "1e", "1e+", "1E-", "1.5e3", "0e0", "0.0e-0", "1ee5", "1.2.3", "--1",
        "1-", "0x10", "Infinity", "NaN", "-Infinity", "1e400", "-1e400", "1e308", "1.5e308",
        "1.8e308", "-1.8e308", "1e-400", "0e999999999999", "0.0e99999",
        "123456789012345678901234567890", "1e0000000000000000000000000000000000000001", "true",
        "false", "null", "tru", "True", "nul", "nulll", "truefalse", "[true,false]", "[null]", "t",
        "f", "n",
        // Gone from json::parse's tree, still in the text an answer copies:
        R"({"a":1e400,"a":1})"}) {
    expect_agreement(text);
  }
  // Many digits against the exponent: the first significant digit decides the size.
  const std::string zeros(400, '0');
  for (const std::string& text :
       {"0." + zeros + "1e700", "0." + zeros + "1e300", "0." + zeros + "1e709",
        "1" + zeros + "e-100", "1" + zeros, "1" + zeros + "e-93", "1" + zeros + "e-92",
        "-0." + zeros, "0." + zeros + "e400"}) {
    expect_agreement(text);
  }
}

TEST(JsonTextCheckAgreement, StructureAndBlanks) {
  for (const char* text : {"{}",
                           "[]",
                           "{ }",
                           "[ ]",
                           " \t\r\n[ 1 , 2 ]\n ",
                           "{\"a\":1,\"a\":2}",
                           R"({"":0})",
                           R"({"a":[]})",
                           R"({"a":{}})",
                           "[[[]]]",
                           "{,}",
                           "[,]",
                           "[1,]",
                           "[,1]",
                           "[1 2]",
                           R"({"a":1,})",
                           R"({"a":1 "b":2})",
                           R"({"a"})",
                           R"({"a":})",
                           R"({a:1})",
                           R"({1:2})",
                           R"({"a"::1})",
                           "{'a':1}",
                           "[1}",
                           "{\"a\":1]",
                           "]",
                           "}",
                           "[",
                           "{",
                           "[1",
                           R"({"a":1)",
                           "1 2",
                           "[] []",
                           "\"a\" \"b\"",
                           "\f1",
                           "1\f",
                           "\v1",
                           "\xc2\xa0"
                           "1",
                           "\x00"
                           "1",
                           "[1]\x00",
                           "/* c */1",
                           "1 // c",
                           "[1,2,]",
                           R"({"a":[1,{"b":[2,{"c":null}]}]})"}) {
    expect_agreement(text);
  }
  for (std::size_t depth : {31u, 32u, 33u, 64u}) {
    expect_agreement(std::string(depth, '[') + std::string(depth, ']'));
    std::string objects;
    for (std::size_t i = 0; i < depth; ++i) objects += "{\"k\":";
    objects += "1" + std::string(depth, '}');
    expect_agreement(objects);
    expect_agreement(std::string(depth, '[') + "{\"k\":1}" + std::string(depth, ']'));
  }
}

// Strings are crossed sixteen bytes at a time: each byte that ends the plain run (quote, escape,
// control, non-ASCII, valid or not) at each position of the first blocks and of the last ones.
TEST(JsonTextCheckAgreement, EveryKindOfByteAtEveryPositionOfTheScan) {
  const std::vector<std::string> inserts = {
      "\"",       "\\\"", "\\n",          "\\u00e9",      "\\x",  "\x01", "\x1f", "\x7f",
      "\xc3\xa9", "\xc3", "\xe2\x82\xac", "\xed\xa0\x80", "\xff", " ",    "\\"};
  for (const std::string& insert : inserts) {
    for (std::size_t before = 0; before < 40; ++before) {
      for (std::size_t after : {0u, 1u, 15u, 16u, 17u, 33u}) {
        const std::string inner = std::string(before, 'a') + insert + std::string(after, 'b');
        expect_agreement("\"" + inner + "\"");
        expect_agreement("[\"" + inner + "\",1]");
        expect_agreement("{\"" + inner + "\":1}");
        expect_agreement("\"" + inner);  // the text ends inside the string
      }
    }
  }
}

// A document of every kind of value, and texts that are nearly JSON.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : random_(seed) {}

  std::string document() {
    std::string out;
    value(out, 0);
    return out;
  }

  // The document with a few bytes changed, inserted, removed, or the end cut off.
  std::string mutate(std::string text) {
    const int edits = 1 + pick(3);
    for (int i = 0; i < edits && !text.empty(); ++i) {
      const std::size_t at = pick(text.size());
      switch (pick(5)) {
        case 0:
          text[at] = byte();
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte());
          break;
        case 2:
          text.erase(at, 1 + pick(3));
          break;
        case 3:
          text.resize(at);
          break;
        default:
          text.insert(at, kFragments[pick(std::size(kFragments))]);
          break;
      }
    }
    return text;
  }

 private:
  static constexpr const char* kFragments[] = {"\\u",
                                               "\\ud800",
                                               "\\udc00",
                                               "\xed\xa0\x80",
                                               "\xf4\x90\x80\x80",
                                               "1e400",
                                               "-",
                                               ".",
                                               "e",
                                               ",",
                                               ":",
                                               "{",
                                               "}",
                                               "[",
                                               "]",
                                               "\"",
                                               "\\",
                                               " ",
                                               "null",
                                               "tru",
                                               "0",
                                               "\xc3",
                                               "\x01"};

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
  }

  char byte() {
    static const char kBytes[] =
        "{}[]\":,\\ \t\n-+.eE0123456789abtfnu\x01\x1f\x7f\x80\xbf\xc3\xe2\xed\xf0\xff";
    return kBytes[pick(sizeof kBytes - 1)];
  }

  void blank(std::string& out) {
    static const char* kBlanks[] = {"", "", "", " ", "\n  ", "\t", "\r\n"};
    out += kBlanks[pick(std::size(kBlanks))];
  }

  void string(std::string& out) {
    static const char* kPieces[] = {"a",
                                    "id",
                                    "shipped",
                                    "\\\"",
                                    "\\\\",
                                    "\\n",
                                    "\\/",
                                    "\\u00e9",
                                    "\\ud83d\\ude00",
                                    "\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80",
                                    " ",
                                    "0123456789abcdef",
                                    "\\t"};
    out += '"';
    for (std::size_t n = pick(8); n > 0; --n) out += kPieces[pick(std::size(kPieces))];
    out += '"';
  }

  void number(std::string& out) {
    if (pick(4) == 0) out += '-';
    out += pick(3) == 0 ? std::string("0") : std::to_string(1 + pick(100000));
    if (pick(2) == 0) out += "." + std::to_string(pick(1000));
    if (pick(3) == 0) {
      out += pick(2) ? "e" : "E";
      out += pick(3) == 0 ? "-" : pick(2) ? "+" : "";
      // Exponents near a double's range take the check's slow path.
      out += std::to_string(pick(3) == 0 ? 290 + pick(30) : pick(40));
    }
  }

  void value(std::string& out, int depth) {
    blank(out);
    const std::size_t kind = depth > 34 ? 3 + pick(4) : pick(depth < 4 ? 3 : 7);
    switch (kind) {
      case 0: {  // object
        out += '{';
        for (std::size_t n = pick(5), i = 0; i < n; ++i) {
          if (i) out += ',';
          blank(out);
          string(out);
          blank(out);
          out += ':';
          value(out, depth + 1);
        }
        blank(out);
        out += '}';
        break;
      }
      case 1:
      case 2: {  // array (a chain of them now and then, to cross the depth limit)
        out += '[';
        const std::size_t n = pick(10) == 0 ? 1 : pick(5);
        for (std::size_t i = 0; i < n; ++i) {
          if (i) out += ',';
          value(out, depth + 1);
        }
        out += ']';
        break;
      }
      case 3:
        string(out);
        break;
      case 4:
        number(out);
        break;
      case 5:
        out += pick(2) ? "true" : "false";
        break;
      default:
        out += "null";
        break;
    }
    blank(out);
  }

  std::mt19937 random_;
};

TEST(JsonTextCheckAgreement, GeneratedDocumentsAndTheirMutations) {
  Generator generator(20261129);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string document = generator.document();
    expect_agreement(document);
    for (int m = 0; m < 5; ++m) {
      const std::string mutated = generator.mutate(document);
      expect_agreement(mutated);
      (parse_accepts(mutated) ? valid : invalid) += 1;
    }
    if (::testing::Test::HasFailure()) break;  // the first disagreement says enough
  }
  // The mutations land on both sides of the line, so both verdicts were exercised.
  EXPECT_GT(valid, 1000);
  EXPECT_GT(invalid, 1000);
}

// Stricter than json::parse by a hair: Boost.JSON 1.81 reads long decimals a few ulps off, so a
// number within 2^-40 of the largest double could read as infinity when the text is parsed later.
TEST(JsonTextCheckAgreement, NumbersAtTheEdgeOfADoublesRangeAreRefused) {
  for (const char* edge : {"1.7976931348623157e308", "-1.7976931348623157e308",
                           "1.797693134862e308", "[0.17976931348623e309]"}) {
    EXPECT_TRUE(parse_accepts(edge)) << edge;
    const auto problem = check_json_text(edge);
    ASSERT_TRUE(problem.has_value()) << edge;
    EXPECT_EQ(problem->rfind("a number is beyond the range of a double at byte ", 0), 0u)
        << *problem;
  }
  for (const char* inside : {"1.79769313486e308", "-1.7976931348e308", "1e308", "9.9e307"}) {
    EXPECT_FALSE(check_json_text(inside).has_value()) << inside;
    EXPECT_TRUE(parse_accepts(inside)) << inside;
  }
}

}  // namespace
}  // namespace mosaic::downstream
