// The access line: kept for sampled requests, always for errors, partial answers and slow ones.
#include "logging/access_log.hpp"

#include <gtest/gtest.h>

#include <map>

#include "log_capture.hpp"

namespace mosaic::logging {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::LogFile;
using mosaic::testing::str;

TEST(AccessLog, UnsampledRequestsKeepOnlyErrorsPartialAndSlowLines) {
  LogFile file;
  {
    LogWriter::Options options;
    options.sink = file.sink();
    options.sample_rate = 0.0;  // no request is sampled
    options.slow_request = 500ms;
    LogWriter writer(options);
    auto access = [&](const char* id, int status, std::chrono::milliseconds took,
                      std::size_t degraded) {
      log_access(writer, writer.request_scope(id, "GET /home/{id}"),
                 {"GET", "/home/42", status, took, degraded, degraded > 0});
    };
    access("ok", 200, 10ms, 0);
    access("not-found", 404, 1ms, 0);
    access("failed", 502, 10ms, 0);
    access("partial", 200, 10ms, 2);
    access("slow", 200, 900ms, 0);
    ASSERT_TRUE(writer.flush());
  }
  std::map<std::string, json::object> by_id;
  for (const auto& line : file.lines()) by_id[str(line, "request_id")] = line;
  EXPECT_EQ(by_id.size(), 3u);
  EXPECT_FALSE(by_id.count("ok"));
  EXPECT_FALSE(by_id.count("not-found"));
  ASSERT_TRUE(by_id.count("failed"));
  EXPECT_EQ(str(by_id["failed"], "level"), "error");
  EXPECT_EQ(by_id["failed"].at("status").as_int64(), 502);
  ASSERT_TRUE(by_id.count("partial"));
  EXPECT_EQ(str(by_id["partial"], "level"), "warn");
  EXPECT_EQ(by_id["partial"].at("degraded").as_int64(), 2);
  ASSERT_TRUE(by_id.count("slow"));
  EXPECT_EQ(by_id["slow"].at("slow").as_bool(), true);
  EXPECT_GE(by_id["slow"].at("duration_ms").to_number<double>(), 900.0);
}

TEST(AccessLog, ASampledRequestsLineCarriesTheRequest) {
  LogFile file;
  {
    LogWriter::Options options;
    options.sink = file.sink();
    options.sample_rate = 1.0;
    LogWriter writer(options);
    log_access(writer, writer.request_scope("req-9", "GET /home/{id}"),
               {"GET", "/home/9", 200, 12ms, 0, false});
    ASSERT_TRUE(writer.flush());
  }
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto& line = lines[0];
  EXPECT_EQ(str(line, "level"), "info");
  EXPECT_EQ(str(line, "message"), "request");
  EXPECT_EQ(str(line, "request_id"), "req-9");
  EXPECT_EQ(str(line, "pipeline"), "GET /home/{id}");
  EXPECT_EQ(str(line, "method"), "GET");
  EXPECT_EQ(str(line, "path"), "/home/9");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(line.at("duration_ms").to_number<double>(), 12.0);
  EXPECT_EQ(line.at("degraded").as_int64(), 0);
}

TEST(AccessLog, ErrorsFeedTheAdaptiveRate) {
  LogFile file;
  LogWriter::Options options;
  options.sink = file.sink();
  options.sample_rate = 0.1;
  options.adaptive = true;
  LogWriter writer(options);
  for (int i = 0; i < 100; ++i) {
    log_access(writer, writer.request_scope("r", "GET /x"), {"GET", "/x", 503, 1ms, 0, false});
  }
  writer.sampler().evaluate();
  EXPECT_EQ(writer.sampler().rate(), 1.0);
}

}  // namespace
}  // namespace mosaic::logging
