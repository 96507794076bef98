#include "admin/bearer_token.hpp"

#include <gtest/gtest.h>

namespace mosaic::admin {
namespace {

TEST(BearerToken, ConstantTimeEqualsComparesWholeContents) {
  EXPECT_TRUE(constant_time_equals("abcdef", "abcdef"));
  EXPECT_FALSE(constant_time_equals("abcdef", "abcdeg"));
  EXPECT_FALSE(constant_time_equals("abcdef", "abcde"));
  EXPECT_FALSE(constant_time_equals("abcde", "abcdef"));
  EXPECT_FALSE(constant_time_equals("", "a"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

TEST(BearerToken, OnlyTheBearerSchemeWithTheTokenPasses) {
  const std::string token = "0123456789abcdef";
  EXPECT_TRUE(authorized("Bearer 0123456789abcdef", token));
  EXPECT_TRUE(authorized("bearer 0123456789abcdef", token));
  EXPECT_TRUE(authorized("BEARER   0123456789abcdef ", token));
  EXPECT_FALSE(authorized("Bearer 0123456789abcde", token));
  EXPECT_FALSE(authorized("Bearer 0123456789abcdefg", token));
  EXPECT_FALSE(authorized("Basic 0123456789abcdef", token));
  EXPECT_FALSE(authorized("0123456789abcdef", token));
  EXPECT_FALSE(authorized("", token));
  EXPECT_FALSE(authorized("Bearer ", token));
}

TEST(BearerToken, NoConfiguredTokenLetsEveryoneIn) {
  EXPECT_TRUE(authorized("", ""));
}

}  // namespace
}  // namespace mosaic::admin
