// Router: method + path -> pipeline, parameters decoded; 404, 405 with Allow, bad escapes.
#include "routing/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/compiled_pipeline.hpp"

namespace mosaic::routing {
namespace {

using Status = RouteMatch::Status;
using Strings = std::vector<std::string>;

class RouterTest : public ::testing::Test {
 protected:
  void add(const std::string& method, const std::string& path,
           const pipeline::CompiledPipeline* p) {
    auto pattern = RoutePattern::parse(path);
    ASSERT_TRUE(pattern) << path;
    router_.add(method, *pattern, p);
  }

  Router router_;
  pipeline::CompiledPipeline p1_, p2_, p3_, p4_;
};

TEST_F(RouterTest, MatchesLiteralPath) {
  add("GET", "/health", &p1_);
  add("GET", "/users", &p2_);
  RouteMatch m = router_.match("GET", "/users");
  EXPECT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.pipeline, &p2_);
  EXPECT_TRUE(m.params.empty());
  EXPECT_TRUE(m.allowed.empty());
}

TEST_F(RouterTest, MatchesRoot) {
  add("GET", "/", &p1_);
  add("GET", "/a", &p2_);
  EXPECT_EQ(router_.match("GET", "/").pipeline, &p1_);
  EXPECT_EQ(router_.match("GET", "/").status, Status::kFound);
  EXPECT_EQ(router_.match("GET", "/a").pipeline, &p2_);
}

TEST_F(RouterTest, ParametersInRouteOrder) {
  add("GET", "/users/{userId}/orders/{orderId}", &p1_);
  RouteMatch m = router_.match("GET", "/users/u-1/orders/77");
  ASSERT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.pipeline, &p1_);
  EXPECT_EQ(m.params, (Strings{"u-1", "77"}));
}

TEST_F(RouterTest, ParametersArePercentDecoded) {
  add("GET", "/files/{name}", &p1_);
  RouteMatch m = router_.match("GET", "/files/a%20b%C3%A9");
  ASSERT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.params, (Strings{"a b\xC3\xA9"}));
  // '+' is only a space in a query string.
  EXPECT_EQ(router_.match("GET", "/files/a+b").params, (Strings{"a+b"}));
}

TEST_F(RouterTest, AnEncodedSlashStaysInsideItsParameter) {
  add("GET", "/files/{name}", &p1_);
  RouteMatch m = router_.match("GET", "/files/%2e%2e%2f");
  ASSERT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.params, (Strings{"../"}));
  m = router_.match("GET", "/files/a%2Fb%3Fc%23d");
  ASSERT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.params, (Strings{"a/b?c#d"}));
  // Unencoded, the same text is two segments and does not match a one-parameter route.
  EXPECT_EQ(router_.match("GET", "/files/a/b").status, Status::kNotFound);
}

TEST_F(RouterTest, BadPercentEncodingInAParameter) {
  add("GET", "/files/{name}", &p1_);
  for (const char* path : {"/files/%zz", "/files/a%", "/files/%4", "/files/%G0"}) {
    RouteMatch m = router_.match("GET", path);
    EXPECT_EQ(m.status, Status::kBadPath) << path;
    EXPECT_TRUE(m.params.empty()) << path;
  }
}

// A parameter goes into JSON strings: one that is not UTF-8 once decoded would make the response
// (and a downstream's input) invalid JSON.
TEST_F(RouterTest, AParameterThatIsNotUtf8IsABadPath) {
  add("GET", "/files/{name}", &p1_);
  for (const char* path : {"/files/%FF", "/files/caf%E9", "/files/%C0%AF", "/files/%ED%A0%80"}) {
    RouteMatch m = router_.match("GET", path);
    EXPECT_EQ(m.status, Status::kBadPath) << path;
    EXPECT_TRUE(m.params.empty()) << path;
  }
  EXPECT_EQ(router_.match("GET", "/files/caf%C3%A9").status, Status::kFound);
}

TEST_F(RouterTest, BadPercentEncodingInASecondParameterClearsTheFirst) {
  add("GET", "/a/{x}/{y}", &p1_);
  RouteMatch m = router_.match("GET", "/a/ok/%zz");
  EXPECT_EQ(m.status, Status::kBadPath);
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, NotFound) {
  add("GET", "/users/{id}", &p1_);
  for (const char* path : {"/", "/user/1", "/users", "/users/1/x", "/USERS/1", "/users/1/"}) {
    RouteMatch m = router_.match("GET", path);
    EXPECT_EQ(m.status, Status::kNotFound) << path;
    EXPECT_EQ(m.pipeline, nullptr) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST_F(RouterTest, AnEmptySegmentIsNotAParameter) {
  add("GET", "/users/{id}", &p1_);
  add("GET", "/a/{x}/b", &p2_);
  EXPECT_EQ(router_.match("GET", "/users/").status, Status::kNotFound);
  EXPECT_EQ(router_.match("GET", "/a//b").status, Status::kNotFound);
}

TEST_F(RouterTest, EmptyRouterFindsNothing) {
  EXPECT_EQ(router_.match("GET", "/").status, Status::kNotFound);
  EXPECT_EQ(router_.match("GET", "/x").status, Status::kNotFound);
}

TEST_F(RouterTest, LiteralBeatsParameterWhateverTheOrder) {
  add("GET", "/users/{id}", &p1_);
  add("GET", "/users/me", &p2_);
  add("GET", "/teams/me", &p3_);
  add("GET", "/teams/{id}", &p4_);
  EXPECT_EQ(router_.match("GET", "/users/me").pipeline, &p2_);
  EXPECT_TRUE(router_.match("GET", "/users/me").params.empty());
  EXPECT_EQ(router_.match("GET", "/users/you").pipeline, &p1_);
  EXPECT_EQ(router_.match("GET", "/users/you").params, (Strings{"you"}));
  EXPECT_EQ(router_.match("GET", "/teams/me").pipeline, &p3_);
  EXPECT_EQ(router_.match("GET", "/teams/you").pipeline, &p4_);
}

TEST_F(RouterTest, MoreLiteralSegmentsWin) {
  add("GET", "/{a}/{b}/{c}", &p1_);
  add("GET", "/x/{b}/{c}", &p2_);
  add("GET", "/x/y/{c}", &p3_);
  EXPECT_EQ(router_.match("GET", "/x/y/z").pipeline, &p3_);
  EXPECT_EQ(router_.match("GET", "/x/y/z").params, (Strings{"z"}));
  EXPECT_EQ(router_.match("GET", "/x/q/z").pipeline, &p2_);
  EXPECT_EQ(router_.match("GET", "/x/q/z").params, (Strings{"q", "z"}));
  EXPECT_EQ(router_.match("GET", "/p/q/z").pipeline, &p1_);
  EXPECT_EQ(router_.match("GET", "/p/q/z").params, (Strings{"p", "q", "z"}));
}

TEST_F(RouterTest, MethodsSelectPipelines) {
  add("GET", "/orders/{id}", &p1_);
  add("DELETE", "/orders/{id}", &p2_);
  add("POST", "/orders", &p3_);
  EXPECT_EQ(router_.match("GET", "/orders/1").pipeline, &p1_);
  EXPECT_EQ(router_.match("DELETE", "/orders/1").pipeline, &p2_);
  EXPECT_EQ(router_.match("DELETE", "/orders/1").params, (Strings{"1"}));
  EXPECT_EQ(router_.match("POST", "/orders").pipeline, &p3_);
}

TEST_F(RouterTest, MethodNotAllowedListsTheAllowedMethods) {
  add("GET", "/orders/{id}", &p1_);
  add("DELETE", "/orders/{id}", &p2_);
  add("POST", "/orders", &p3_);
  RouteMatch m = router_.match("PUT", "/orders/1");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.pipeline, nullptr);
  EXPECT_TRUE(m.params.empty());
  EXPECT_EQ(m.allowed, "GET, DELETE, HEAD");
  m = router_.match("GET", "/orders");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, "POST");
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  add("GET", "/a", &p1_);
  RouteMatch m = router_.match("get", "/a");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, "GET, HEAD");
}

TEST_F(RouterTest, AllowListsEachMethodOnce) {
  // Two GET routes of different shapes both match /a/b; a POST to it must say "GET" once.
  add("GET", "/a/{x}", &p1_);
  add("GET", "/a/b", &p2_);
  add("PUT", "/{y}/b", &p3_);
  RouteMatch m = router_.match("POST", "/a/b");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, "GET, PUT, HEAD");
}

TEST_F(RouterTest, HeadMatchesGet) {
  add("GET", "/a/{x}", &p1_);
  add("POST", "/b", &p2_);
  RouteMatch m = router_.match("HEAD", "/a/1");
  EXPECT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.pipeline, &p1_);
  EXPECT_EQ(m.params, (Strings{"1"}));
  // HEAD only falls back to GET, never to another method.
  m = router_.match("HEAD", "/b");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, "POST");
  // GET never falls back to HEAD.
  add("HEAD", "/c", &p3_);
  m = router_.match("GET", "/c");
  EXPECT_EQ(m.status, Status::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, "HEAD");
}

TEST_F(RouterTest, AnExplicitHeadRouteBeatsTheGetFallback) {
  add("GET", "/a", &p1_);
  add("HEAD", "/a", &p2_);
  EXPECT_EQ(router_.match("HEAD", "/a").pipeline, &p2_);
  EXPECT_EQ(router_.match("GET", "/a").pipeline, &p1_);

  Router reversed;
  reversed.add("HEAD", *RoutePattern::parse("/a"), &p2_);
  reversed.add("GET", *RoutePattern::parse("/a"), &p1_);
  EXPECT_EQ(reversed.match("HEAD", "/a").pipeline, &p2_);
  EXPECT_EQ(reversed.match("GET", "/a").pipeline, &p1_);
}

TEST_F(RouterTest, AMatchOnAnotherMethodDoesNotHideAFoundRoute) {
  add("POST", "/a/b", &p1_);
  add("GET", "/a/{x}", &p2_);
  RouteMatch m = router_.match("GET", "/a/b");
  EXPECT_EQ(m.status, Status::kFound);
  EXPECT_EQ(m.pipeline, &p2_);
  EXPECT_EQ(m.params, (Strings{"b"}));
}

TEST_F(RouterTest, LiteralSegmentsAreComparedAsSent) {
  add("GET", "/users/me", &p1_);
  // Literal segments are not decoded: only parameters are.
  EXPECT_EQ(router_.match("GET", "/users/m%65").status, Status::kNotFound);
  EXPECT_EQ(router_.match("GET", "/users/%zz").status, Status::kNotFound);
}

}  // namespace
}  // namespace mosaic::routing
