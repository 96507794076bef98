// Per-request sampling: the rate holds over many requests, a request's lines stay together, and
// warn/error lines are never sampled out.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "log_capture.hpp"
#include "logging/context_logger.hpp"

namespace mosaic::logging {
namespace {

using mosaic::testing::LogFile;
using mosaic::testing::str;

LogWriter::Options file_options(const LogFile& file, double rate) {
  LogWriter::Options options;
  options.sink = file.sink();
  options.sample_rate = rate;
  options.max_queued = 1 << 20;
  return options;
}

// Binomial(n, p): six standard deviations either side; a correct sampler leaves these bounds
// about once in 500 million runs, a broken one (always, never, per line) at once.
void expect_binomial(int kept, int n, double p) {
  const double mean = n * p;
  const double sd = std::sqrt(n * p * (1 - p));
  EXPECT_GE(kept, mean - 6 * sd) << "kept " << kept << " of " << n << " at rate " << p;
  EXPECT_LE(kept, mean + 6 * sd) << "kept " << kept << " of " << n << " at rate " << p;
}

TEST(Sampling, RateHoldsOverTenThousandRequests) {
  LogFile file;
  for (double rate : {0.1, 0.5}) {
    LogWriter writer(file_options(file, rate));
    int kept = 0;
    for (int i = 0; i < 10000; ++i)
      kept += writer.request_scope("r" + std::to_string(i), "GET /x")->sampled ? 1 : 0;
    expect_binomial(kept, 10000, rate);
  }
  LogWriter none(file_options(file, 0.0));
  LogWriter all(file_options(file, 1.0));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(none.request_scope("r", "p")->sampled);
    EXPECT_TRUE(all.request_scope("r", "p")->sampled);
  }
}

TEST(Sampling, ARequestsLinesAreKeptOrDroppedTogether) {
  LogFile file;
  constexpr int kRequests = 2000;
  {
    LogWriter writer(file_options(file, 0.3));
    for (int i = 0; i < kRequests; ++i) {
      ContextLogger request(&writer, "req-" + std::to_string(i), "GET /dashboard/{id}");
      request.info("request started");
      for (const char* step : {"auth", "profile", "orders"}) {
        ContextLogger step_logger = request.for_step(step);
        step_logger.debug("calling");  // below the level: never written
        step_logger.info("step done", {{"n", i}});
      }
      if (i % 10 == 0) request.warn("degradable step failed", {{"step", "orders"}});
    }
    ASSERT_TRUE(writer.flush());
    EXPECT_EQ(writer.dropped(), 0u);
  }
  std::map<std::string, int> info_lines;
  std::map<std::string, int> warn_lines;
  for (const auto& line : file.lines()) {
    const std::string id = str(line, "request_id");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(str(line, "pipeline"), "GET /dashboard/{id}");
    if (str(line, "level") == "info") ++info_lines[id];
    if (str(line, "level") == "warn") ++warn_lines[id];
    EXPECT_NE(str(line, "level"), "debug");
  }
  for (const auto& [id, n] : info_lines) EXPECT_EQ(n, 4) << id << " lost some of its lines";
  expect_binomial(static_cast<int>(info_lines.size()), kRequests, 0.3);
  EXPECT_EQ(warn_lines.size(),
            static_cast<std::size_t>(kRequests / 10));  // warn is never sampled out
}

TEST(Sampling, ProcessLinesAreNotSampled) {
  LogFile file;
  {
    LogWriter writer(file_options(file, 0.0));
    ContextLogger process(&writer);
    process.info("mosaicd listening");
    ASSERT_TRUE(writer.flush());
    EXPECT_EQ(writer.sampled_out(), 0u);
  }
  ASSERT_EQ(file.lines().size(), 1u);
  EXPECT_EQ(str(file.lines()[0], "message"), "mosaicd listening");
}

TEST(Sampling, EnabledReflectsTheRequestsDecisionSoCallersSkipWork) {
  LogFile file;
  LogWriter writer(file_options(file, 0.0));
  ContextLogger request(&writer, "req-1", "GET /x");
  EXPECT_FALSE(request.enabled(LogLevel::kInfo));
  EXPECT_TRUE(request.enabled(LogLevel::kWarn));
  const auto before = writer.sampled_out();
  request.info("not kept");
  EXPECT_EQ(writer.sampled_out(), before + 1);
}

TEST(Sampling, LevelOffWritesNothing) {
  LogFile file;
  LogWriter::Options options = file_options(file, 1.0);
  options.off = true;
  {
    LogWriter writer(options);
    ContextLogger process(&writer);
    ContextLogger request(&writer, "req-1", "GET /x");
    EXPECT_FALSE(process.enabled(LogLevel::kError));
    process.error("nothing");
    request.error("nothing either");
    EXPECT_TRUE(writer.flush());
    EXPECT_EQ(writer.written(), 0u);
  }
  EXPECT_TRUE(file.lines().empty());
}

}  // namespace
}  // namespace mosaic::logging
