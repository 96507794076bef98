// compile_pipeline / compile_pipelines: downstreams resolved, `with` checked against each
// downstream, dependencies and stages, and every cross-reference error at its file:line:col.
#include "pipeline/pipeline_compiler.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/engine_config.hpp"
#include "mosaic/downstream.hpp"
#include "pipeline/compiled_pipeline.hpp"
#include "routing/router.hpp"
#include "template/value_template.hpp"

namespace mosaic::pipeline {
namespace {

using namespace std::chrono_literals;
using config::Diagnostics;
using config::PipelineConfig;
using config::SourceLocation;
using Indexes = std::vector<std::size_t>;
using Names = std::vector<std::string>;

// A downstream that is never called: only what the compiler asks of it matters.
class FakeDownstream : public Downstream {
 public:
  explicit FakeDownstream(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  std::vector<std::string> accepted_with_keys() const override { return keys_; }

  Interpolation interpolation_for(std::span<const std::string> with_path) const override {
    std::string joined;
    for (const auto& p : with_path) joined += (joined.empty() ? "" : "/") + p;
    asked.push_back(joined);
    if (with_path.size() == 1 && with_path[0] == "path") return Interpolation::kPathSegment;
    if (!with_path.empty() && with_path[0] == "headers") return Interpolation::kHeaderValue;
    if (!with_path.empty() && with_path[0] == "query") return Interpolation::kQueryValue;
    return Interpolation::kRaw;
  }

  CallResult call(const Json& input, CallContext& context) override {
    (void)context;
    return input;
  }

  mutable std::vector<std::string> asked;

 private:
  std::vector<std::string> keys_;
};

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mosaic-pipeline-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    std::filesystem::path file = root_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::filesystem::path root_;
};

::testing::AssertionResult HasError(const Diagnostics& diagnostics, const std::string& file,
                                    int line, int col, const std::string& part) {
  for (const auto& d : diagnostics.items()) {
    if (d.where.file == file && d.where.line == line && d.where.col == col &&
        d.message.find(part) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error at " << file << ":" << line << ":" << col
                                       << " containing '" << part << "'; got:\n"
                                       << diagnostics.str();
}

class PipelineCompilerTest : public ::testing::Test {
 protected:
  PipelineCompilerTest() {
    users_ = std::make_shared<FakeDownstream>(Names{"method", "path", "query", "headers", "body"});
    catalog_ = std::make_shared<FakeDownstream>(Names{"path"});
    any_ = std::make_shared<FakeDownstream>(Names{});
    add_downstream("users", users_, 800ms);
    add_downstream("catalog", catalog_, 250ms);
    add_downstream("any", any_, 1000ms);
  }

  void add_downstream(const std::string& name, std::shared_ptr<Downstream> d,
                      std::chrono::milliseconds timeout) {
    auto handle = std::make_shared<DownstreamHandle>();
    handle->name = name;
    handle->plugin = "fake";
    handle->downstream = std::move(d);
    handle->timeout = timeout;
    handles_[name] = handle;
  }

  DownstreamLookup lookup() {
    return [this](const std::string& name) -> std::shared_ptr<const DownstreamHandle> {
      auto it = handles_.find(name);
      return it == handles_.end() ? nullptr : it->second;
    };
  }

  // Writes `text` to `name` and loads it; the file must be valid for the loader.
  PipelineConfig load(const std::string& name, const std::string& text) {
    const std::string path = dir_.write(name, text);
    Diagnostics d;
    auto config = config::load_pipeline_file(path, d);
    EXPECT_TRUE(config) << "the loader refused the test's file:\n" << d.str();
    return config ? *config : PipelineConfig{};
  }

  std::optional<CompiledPipeline> compile(const std::string& text) {
    config_ = load("p.yaml", text);
    file_ = config_.file;
    return compile_pipeline(config_, lookup(), diagnostics_);
  }

  static std::vector<Names> stage_names(const CompiledPipeline& p) {
    std::vector<Names> out;
    for (const auto& stage : p.stages) {
      Names names;
      for (std::size_t i : stage) names.push_back(p.steps[i].name);
      out.push_back(names);
    }
    return out;
  }

  static const CompiledStep& step(const CompiledPipeline& p, const std::string& name) {
    for (const auto& s : p.steps) {
      if (s.name == name) return s;
    }
    throw std::runtime_error("no step " + name);
  }

  TempDir dir_;
  std::map<std::string, std::shared_ptr<const DownstreamHandle>> handles_;
  std::shared_ptr<FakeDownstream> users_, catalog_, any_;
  PipelineConfig config_;
  std::string file_;
  Diagnostics diagnostics_;
};

// ---------------------------------------------------------------------------------------------
// A valid pipeline

constexpr const char* kDashboard = R"(endpoint: GET /dashboard/{userId}
deadline: 2s
steps:
  auth: { call: users, with: { path: "/auth/${params.userId}", headers: { x-user: "${headers.X-User}" } } }
  profile: { call: users, class: degradable, timeout: 300ms, with: { path: "/p/${steps.auth.id}" } }
  orders: { call: catalog, after: [auth], with: { path: /orders } }
  recs: { call: any, class: background, after: [profile], with: { q: "${steps.orders.items}" } }
response:
  user: "${steps.profile}"
  orders: "${steps.orders.items}"
  who: "${params.userId}"
)";

TEST_F(PipelineCompilerTest, CompilesAValidPipeline) {
  auto p = compile(kDashboard);
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_TRUE(diagnostics_.ok());

  EXPECT_EQ(p->file, file_);
  EXPECT_EQ(p->method, "GET");
  EXPECT_EQ(p->path, "/dashboard/{userId}");
  EXPECT_EQ(p->endpoint(), "GET /dashboard/{userId}");
  EXPECT_EQ(p->pattern.param_names, Names{"userId"});
  EXPECT_EQ(p->pattern.shape(), "/dashboard/{}");
  EXPECT_EQ(p->deadline, 2s);
  EXPECT_EQ(p->foreground_count, 3u);

  ASSERT_EQ(p->steps.size(), 4u);
  EXPECT_EQ(p->steps[0].name, "auth");
  EXPECT_EQ(p->steps[1].name, "profile");
  EXPECT_EQ(p->steps[2].name, "orders");
  EXPECT_EQ(p->steps[3].name, "recs");

  EXPECT_EQ(p->steps[0].step_class, StepClass::kCritical);
  EXPECT_EQ(p->steps[1].step_class, StepClass::kDegradable);
  EXPECT_EQ(p->steps[2].step_class, StepClass::kCritical);
  EXPECT_EQ(p->steps[3].step_class, StepClass::kBackground);

  EXPECT_EQ(p->steps[0].downstream, handles_["users"]);
  EXPECT_EQ(p->steps[1].downstream, handles_["users"]);
  EXPECT_EQ(p->steps[2].downstream, handles_["catalog"]);
  EXPECT_EQ(p->steps[3].downstream, handles_["any"]);

  // The step's own timeout, else its downstream's.
  EXPECT_EQ(p->steps[0].timeout, 800ms);
  EXPECT_EQ(p->steps[1].timeout, 300ms);
  EXPECT_EQ(p->steps[2].timeout, 250ms);
  EXPECT_EQ(p->steps[3].timeout, 1000ms);

  // Dependencies from templates (profile, recs) and `after:` (orders, recs).
  EXPECT_EQ(p->steps[0].deps, Indexes{});
  EXPECT_EQ(p->steps[1].deps, Indexes{0});
  EXPECT_EQ(p->steps[2].deps, Indexes{0});
  EXPECT_EQ(p->steps[3].deps, (Indexes{1, 2}));
  EXPECT_EQ(p->steps[0].dependents, (Indexes{1, 2}));
  EXPECT_EQ(p->steps[1].dependents, Indexes{3});
  EXPECT_EQ(p->steps[2].dependents, Indexes{3});
  EXPECT_EQ(p->steps[3].dependents, Indexes{});

  EXPECT_EQ(p->stages, (std::vector<Indexes>{{0}, {1, 2}, {3}}));
  ASSERT_TRUE(p->response);
  EXPECT_EQ(p->response->step_refs(), (Indexes{1, 2}));
}

TEST_F(PipelineCompilerTest, StepInputsRenderWithTheirDownstreamsEncodings) {
  auto p = compile(kDashboard);
  ASSERT_TRUE(p) << diagnostics_.str();
  // The compiler asked each step's downstream, with paths under `with:`.
  EXPECT_EQ(users_->asked, (Names{"path", "headers/x-user", "path"}));
  EXPECT_EQ(any_->asked, Names{"q"});
  EXPECT_TRUE(catalog_->asked.empty());  // "/orders" is a constant

  std::vector<std::string> params{"u/1?x"};
  tmpl::StringPairs headers{{"x-user", "alice"}};
  Json auth_value = json::parse(R"({"id": "a.b"})");
  Json orders_value = json::parse(R"({"items": [1, 2]})");
  std::vector<const Json*> steps{&auth_value, nullptr, &orders_value, nullptr};
  tmpl::RenderScope scope;
  scope.params = params;
  scope.headers = &headers;
  scope.steps = steps;

  EXPECT_EQ(p->steps[0].input.render(scope),
            json::parse(R"({"path": "/auth/u%2F1%3Fx", "headers": {"x-user": "alice"}})"));
  EXPECT_EQ(p->steps[1].input.render(scope), json::parse(R"({"path": "/p/a.b"})"));
  EXPECT_TRUE(p->steps[2].input.is_constant());
  EXPECT_EQ(p->steps[2].input.render(scope), json::parse(R"({"path": "/orders"})"));
  EXPECT_EQ(p->steps[3].input.render(scope), json::parse(R"({"q": [1, 2]})"));

  // The response is not a downstream input: nothing in it is encoded.
  EXPECT_EQ(p->response->render(scope),
            json::parse(R"({"user": null, "orders": [1, 2], "who": "u/1?x"})"));
}

TEST_F(PipelineCompilerTest, NoResponseMeansNoTemplate) {
  auto p = compile("endpoint: POST /x\nsteps:\n  a: { call: any }\n");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_FALSE(p->response);
  EXPECT_EQ(p->deadline, 1500ms);
  EXPECT_EQ(p->steps[0].timeout, 1000ms);
  EXPECT_TRUE(p->steps[0].input.is_constant());
  EXPECT_TRUE(p->steps[0].input.render({}).is_null());

  auto null_response = compile("endpoint: POST /x\nsteps:\n  a: { call: any }\nresponse: ~\n");
  ASSERT_TRUE(null_response) << diagnostics_.str();
  EXPECT_FALSE(null_response->response);
}

TEST_F(PipelineCompilerTest, AnyWithShapeForADownstreamThatAcceptsAnything) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any, with: [1, "${query.q}"] }
  b: { call: any, with: "${query.q}" }
  c: { call: any, with: { whatever: 1, path: "${query.q}" } }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  tmpl::StringPairs query{{"q", "v"}};
  tmpl::RenderScope scope;
  scope.query = &query;
  EXPECT_EQ(p->steps[0].input.render(scope), json::parse(R"([1, "v"])"));
  EXPECT_EQ(p->steps[1].input.render(scope), Json("v"));
  EXPECT_EQ(p->steps[2].input.render(scope), json::parse(R"({"whatever": 1, "path": "v"})"));
}

// ---------------------------------------------------------------------------------------------
// Dependencies and stages

TEST_F(PipelineCompilerTest, DiamondGivesThreeStages) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  b: { call: any, with: { x: "${steps.a.v}" } }
  c: { call: any, after: [a] }
  d: { call: any, after: [c], with: { x: "${steps.b}" } }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{0}, {1, 2}, {3}}));
  EXPECT_EQ(stage_names(*p), (std::vector<Names>{{"a"}, {"b", "c"}, {"d"}}));
  EXPECT_EQ(step(*p, "d").deps, (Indexes{1, 2}));
  EXPECT_EQ(step(*p, "a").dependents, (Indexes{1, 2}));
}

TEST_F(PipelineCompilerTest, DiamondInReverseFileOrder) {
  auto p = compile(R"(endpoint: GET /x
steps:
  d: { call: any, with: { x: "${steps.b.v}", y: "${steps.c.v}" } }
  c: { call: any, after: [a] }
  b: { call: any, with: { x: "${steps.a}" } }
  a: { call: any }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  // Indexes stay in file order; stages follow the dependencies.
  EXPECT_EQ(p->steps[0].name, "d");
  EXPECT_EQ(p->steps[0].deps, (Indexes{1, 2}));
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{3}, {1, 2}, {0}}));
  EXPECT_EQ(stage_names(*p), (std::vector<Names>{{"a"}, {"c", "b"}, {"d"}}));
}

TEST_F(PipelineCompilerTest, IndependentStepsShareOneStage) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  b: { call: any, class: degradable }
  c: { call: any, class: background }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{0, 1, 2}}));
  EXPECT_EQ(p->foreground_count, 2u);
}

TEST_F(PipelineCompilerTest, ChainsAndUnevenBranches) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  b: { call: any, after: [a] }
  c: { call: any, after: [b] }
  d: { call: any, after: [a] }
  e: { call: any }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(stage_names(*p), (std::vector<Names>{{"a", "e"}, {"b", "d"}, {"c"}}));
}

TEST_F(PipelineCompilerTest, ADependencyNamedTwiceCountsOnce) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  b: { call: any, after: [a, a], with: { x: "${steps.a}", y: "${steps.a.z} ${steps.a.w}" } }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->steps[1].deps, Indexes{0});
  EXPECT_EQ(p->steps[0].dependents, Indexes{1});
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{0}, {1}}));
}

TEST_F(PipelineCompilerTest, ABackgroundStepMayDependOnForegroundSteps) {
  auto p = compile(R"(endpoint: GET /x
steps:
  bg: { call: any, class: background, after: [a], with: { x: "${steps.b}" } }
  a: { call: any }
  b: { call: any, class: degradable }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->steps[0].deps, (Indexes{1, 2}));
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{1, 2}, {0}}));
  EXPECT_EQ(p->foreground_count, 2u);
}

// ---------------------------------------------------------------------------------------------
// Errors: downstreams and `with`

TEST_F(PipelineCompilerTest, UnknownDownstream) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: nope }
  b:
    call: missing
  c: { call: any }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:14: unknown downstream 'nope'");
  EXPECT_EQ(diagnostics_.items()[1].str(), file_ + ":5:11: unknown downstream 'missing'");
}

TEST_F(PipelineCompilerTest, WithKeysCheckedAgainstTheDownstream) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a:
    call: catalog
    with:
      path: /x
      method: POST
      bogus: 1
  b: { call: users, with: { path: /y, header: {} } }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 3u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            file_ + ":7:7: unknown key 'method' in with (downstream 'catalog' accepts: path)");
  EXPECT_TRUE(HasError(diagnostics_, file_, 8, 7,
                       "unknown key 'bogus' in with (downstream 'catalog' accepts: path)"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 9, 39,
                       "unknown key 'header' in with (downstream 'users' accepts: method, path, "
                       "query, headers, body)"));
}

TEST_F(PipelineCompilerTest, WithMustBeAMappingWhenTheDownstreamNamesItsKeys) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: catalog, with: [1, 2] }
  b:
    call: users
    with: /just/a/path
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, file_, 3, 29, "'with' must be a mapping"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 6, 11, "'with' must be a mapping"));
}

TEST_F(PipelineCompilerTest, UnknownPathParameterInWith) {
  EXPECT_FALSE(compile(R"(endpoint: GET /users/{id}
steps:
  a: { call: users, with: { path: "/u/${params.userId}" } }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            file_ + ":3:39: unknown path parameter 'userId' (the endpoint declares id)");
}

// ---------------------------------------------------------------------------------------------
// Errors: step references

TEST_F(PipelineCompilerTest, UnknownStepInATemplate) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: users, with: { path: "/x/${steps.ghost.id}" } }
  b:
    call: any
    with:
      deep: [1, { v: "${steps.nobody}" }]
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:39: unknown step 'ghost'");
  EXPECT_EQ(diagnostics_.items()[1].str(), file_ + ":7:23: unknown step 'nobody'");
}

TEST_F(PipelineCompilerTest, UnknownStepInAfter) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  b: { call: any, after: [a, ghost] }
  c:
    call: any
    after:
      - phantom
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":4:30: unknown step 'ghost' in after");
  EXPECT_EQ(diagnostics_.items()[1].str(), file_ + ":8:9: unknown step 'phantom' in after");
}

TEST_F(PipelineCompilerTest, SelfReferenceInATemplate) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any, with: { x: "${steps.a.id}" } }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:31: step 'a' refers to itself");
}

TEST_F(PipelineCompilerTest, SelfReferenceInAfter) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any, after: [a] }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:27: step 'a' cannot run after itself");
}

TEST_F(PipelineCompilerTest, DependencyOnABackgroundStepInATemplate) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  bg: { call: any, class: background }
  a: { call: any, with: { x: "${steps.bg.v}" } }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ +
                                               ":4:31: step 'a' depends on background step 'bg': "
                                               "background results are never waited for");
}

TEST_F(PipelineCompilerTest, DependencyOnABackgroundStepInAfter) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any, after: [bg] }
  bg: { call: any, class: background }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ +
                                               ":3:27: step 'a' depends on background step 'bg': "
                                               "background results are never waited for");
}

TEST_F(PipelineCompilerTest, ABackgroundStepCannotWaitForAnotherBackgroundStep) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  bg1: { call: any, class: background }
  bg2: { call: any, class: background, after: [bg1] }
)"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 4, 48, "step 'bg2' depends on background step 'bg1'"));
}

TEST_F(PipelineCompilerTest, TwoStepCycle) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any, with: { x: "${steps.b}" } }
  b: { call: any, after: [a] }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:3: dependency cycle: a -> b -> a");
}

TEST_F(PipelineCompilerTest, ThreeStepCycle) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any, after: [c] }
  b: { call: any, after: [a] }
  c: { call: any, with: { x: "${steps.b.v}" } }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":3:3: dependency cycle: a -> c -> b -> a");
}

TEST_F(PipelineCompilerTest, CycleNamesOnlyTheStepsOnTheCycle) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  root: { call: any }
  x: { call: any, after: [a] }
  a: { call: any, after: [b, root] }
  b: { call: any, after: [a] }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":5:3: dependency cycle: a -> b -> a");
}

// ---------------------------------------------------------------------------------------------
// Errors: response

TEST_F(PipelineCompilerTest, ResponseCannotUseABackgroundStep) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any }
  bg: { call: any, class: background }
response:
  a: "${steps.a}"
  recs: "${steps.bg.items}"
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ +
                                               ":7:10: the response cannot use background step "
                                               "'bg': its result arrives after the response "
                                               "(see _meta.pending)");
}

TEST_F(PipelineCompilerTest, ResponseUnknownStepAndParameter) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x/{id}
steps:
  a: { call: any }
response:
  a: ${steps.ghost}
  b: "id ${params.nope}"
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":5:6: unknown step 'ghost'");
  EXPECT_EQ(diagnostics_.items()[1].str(),
            file_ + ":6:10: unknown path parameter 'nope' (the endpoint declares id)");
}

TEST_F(PipelineCompilerTest, ResponseMustBeAMapping) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any }
response: [1, 2]
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            file_ + ":4:11: 'response' must be a mapping (the engine adds _meta to it)");

  diagnostics_ = {};
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any }
response: "${steps.a}"
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            file_ + ":4:11: 'response' must be a mapping (the engine adds _meta to it)");
}

TEST_F(PipelineCompilerTest, MetaIsReservedInTheResponse) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: any }
response:
  data: "${steps.a}"
  _meta: { mine: true }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), file_ + ":6:3: '_meta' is reserved for the engine");
}

TEST_F(PipelineCompilerTest, MetaIsOnlyReservedAtTheTop) {
  auto p = compile(R"(endpoint: GET /x
steps:
  a: { call: any }
response:
  data: { _meta: 1 }
)");
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->response->render({}), json::parse(R"({"data": {"_meta": 1}})"));
}

// ---------------------------------------------------------------------------------------------
// Errors: several at once, and the endpoint

TEST_F(PipelineCompilerTest, EveryStepErrorIsReportedInOneRun) {
  EXPECT_FALSE(compile(R"(endpoint: GET /x
steps:
  a: { call: nope }
  b: { call: any, after: [ghost] }
  c: { call: catalog, with: { path: "${steps.phantom}", extra: 1 } }
  d: { call: any, after: [d] }
)"));
  EXPECT_EQ(diagnostics_.items().size(), 4u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, file_, 3, 14, "unknown downstream 'nope'"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 4, 27, "unknown step 'ghost' in after"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 5, 57, "unknown key 'extra' in with"));
  EXPECT_TRUE(HasError(diagnostics_, file_, 6, 27, "step 'd' cannot run after itself"));
}

TEST_F(PipelineCompilerTest, MalformedEndpointPath) {
  // The loader refuses these; a hand-built config still gets a located error.
  PipelineConfig config;
  config.file = "hand.yaml";
  config.method = "GET";
  config.path = "/a//b";
  config.endpoint_where = {"hand.yaml", 1, 11};
  config::StepConfig a;
  a.name = "a";
  a.call.name = "any";
  config.steps.push_back(a);
  EXPECT_FALSE(compile_pipeline(config, lookup(), diagnostics_));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), "hand.yaml:1:11: malformed endpoint path '/a//b'");
}

TEST_F(PipelineCompilerTest, HandBuiltConfigWithYamlNodes) {
  PipelineConfig config;
  config.file = "hand.yaml";
  config.method = "POST";
  config.path = "/orders/{id}";
  config::StepConfig a;
  a.name = "a";
  a.call.name = "users";
  a.with = YAML::Load(R"({path: "/o/${params.id}", body: "${body}"})");
  config::StepConfig b;
  b.name = "b";
  b.call.name = "any";
  b.step_class = StepClass::kDegradable;
  b.timeout = 50ms;
  b.after.push_back({"a", {}});
  config.steps = {a, b};
  config.response = YAML::Load(R"({order: "${steps.a}", extra: "${steps.b}"})");

  auto p = compile_pipeline(config, lookup(), diagnostics_);
  ASSERT_TRUE(p) << diagnostics_.str();
  EXPECT_EQ(p->steps[1].timeout, 50ms);
  EXPECT_EQ(p->stages, (std::vector<Indexes>{{0}, {1}}));

  std::vector<std::string> params{"a b"};
  Json body = json::parse(R"({"n": 1})");
  tmpl::RenderScope scope;
  scope.params = params;
  scope.body = &body;
  EXPECT_EQ(p->steps[0].input.render(scope),
            json::parse(R"({"path": "/o/a%20b", "body": {"n": 1}})"));
  params[0] = "..";
  EXPECT_THROW(p->steps[0].input.render(scope), tmpl::RenderError);
}

// ---------------------------------------------------------------------------------------------
// compile_pipelines: endpoints across files

TEST_F(PipelineCompilerTest, DuplicateEndpointNamesTheFirstDeclaration) {
  std::vector<PipelineConfig> configs{
      load("a.yaml", "endpoint: GET /a/{x}\nsteps:\n  s: { call: any }\n"),
      load("b.yaml", "# same shape\nendpoint:   GET /a/{y}\nsteps:\n  s: { call: any }\n"),
      load("c.yaml", "endpoint: POST /a/{y}\nsteps:\n  s: { call: any }\n"),
      load("d.yaml", "endpoint: GET /a/b\nsteps:\n  s: { call: any }\n"),
      load("e.yaml", "endpoint: GET /a/{x}/c\nsteps:\n  s: { call: any }\n"),
  };
  auto compiled = compile_pipelines(configs, lookup(), diagnostics_);
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            configs[1].file + ":2:13: duplicate endpoint 'GET /a/{y}', already declared at " +
                configs[0].file + ":1:11");
  ASSERT_EQ(compiled.size(), 4u);
  EXPECT_EQ(compiled[0]->file, configs[0].file);
  EXPECT_EQ(compiled[1]->file, configs[2].file);
  EXPECT_EQ(compiled[2]->file, configs[3].file);
  EXPECT_EQ(compiled[3]->file, configs[4].file);
}

TEST_F(PipelineCompilerTest, EveryDuplicateNamesTheFirst) {
  std::vector<PipelineConfig> configs{
      load("a.yaml", "endpoint: GET /\nsteps:\n  s: { call: any }\n"),
      load("b.yaml", "endpoint: GET /\nsteps:\n  s: { call: any }\n"),
      load("c.yaml", "endpoint: GET /\nsteps:\n  s: { call: any }\n"),
  };
  auto compiled = compile_pipelines(configs, lookup(), diagnostics_);
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, configs[1].file, 1, 11,
                       "already declared at " + configs[0].file + ":1:11"));
  EXPECT_TRUE(HasError(diagnostics_, configs[2].file, 1, 11,
                       "already declared at " + configs[0].file + ":1:11"));
  EXPECT_EQ(compiled.size(), 1u);
}

TEST_F(PipelineCompilerTest, ABrokenPipelineDoesNotStopTheOthers) {
  std::vector<PipelineConfig> configs{
      load("a.yaml", "endpoint: GET /a\nsteps:\n  s: { call: nope }\n"),
      load("b.yaml", "endpoint: GET /b\nsteps:\n  s: { call: any }\n"),
  };
  auto compiled = compile_pipelines(configs, lookup(), diagnostics_);
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, configs[0].file, 3, 14, "unknown downstream 'nope'"));
  ASSERT_EQ(compiled.size(), 1u);
  EXPECT_EQ(compiled[0]->path, "/b");
}

// ---------------------------------------------------------------------------------------------
// Security, end to end: the router decodes, the template encodes

class RequestDataSecurityTest : public PipelineCompilerTest {
 protected:
  void SetUp() override {
    pipeline_ = compile(R"(endpoint: GET /files/{name}
steps:
  meta: { call: users, with: { path: "/v1/files/${params.name}/meta", query: { q: "${params.name}" } } }
  audit: { call: users, with: { path: /audit, headers: { x-file: "file=${params.name}", x-raw: "${params.name}" } } }
)");
    ASSERT_TRUE(pipeline_) << diagnostics_.str();
    router_.add(pipeline_->method, pipeline_->pattern, &*pipeline_);
  }

  // Routes `path`, then renders step `index` with the decoded parameters.
  Json render(const std::string& path, std::size_t index) {
    routing::RouteMatch match = router_.match("GET", path);
    EXPECT_EQ(match.status, routing::RouteMatch::Status::kFound) << path;
    EXPECT_EQ(match.pipeline, &*pipeline_);
    tmpl::RenderScope scope;
    scope.params = match.params;
    return pipeline_->steps[index].input.render(scope);
  }

  std::string rendered_path(const std::string& request_path) {
    return std::string(render(request_path, 0).as_object().at("path").as_string());
  }

  std::optional<CompiledPipeline> pipeline_;
  routing::Router router_;
};

TEST_F(RequestDataSecurityTest, EncodedTraversalIsRefused) {
  EXPECT_THROW(rendered_path("/files/%2e%2e%2f"), tmpl::RenderError);
  EXPECT_THROW(rendered_path("/files/..%2Fadmin%3Fx=1%23top"), tmpl::RenderError);
}

TEST_F(RequestDataSecurityTest, SlashQueryAndFragmentStayInOneSegment) {
  const std::string path = rendered_path("/files/x%2Fadmin%3Fx=1%23top");
  EXPECT_EQ(path, "/v1/files/x%2Fadmin%3Fx%3D1%23top/meta");
  EXPECT_EQ(path.find_first_of("?#"), std::string::npos);
  // Still exactly the four segments the template wrote.
  const std::string prefix = "/v1/files/";
  const std::string suffix = "/meta";
  ASSERT_EQ(path.compare(0, prefix.size(), prefix), 0);
  ASSERT_EQ(path.compare(path.size() - suffix.size(), suffix.size(), suffix), 0);
  const std::string segment =
      path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  EXPECT_EQ(segment.find('/'), std::string::npos);
  EXPECT_NE(segment, "..");
}

TEST_F(RequestDataSecurityTest, DotSegmentsAreRefused) {
  EXPECT_THROW(rendered_path("/files/%2e%2e"), tmpl::RenderError);
  EXPECT_THROW(rendered_path("/files/%2E"), tmpl::RenderError);
  EXPECT_EQ(rendered_path("/files/%2e%2e%2e"), "/v1/files/%2E%2E%2E/meta");
}

TEST_F(RequestDataSecurityTest, QueryValuesAreLeftToThePlugin) {
  Json input = render("/files/a%26b%3Dc", 0);
  EXPECT_EQ(input.as_object().at("query"), json::parse(R"({"q": "a&b=c"})"));
}

TEST_F(RequestDataSecurityTest, HeaderInjectionIsRefused) {
  EXPECT_EQ(
      render("/files/report.pdf", 1),
      json::parse(
          R"({"path": "/audit", "headers": {"x-file": "file=report.pdf", "x-raw": "report.pdf"}})"));
  routing::RouteMatch match = router_.match("GET", "/files/a%0D%0AX-Injected:%201");
  ASSERT_EQ(match.status, routing::RouteMatch::Status::kFound);
  ASSERT_EQ(match.params, Names{"a\r\nX-Injected: 1"});
  tmpl::RenderScope scope;
  scope.params = match.params;
  EXPECT_THROW(pipeline_->steps[1].input.render(scope), tmpl::RenderError);
  // The same value is harmless in a path: it is encoded.
  EXPECT_EQ(std::string(pipeline_->steps[0].input.render(scope).as_object().at("path").as_string()),
            "/v1/files/a%0D%0AX-Injected%3A%201/meta");
  // A bare line feed is refused too.
  match = router_.match("GET", "/files/a%0Ab");
  scope.params = match.params;
  EXPECT_THROW(pipeline_->steps[1].input.render(scope), tmpl::RenderError);
}

}  // namespace
}  // namespace mosaic::pipeline
