// RoutePattern and split_path: what an endpoint path template becomes, and which ones are refused.
#include "routing/route_pattern.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace mosaic::routing {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  for (auto seg : split_path(path)) out.emplace_back(seg);
  return out;
}

using Strings = std::vector<std::string>;

TEST(SplitPath, RootAndEmptyHaveNoSegments) {
  EXPECT_EQ(split("/"), Strings{});
  EXPECT_EQ(split(""), Strings{});
}

TEST(SplitPath, SegmentsStayPercentEncoded) {
  EXPECT_EQ(split("/a"), (Strings{"a"}));
  EXPECT_EQ(split("/a/b/c"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(split("/a%2Fb/%2e%2e"), (Strings{"a%2Fb", "%2e%2e"}));
}

TEST(SplitPath, EmptySegmentsAreKept) {
  EXPECT_EQ(split("/a/"), (Strings{"a", ""}));
  EXPECT_EQ(split("//a"), (Strings{"", "a"}));
  EXPECT_EQ(split("/a//b"), (Strings{"a", "", "b"}));
  EXPECT_EQ(split("//"), (Strings{"", ""}));
}

TEST(RoutePattern, Root) {
  auto p = RoutePattern::parse("/");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->segments.empty());
  EXPECT_TRUE(p->param_names.empty());
  EXPECT_EQ(p->shape(), "/");
}

TEST(RoutePattern, LiteralsAndParameters) {
  auto p = RoutePattern::parse("/users/{userId}/orders/{orderId}");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->segments.size(), 4u);
  EXPECT_FALSE(p->segments[0].is_param);
  EXPECT_EQ(p->segments[0].literal, "users");
  EXPECT_TRUE(p->segments[1].is_param);
  EXPECT_EQ(p->segments[1].literal, "");
  EXPECT_FALSE(p->segments[2].is_param);
  EXPECT_EQ(p->segments[2].literal, "orders");
  EXPECT_TRUE(p->segments[3].is_param);
  EXPECT_EQ(p->param_names, (Strings{"userId", "orderId"}));
  EXPECT_EQ(p->shape(), "/users/{}/orders/{}");
}

TEST(RoutePattern, ShapeErasesParameterNames) {
  EXPECT_EQ(RoutePattern::parse("/a/{x}")->shape(), RoutePattern::parse("/a/{y}")->shape());
  EXPECT_NE(RoutePattern::parse("/a/{x}")->shape(), RoutePattern::parse("/a/b")->shape());
  EXPECT_NE(RoutePattern::parse("/a/{x}")->shape(), RoutePattern::parse("/a/{x}/b")->shape());
  EXPECT_EQ(RoutePattern::parse("/{a}/{b}")->shape(), "/{}/{}");
}

TEST(RoutePattern, RefusesMalformedPaths) {
  for (const char* bad : {"", "a", "a/b", "//", "/a//b", "/a/", "/{x}/{x}", "/a{x}", "/{x}b", "/{}",
                          "/{a{b}}", "/{a}}", "/a}", "/{"}) {
    EXPECT_FALSE(RoutePattern::parse(bad)) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace mosaic::routing
