// The block classification the path scan crosses containers with: the SSE2 comparisons must mark
// exactly the bytes the byte-by-byte reference marks, for every byte value at every position.
#include "template/json_block_bits.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mosaic::tmpl {
namespace {

void expect_same_bits(const std::string& block) {
  ASSERT_EQ(block.size(), 64u);
  const BlockBits fast = classify_block(block.data());
  const BlockBits reference = classify_block_bytewise(block.data());
  EXPECT_EQ(fast.quote, reference.quote);
  EXPECT_EQ(fast.backslash, reference.backslash);
  EXPECT_EQ(fast.open, reference.open);
  EXPECT_EQ(fast.close, reference.close);
}

TEST(JsonBlockBits, EveryByteValueAtEveryPosition) {
  for (int value = 0; value < 256; ++value) {
    for (std::size_t at = 0; at < 64; ++at) {
      std::string block(64, 'x');
      block[at] = static_cast<char>(value);
      SCOPED_TRACE(testing::Message() << "byte " << value << " at " << at);
      expect_same_bits(block);
    }
  }
}

TEST(JsonBlockBits, TheReferenceMarksWhatItShould) {
  const std::string block = R"({"a\\": [1, {"b": "]"}]})" + std::string(40, ' ');
  const BlockBits bits = classify_block_bytewise(block.data());
  auto at = [](std::initializer_list<int> positions) {
    std::uint64_t mask = 0;
    for (int p : positions) mask |= std::uint64_t{1} << p;
    return mask;
  };
  EXPECT_EQ(bits.open, at({0, 8, 12}));
  EXPECT_EQ(bits.close, at({19, 21, 22, 23}));  // the one inside a string too: bytes, not syntax
  EXPECT_EQ(bits.backslash, at({3, 4}));
  EXPECT_EQ(bits.quote, at({1, 5, 13, 15, 18, 20}));
}

TEST(JsonBlockBits, RandomBlocksOfStructuralBytes) {
  std::mt19937 random(1843);
  const std::string alphabet = "\"\\{}[]:, a\xc3\xa9{\x7b\x5b\x7d\x5d\xfb\xdb";
  for (int n = 0; n < 2000; ++n) {
    std::string block(64, ' ');
    for (char& c : block) c = alphabet[random() % alphabet.size()];
    expect_same_bits(block);
  }
}

}  // namespace
}  // namespace mosaic::tmpl
