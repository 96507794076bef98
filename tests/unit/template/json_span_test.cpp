// find_json_path reads a value out of JSON text without building a tree. It must mean exactly
// what walking the parsed tree means (template/reference.cpp), since a step result kept as text
// is read this way: every path of each document is checked against the tree.
#include "template/json_span.hpp"

#include <gtest/gtest.h>

#include <charconv>

namespace mosaic::tmpl {
namespace {

std::vector<PathPart> path_of(const std::vector<std::string_view>& parts) {
  std::vector<PathPart> out;
  for (std::string_view p : parts) {
    PathPart part{std::string(p), std::nullopt};
    std::size_t index = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), index);
    if (ec == std::errc() && end == p.data() + p.size() && !p.empty()) part.index = index;
    out.push_back(std::move(part));
  }
  return out;
}

void expect_same_as_tree(std::string_view text, const std::vector<std::string_view>& parts) {
  const Json root = json::parse(text);
  const auto path = path_of(parts);
  const Json* expected = walk_path(&root, path);
  const auto found = find_json_path(text, path);
  std::string where(text);
  for (auto p : parts) where += " ." + std::string(p);
  ASSERT_EQ(found.has_value(), expected != nullptr) << where;
  if (expected) {
    EXPECT_EQ(json::parse(*found), *expected) << where << " -> " << *found;
  }
}

TEST(JsonSpan, ReadsWhatTheTreeReads) {
  const char* doc = R"( { "name" : "Ada", "id": 7, "tags": ["a", {"x": [1, 2.5e3, null]}, "c"],
    "nested": {"deep": {"deeper": [true, false, {"k": "v"}]}},
    "tricky \" key": "quote", "br}ace": "{[not structure]}", "esc": "a\\\"b\u00e9",
    "0": "zero as a key", "empty": {}, "none": [], "num": -1.5E-2 } )";
  for (const auto& parts : std::vector<std::vector<std::string_view>>{
           {},
           {"name"},
           {"id"},
           {"tags"},
           {"tags", "0"},
           {"tags", "1", "x", "1"},
           {"tags", "1", "x", "2"},
           {"tags", "1", "x", "3"},
           {"tags", "2"},
           {"tags", "3"},
           {"tags", "x"},
           {"nested", "deep", "deeper", "2", "k"},
           {"nested", "deep", "missing"},
           {"tricky \" key"},
           {"br}ace"},
           {"esc"},
           {"0"},
           {"empty"},
           {"empty", "a"},
           {"none"},
           {"none", "0"},
           {"num"},
           {"name", "0"},
           {"id", "x"},
           {"missing"},
       }) {
    expect_same_as_tree(doc, parts);
  }
}

TEST(JsonSpan, ARepeatedKeyMeansTheLastOneAsJsonParseKeepsIt) {
  expect_same_as_tree(R"({"a": 1, "b": {"a": 9}, "a": [2, 3]})", {"a"});
  expect_same_as_tree(R"({"a": 1, "b": {"a": 9}, "a": [2, 3]})", {"a", "1"});
  const auto found = find_json_path(R"({"a": 1, "a": 2})", path_of({"a"}));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, "2");
}

TEST(JsonSpan, KeysWithEscapesAreComparedDecoded) {
  expect_same_as_tree(R"({"caf\u00e9": 1, "tab\there": 2})", {"café"});
  expect_same_as_tree(R"({"caf\u00e9": 1, "tab\there": 2})", {"tab\there"});
  EXPECT_FALSE(find_json_path(R"({"caf\u00e9": 1})", path_of({"caf\\u00e9"})));
}

TEST(JsonSpan, TopLevelScalarsAndArrays) {
  expect_same_as_tree("  42  ", {});
  expect_same_as_tree(R"("text")", {"0"});
  expect_same_as_tree(R"([[1, [2, [3]]], "x"])", {"0", "1", "1", "0"});
  expect_same_as_tree(R"([[1, [2, [3]]], "x"])", {"1"});
  expect_same_as_tree(R"([])", {"0"});
  const auto whole = find_json_path(" \n {\"a\": 1} \t", {});
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, "{\"a\": 1}");  // blanks around the value are not part of it
}

// Strings are crossed eight bytes at a time: a quote or an escape must be found in any of the
// eight positions of a block (the first of several in one block, after bytes of multi-byte UTF-8
// characters too), and an escaped quote or backslash must never end a string.
TEST(JsonSpan, EscapesAndQuotesAtEveryPositionOfAnEightByteBlock) {
  for (std::size_t pad = 0; pad < 17; ++pad) {
    for (const std::string unit : {"x", "\xc3\xa9", "\xe2\x80\x9c"}) {
      std::string filler;
      for (std::size_t i = 0; i < pad; ++i) filler += unit;
      for (const char* escape : {R"(\")", R"(\\)", R"(\u0022)", R"(}])", R"(\"\\\")", ""}) {
        const std::string doc = R"({"k": ")" + filler + escape + filler + R"(", "a": [")" + filler +
                                escape + R"("], ")" + filler + escape + R"(": 1, "z": 2})";
        SCOPED_TRACE(doc);
        expect_same_as_tree(doc, {"k"});
        expect_same_as_tree(doc, {"a", "0"});
        expect_same_as_tree(doc, {"z"});
      }
    }
  }
}

// Containers are crossed 64 bytes at a time: a string, an escape run or a bracket may fall on any
// byte of a block and across two, a string may run over several blocks, and the container may end
// anywhere, the last block padded. Each document puts the `filler` before the interesting bytes,
// so that every offset of the block is tried, and each is read through the container.
TEST(JsonSpan, ContainersAreCrossedRightWhateverFallsOnABlockBoundary) {
  const std::vector<std::string> pieces = {
      R"("x\\")",        // an escaped backslash ends the run: the quote after it closes
      R"("x\\\"]}\\")",  // an escaped quote then brackets inside the string
      R"("\\\\\\\\\\\\\\\\\\\\\\")",                                // a long even run
      R"("a\"b\\\"c")",                                             // odd runs of one and three
      R"("}}]]{{[[")",                                              // brackets only inside a string
      R"([[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]])",  // 28 deep (json::parse allows
                                                                    // 32)
      R"({"k": {"k": {"k": [1, {"z": "]"}]}}})",
      R"("\u005d\u007d")",
      R"("é€𝄞 ]")",
  };
  for (std::size_t pad = 0; pad < 70; ++pad) {
    const std::string filler(pad, 'f');
    for (const auto& piece : pieces) {
      const std::string doc = R"({"a": [")" + filler + R"(", )" + piece + ", " + piece +
                              R"(], "b": {")" + filler + R"(": )" + piece + R"(}, "c": 1})";
      SCOPED_TRACE(doc);
      expect_same_as_tree(doc, {"a"});
      expect_same_as_tree(doc, {"a", "1"});
      expect_same_as_tree(doc, {"b"});
      expect_same_as_tree(doc, {"c"});
    }
  }
}

// A string of 200 bytes that is all escape runs crosses four blocks: every run length (1 to 9)
// at every offset, the quote after an odd run escaped, after an even one closing the string.
TEST(JsonSpan, EscapeRunsCarryAcrossBlocks) {
  for (std::size_t pad = 0; pad < 64; ++pad) {
    for (std::size_t run = 1; run < 10; ++run) {
      std::string value(pad, 'p');
      while (value.size() < 200) {
        value += std::string(run, '\\');
        value += run % 2 ? "\"" : "n";
        if (run % 2 == 0) value += "\\\"";  // keep an escaped quote in every case
      }
      const std::string doc = R"({"a": [")" + value + R"(", "]"], "c": [")" + value + R"("]})";
      SCOPED_TRACE(doc);
      expect_same_as_tree(doc, {"a"});
      expect_same_as_tree(doc, {"a", "1"});
      expect_same_as_tree(doc, {"c", "0"});
    }
  }
}

}  // namespace
}  // namespace mosaic::tmpl
