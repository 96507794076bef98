// A page's answer in pieces: large results spliced where they go, small ones copied, the whole
// the same text either way, and the spliced texts held alive by the answer.
#include "response/answer_text.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace mosaic::response {
namespace {

TEST(AnswerText, LargeTextsAreSplicedSmallOnesCopied) {
  auto big = std::make_shared<std::string>(AnswerText::kSpliceFrom, 'b');
  AnswerText answer;
  answer.own() += "{\"a\":";
  answer.append_result(*big, big);
  answer.own() += ",\"b\":";
  answer.append_result("[1]", big);
  answer.own() += "}";
  EXPECT_EQ(answer.splices(), 1u);
  const auto pieces = answer.pieces();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], "{\"a\":");
  EXPECT_EQ(pieces[1].data(), big->data());  // not a copy
  EXPECT_EQ(pieces[2], ",\"b\":[1]}");
  EXPECT_EQ(answer.whole(), "{\"a\":" + *big + ",\"b\":[1]}");
  EXPECT_EQ(answer.size(), answer.whole().size());
}

TEST(AnswerText, TheAnswerKeepsTheSplicedTextsAlive) {
  AnswerText answer;
  std::weak_ptr<std::string> watch;
  {
    auto big = std::make_shared<std::string>(AnswerText::kSpliceFrom + 1, 'x');
    watch = big;
    answer.append_result(*big, big);
  }
  ASSERT_FALSE(watch.expired());
  EXPECT_EQ(answer.whole(), std::string(AnswerText::kSpliceFrom + 1, 'x'));
  answer = AnswerText();
  EXPECT_TRUE(watch.expired());
}

TEST(AnswerText, WithoutAnOwnerOrPastTheLimitTextsAreCopied) {
  const std::string big(AnswerText::kSpliceFrom, 'y');
  AnswerText answer;
  answer.append_result(big, nullptr);
  EXPECT_EQ(answer.splices(), 0u);
  auto owner = std::make_shared<int>(0);
  for (std::size_t i = 0; i < AnswerText::kMaxSplices + 2; ++i) answer.append_result(big, owner);
  EXPECT_EQ(answer.splices(), AnswerText::kMaxSplices);
  EXPECT_EQ(answer.size(), big.size() * (AnswerText::kMaxSplices + 3));
  EXPECT_EQ(answer.whole(), std::string(big.size() * (AnswerText::kMaxSplices + 3), 'y'));
}

TEST(AnswerText, SplicesSideBySideMakeNoEmptyPieces) {
  auto owner = std::make_shared<int>(0);
  const std::string one(AnswerText::kSpliceFrom, '1'), two(AnswerText::kSpliceFrom, '2');
  AnswerText answer;
  answer.append_result(one, owner);
  answer.append_result(two, owner);
  const auto pieces = answer.pieces();
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], one);
  EXPECT_EQ(pieces[1], two);
}

}  // namespace
}  // namespace mosaic::response
