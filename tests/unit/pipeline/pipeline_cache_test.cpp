// The compiler's side of `cache:`: the key template compiled at load (file:line:col errors),
// its step references becoming dependencies, the lease derived from the call timeout, and the
// response allowed to read a cached background step.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/engine_config.hpp"
#include "pipeline/pipeline_compiler.hpp"

namespace mosaic::pipeline {
namespace {

using namespace std::chrono_literals;
using config::Diagnostics;

class EchoDownstream : public Downstream {
 public:
  CallResult call(const Json& input, CallContext&) override { return input; }
};

class PipelineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mosaic-pcache-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    handle_->name = "users";
    handle_->downstream = std::make_shared<EchoDownstream>();
    handle_->timeout = 800ms;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::optional<CompiledPipeline> compile(const std::string& yaml, Diagnostics& diagnostics) {
    file_ = (dir_ / "p.yaml").string();
    std::ofstream(file_) << yaml;
    auto config = config::load_pipeline_file(file_, diagnostics);
    if (!config) return std::nullopt;
    return compile_pipeline(
        *config, [this](const std::string& n) { return n == "users" ? handle_ : nullptr; },
        diagnostics);
  }

  bool has_error(const Diagnostics& diagnostics, int line, int col, const std::string& part) {
    for (const auto& d : diagnostics.items()) {
      if (d.where.file == file_ && d.where.line == line && d.where.col == col &&
          d.message.find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::filesystem::path dir_;
  std::string file_;
  std::shared_ptr<DownstreamHandle> handle_ = std::make_shared<DownstreamHandle>();
};

TEST_F(PipelineCacheTest, TheKeyTemplateRendersFromTheRequest) {
  Diagnostics diagnostics;
  auto p = compile(R"(endpoint: GET /orders/{userId}
steps:
  orders: { call: users, timeout: 400ms, cache: { key: "orders:${params.userId}", ttl: 60s, stale: 300s } }
)",
                   diagnostics);
  ASSERT_TRUE(p) << diagnostics.str();
  const auto& step = p->steps[0];
  ASSERT_TRUE(step.cache);
  EXPECT_EQ(step.cache->policy.ttl, 60s);
  EXPECT_EQ(step.cache->policy.stale, 300s);
  EXPECT_EQ(step.cache->policy.lease, 500ms);  // the call timeout and a little more
  ASSERT_TRUE(step.cache->series);
  const std::vector<std::string> params{"42"};
  tmpl::RenderScope scope;
  scope.params = params;
  EXPECT_EQ(step.cache->key.render(scope), "orders:42");
  EXPECT_TRUE(step.deps.empty());
}

TEST_F(PipelineCacheTest, AKeyReadingAnotherStepMakesItADependency) {
  Diagnostics diagnostics;
  auto p = compile(R"(endpoint: GET /home/{userId}
steps:
  profile: { call: users }
  recs: { call: users, class: degradable, cache: { key: "recs:${steps.profile.segment}", ttl: 10s } }
)",
                   diagnostics);
  ASSERT_TRUE(p) << diagnostics.str();
  EXPECT_EQ(p->steps[1].deps, (std::vector<std::size_t>{0}));
  ASSERT_EQ(p->stages.size(), 2u);
}

TEST_F(PipelineCacheTest, KeyErrorsPointIntoTheKey) {
  Diagnostics diagnostics;
  auto p = compile(R"(endpoint: GET /orders/{userId}
steps:
  a: { call: users, cache: { key: "a:${params.user}", ttl: 1s } }
  b: { call: users, cache: { key: "b:${steps.ghost}", ttl: 1s } }
  c: { call: users, cache: { key: "c:${steps.c}", ttl: 1s } }
  bg: { call: users, class: background }
  d: { call: users, cache: { key: "d:${steps.bg}", ttl: 1s } }
)",
                   diagnostics);
  EXPECT_FALSE(p);
  ASSERT_GE(diagnostics.items().size(), 4u) << diagnostics.str();
  for (const auto& d : diagnostics.items()) EXPECT_EQ(d.where.file, file_);
  EXPECT_TRUE(has_error(diagnostics, 3, 38, "user")) << diagnostics.str();
  EXPECT_TRUE(has_error(diagnostics, 4, 38, "ghost")) << diagnostics.str();
  EXPECT_TRUE(has_error(diagnostics, 5, 38, "refers to the step itself")) << diagnostics.str();
  EXPECT_TRUE(has_error(diagnostics, 7, 38, "depends on background step 'bg'"))
      << diagnostics.str();
}

TEST_F(PipelineCacheTest, TheResponseMayReadACachedBackgroundStepOnly) {
  Diagnostics ok_diagnostics;
  auto ok = compile(R"(endpoint: GET /home/{userId}
steps:
  profile: { call: users }
  recs: { call: users, class: background, cache: { key: "recs:${params.userId}", ttl: 10s } }
response:
  profile: "${steps.profile}"
  recs: "${steps.recs}"
)",
                    ok_diagnostics);
  EXPECT_TRUE(ok) << ok_diagnostics.str();

  Diagnostics diagnostics;
  auto refused = compile(R"(endpoint: GET /home/{userId}
steps:
  recs: { call: users, class: background }
response:
  recs: "${steps.recs}"
)",
                         diagnostics);
  EXPECT_FALSE(refused);
  EXPECT_NE(diagnostics.str().find("the response cannot use background step 'recs'"),
            std::string::npos);
}

}  // namespace
}  // namespace mosaic::pipeline
