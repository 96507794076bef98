#include "trace/trace_context.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <vector>

namespace mosaic::trace {
namespace {

const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kValid = "00-" + kTrace + "-00f067aa0ba902b7-01";

TEST(TraceParent, AValidHeaderIsParsed) {
  auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->trace_id, kTrace);
  EXPECT_EQ(parsed->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, "01");
}

TEST(TraceParent, MalformedHeadersAreRefused) {
  const std::vector<std::string> refused = {
      "",
      "garbage",
      "00-" + kTrace + "-00f067aa0ba902b7-01-extra",  // version 00 has exactly four fields
      "ff-" + kTrace + "-00f067aa0ba902b7-01",        // version ff is invalid
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
      "00-" + kTrace + "-0000000000000000-01",                    // all-zero span id
      "00-" + kTrace + "-00f067aa0ba902b-01",                     // short span id
      "00_" + kTrace + "-00f067aa0ba902b7-01",                    // wrong separator
      "0g-" + kTrace + "-00f067aa0ba902b7-01",                    // not hex
  };
  for (const std::string& bad : refused) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(TraceParent, ALaterVersionMayAddFields) {
  EXPECT_TRUE(parse_traceparent("01-" + kTrace + "-00f067aa0ba902b7-01-what-ever"));
  EXPECT_FALSE(parse_traceparent("01-" + kTrace + "-00f067aa0ba902b7-01x"));
}

TEST(TraceState, ListsOfKeyValuePairsAreValid) {
  EXPECT_TRUE(is_valid_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_TRUE(is_valid_tracestate("tenant@system=1, other=x"));
  EXPECT_TRUE(is_valid_tracestate(""));
  EXPECT_FALSE(is_valid_tracestate("Upper=1"));
  EXPECT_FALSE(is_valid_tracestate("novalue"));
  EXPECT_FALSE(is_valid_tracestate("k=va,lue=x=y"));
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  EXPECT_FALSE(is_valid_tracestate(many));
}

TEST(TraceContext, ContinuesAValidParentWithANewSpan) {
  TraceContext context = continue_or_start(kValid, "vendor=abc");
  EXPECT_EQ(context.trace_id, kTrace);
  EXPECT_EQ(context.parent_span_id, "00f067aa0ba902b7");
  EXPECT_NE(context.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(context.span_id.size(), 16u);
  EXPECT_EQ(context.tracestate, "vendor=abc");
  EXPECT_EQ(context.traceparent(), "00-" + kTrace + "-" + context.span_id + "-01");
}

TEST(TraceContext, StartsANewTraceWithoutAValidParentAndDropsTracestate) {
  TraceContext context = continue_or_start("nonsense", "vendor=abc");
  EXPECT_TRUE(std::regex_match(context.trace_id, std::regex("[0-9a-f]{32}")));
  EXPECT_TRUE(context.parent_span_id.empty());
  EXPECT_TRUE(context.tracestate.empty());
  EXPECT_EQ(context.flags, "01");
  EXPECT_NE(continue_or_start("", "").trace_id, context.trace_id);
}

TEST(TraceContext, KeepsOnlyTheSampledFlag) {
  EXPECT_EQ(continue_or_start("00-" + kTrace + "-00f067aa0ba902b7-00", "").flags, "00");
  EXPECT_EQ(continue_or_start("00-" + kTrace + "-00f067aa0ba902b7-03", "").flags, "01");
}

TEST(TraceContext, EachChildSpanIsNew) {
  TraceContext context = continue_or_start(kValid, "");
  std::set<std::string> children;
  const std::regex shape("00-" + kTrace + "-([0-9a-f]{16})-01");
  for (int i = 0; i < 100; ++i) {
    std::smatch m;
    const std::string child = context.child_traceparent();
    ASSERT_TRUE(std::regex_match(child, m, shape)) << child;
    children.insert(m[1].str());
  }
  EXPECT_EQ(children.size(), 100u);
}

}  // namespace
}  // namespace mosaic::trace
