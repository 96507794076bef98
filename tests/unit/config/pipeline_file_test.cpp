// load_pipeline_file: what a valid file becomes, and where each kind of mistake is reported.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include "config/engine_config.hpp"
#include "config_test_support.hpp"

namespace mosaic::config {
namespace {

using namespace std::chrono_literals;
using testing::HasError;
using testing::TempDir;

constexpr const char* kDashboard = R"(endpoint: GET /dashboard/{userId}
deadline: 2s
steps:
  auth: { call: users, class: critical, with: { path: "/auth/${params.userId}" } }
  profile:
    call: users
  orders: { call: users, class: degradable, timeout: 300ms }
  recs:
    call: catalog
    class: background
    after: [auth, profile]
    with:
      path: /recommendations
      query: { segment: "${steps.profile.segment}" }
response:
  user: { auth: "${steps.auth}" }
  orders: "${steps.orders}"
)";

TEST(PipelineFile, LoadsEveryField) {
  TempDir dir;
  const std::string file = dir.write("dashboard.yaml", kDashboard);
  Diagnostics diagnostics;
  auto pipeline = load_pipeline_file(file, diagnostics);
  ASSERT_TRUE(pipeline) << diagnostics.str();
  EXPECT_TRUE(diagnostics.ok());

  EXPECT_EQ(pipeline->file, file);
  EXPECT_EQ(pipeline->method, "GET");
  EXPECT_EQ(pipeline->path, "/dashboard/{userId}");
  EXPECT_EQ(pipeline->endpoint_where.str(), file + ":1:11");
  EXPECT_EQ(pipeline->deadline, 2s);

  ASSERT_EQ(pipeline->steps.size(), 4u);
  const auto& auth = pipeline->steps[0];
  const auto& profile = pipeline->steps[1];
  const auto& orders = pipeline->steps[2];
  const auto& recs = pipeline->steps[3];
  // File order, not alphabetical: the response falls back to it.
  EXPECT_EQ(auth.name, "auth");
  EXPECT_EQ(profile.name, "profile");
  EXPECT_EQ(orders.name, "orders");
  EXPECT_EQ(recs.name, "recs");

  EXPECT_EQ(auth.where.str(), file + ":4:3");
  EXPECT_EQ(auth.call.name, "users");
  EXPECT_EQ(auth.call.where.str(), file + ":4:17");
  EXPECT_EQ(auth.step_class, StepClass::kCritical);
  EXPECT_FALSE(auth.timeout);
  ASSERT_TRUE(auth.with.IsMap());
  EXPECT_EQ(auth.with["path"].as<std::string>(), "/auth/${params.userId}");

  EXPECT_EQ(profile.where.str(), file + ":5:3");
  EXPECT_EQ(profile.call.where.str(), file + ":6:11");
  EXPECT_TRUE(profile.with.IsNull());

  EXPECT_EQ(orders.step_class, StepClass::kDegradable);
  ASSERT_TRUE(orders.timeout);
  EXPECT_EQ(*orders.timeout, 300ms);

  EXPECT_EQ(recs.call.name, "catalog");
  EXPECT_EQ(recs.step_class, StepClass::kBackground);
  ASSERT_EQ(recs.after.size(), 2u);
  EXPECT_EQ(recs.after[0].name, "auth");
  EXPECT_EQ(recs.after[0].where.str(), file + ":11:13");
  EXPECT_EQ(recs.after[1].name, "profile");
  EXPECT_EQ(recs.after[1].where.str(), file + ":11:19");
  const YAML::Node& with = recs.with;
  EXPECT_EQ(with["query"]["segment"].as<std::string>(), "${steps.profile.segment}");

  const YAML::Node& response = pipeline->response;
  ASSERT_TRUE(response.IsMap());
  EXPECT_EQ(response["orders"].as<std::string>(), "${steps.orders}");
  EXPECT_EQ(response["user"]["auth"].as<std::string>(), "${steps.auth}");
}

TEST(PipelineFile, AppliesDefaults) {
  TempDir dir;
  const std::string file =
      dir.write("p.yaml", "endpoint: POST /orders\nsteps:\n  create:\n    call: orders\n");
  Diagnostics diagnostics;
  auto pipeline = load_pipeline_file(file, diagnostics);
  ASSERT_TRUE(pipeline) << diagnostics.str();
  EXPECT_EQ(pipeline->deadline, 1500ms);
  EXPECT_TRUE(pipeline->response.IsNull());
  ASSERT_EQ(pipeline->steps.size(), 1u);
  EXPECT_EQ(pipeline->steps[0].step_class, StepClass::kCritical);
  EXPECT_FALSE(pipeline->steps[0].timeout);
  EXPECT_TRUE(pipeline->steps[0].after.empty());
  EXPECT_TRUE(pipeline->steps[0].with.IsNull());
}

TEST(PipelineFile, AfterMayBeASingleName) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
steps:
  a: { call: users }
  b: { call: users, after: a }
)");
  Diagnostics diagnostics;
  auto pipeline = load_pipeline_file(file, diagnostics);
  ASSERT_TRUE(pipeline) << diagnostics.str();
  ASSERT_EQ(pipeline->steps[1].after.size(), 1u);
  EXPECT_EQ(pipeline->steps[1].after[0].name, "a");
  EXPECT_EQ(pipeline->steps[1].after[0].where.str(), file + ":4:28");
}

TEST(PipelineFile, AfterNamesAreNotCheckedForExistenceHere) {
  // The compiler sees every step and reports a dangling name with the right context.
  TempDir dir;
  const std::string file =
      dir.write("p.yaml", "endpoint: GET /x\nsteps:\n  a: { call: users, after: [ghost] }\n");
  Diagnostics diagnostics;
  EXPECT_TRUE(load_pipeline_file(file, diagnostics)) << diagnostics.str();
}

TEST(PipelineFile, UnknownKeysAtEachLevel) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
steps:
  a:
    call: users
    cache: { key: k, ttl: 5s, tll: 1s }
    retry: 2
    deliver: websocket
respons: {}
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 4u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(),
            file + ":5:31: unknown key 'tll' in cache (expected one of: key, ttl, stale)");
  EXPECT_TRUE(HasError(
      diagnostics, file, 6, 5,
      "unknown key 'retry' in step 'a' (expected one of: call, class, timeout, after, with, "
      "cache)"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 5, "unknown key 'deliver' in step 'a'"));
  EXPECT_EQ(diagnostics.items()[3].str(),
            file +
                ":8:1: unknown key 'respons' in the pipeline file (expected one of: "
                "endpoint, deadline, steps, response)");
}

TEST(PipelineFile, BadClass) {
  TempDir dir;
  const std::string file =
      dir.write("p.yaml", "endpoint: GET /x\nsteps:\n  a: { call: users, class: urgent }\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(),
            file + ":3:28: bad class 'urgent' (expected one of: critical, degradable, background)");
}

TEST(PipelineFile, BadDeadlinesAndTimeouts) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
deadline: 1500
steps:
  a: { call: users, timeout: 0ms }
  b: { call: users, timeout: 11m }
  c: { call: users, timeout: soon }
  d: { call: users, timeout: 10m }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 4u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 2, 11,
                       "bad duration '1500' for deadline: expected a duration such as 250ms, 2s "
                       "or 1m (a bare number has no unit)"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 30, "timeout must be greater than 0"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 30, "timeout must be at most 600000ms, got '11m'"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 30,
                       "bad duration 'soon' for timeout: expected a duration such as 250ms"));
}

TEST(PipelineFile, DeadlineRange) {
  TempDir dir;
  struct Case {
    const char* deadline;
    const char* error_part;  // empty: valid
  };
  const Case cases[] = {{"0s", "deadline must be greater than 0"},
                        {"601s", "deadline must be at most 600000ms"},
                        {"nanms", "bad duration 'nanms'"},
                        {"-1s", "bad duration '-1s'"},
                        {"10m", ""},
                        {"1ms", ""}};
  for (const auto& c : cases) {
    const std::string file = dir.write("p.yaml", std::string("endpoint: GET /x\ndeadline: ") +
                                                     c.deadline + "\nsteps: { a: { call: u } }\n");
    Diagnostics diagnostics;
    auto pipeline = load_pipeline_file(file, diagnostics);
    if (*c.error_part == '\0') {
      EXPECT_TRUE(pipeline) << c.deadline << ": " << diagnostics.str();
    } else {
      EXPECT_FALSE(pipeline) << c.deadline;
      EXPECT_TRUE(HasError(diagnostics, file, 2, 11, c.error_part)) << c.deadline;
    }
  }
}

TEST(PipelineFile, BadEndpointsAreReportedAtTheEndpoint) {
  TempDir dir;
  struct Case {
    const char* endpoint;
    const char* error_part;
  };
  const Case cases[] = {
      {"GTE /x", "bad endpoint 'GTE /x': unknown method 'GTE'"},
      {"/x", "expected 'METHOD /path'"},
      {"GET x", "must start with '/'"},
      {"GET /a//b", "empty path segment"},
      {"GET /a/", "trailing '/'"},
      {"GET /user{id}", "whole path segment"},
      {"GET /a/{id}/b/{id}", "duplicate path parameter 'id'"},
      {"GET /a/{9}", "bad path parameter name '9'"},
  };
  for (const auto& c : cases) {
    const std::string file = dir.write(
        "p.yaml", std::string("steps: { a: { call: u } }\nendpoint: \"") + c.endpoint + "\"\n");
    Diagnostics diagnostics;
    EXPECT_FALSE(load_pipeline_file(file, diagnostics)) << c.endpoint;
    EXPECT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
    EXPECT_TRUE(HasError(diagnostics, file, 2, 11, c.error_part)) << c.endpoint;
  }
}

TEST(PipelineFile, MissingRequiredKeys) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", "deadline: 1s\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 2u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 1, 1, "missing required key 'endpoint'"));
  EXPECT_TRUE(HasError(diagnostics, file, 1, 1, "missing required key 'steps'"));
}

TEST(PipelineFile, NeedsAtLeastOneStepEachWithACall) {
  TempDir dir;
  const std::string empty = dir.write("empty.yaml", "endpoint: GET /x\nsteps: {}\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(empty, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, empty, 2, 8, "a pipeline needs at least one step"));

  const std::string no_call =
      dir.write("no_call.yaml", "endpoint: GET /x\nsteps:\n  a: { class: critical }\n  b:\n");
  Diagnostics more;
  EXPECT_FALSE(load_pipeline_file(no_call, more));
  ASSERT_EQ(more.items().size(), 2u) << more.str();
  EXPECT_TRUE(HasError(more, no_call, 3, 3, "missing required key 'call' in step 'a'"));
  EXPECT_TRUE(HasError(more, no_call, 4, 3, "missing required key 'call' in step 'b'"));
}

TEST(PipelineFile, BadNames) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
steps:
  9lives: { call: users }
  a: { call: "user service" }
  b: { call: users, after: [a, "not a name"] }
  c: [call, users]
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 4u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 3, 3, "bad step name '9lives'"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 14, "bad name 'user service' for call"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 32, "bad step name 'not a name' in after"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 6, "expected a mapping for step 'c'"));
}

TEST(PipelineFile, DuplicateKeys) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: GET /x
steps:
  a: { call: users }
  a: { call: orders }
  b: { call: users, call: orders }
endpoint: GET /y
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 3u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 4, 3, "duplicate key 'a' in steps (first at line 3)"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 21, "duplicate key 'call' in step 'b'"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 1,
                       "duplicate key 'endpoint' in the pipeline file (first at line 1)"));
}

TEST(PipelineFile, SyntaxErrorHasItsPosition) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", "endpoint: GET /x\ndeadline: 1s: 2\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(), file + ":2:13: YAML syntax error: illegal map value");
}

TEST(PipelineFile, OnlyOneDocument) {
  TempDir dir;
  const std::string file =
      dir.write("p.yaml", "endpoint: GET /x\nsteps: { a: { call: u } }\n---\nendpoint: GET /y\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 1, "only one YAML document"));
}

// yaml-cpp 0.7's LoadAll never returns on ",%" (found by fuzz_config_loader): the loader must end
// in a diagnostic. On a thread, so that a regression fails here instead of hanging the suite.
TEST(PipelineFile, InputThatStallsTheYamlParserEndsInADiagnostic) {
  TempDir dir;
  for (const std::string text : {",%\n", ",ndpE%"}) {
    const std::string file = dir.write("p.yaml", text);
    auto loaded = std::make_shared<std::promise<bool>>();
    auto result = loaded->get_future();
    std::thread([file, loaded] {
      Diagnostics diagnostics;
      loaded->set_value(load_pipeline_file(file, diagnostics).has_value() || diagnostics.ok());
    }).detach();
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready) << "the loader did not return";
    EXPECT_FALSE(result.get()) << "no config and no diagnostic for " << text;
  }
}

TEST(PipelineFile, MissingFileNamesTheFile) {
  TempDir dir;
  const std::string file = dir.path("absent.yaml");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].str(), file + ": cannot read file: No such file or directory");

  Diagnostics on_dir;
  EXPECT_FALSE(load_pipeline_file(dir.path(""), on_dir));
  EXPECT_NE(on_dir.str().find("it is a directory"), std::string::npos) << on_dir.str();
}

TEST(PipelineFile, NotAMapping) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", "- endpoint: GET /x\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 1, 1, "expected a mapping for the pipeline file"));
}

TEST(PipelineFile, ReportsSeveralErrorsInOneLoad) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", R"(endpoint: FETCH /x
owner: team-a
steps:
  a: { call: users, class: sometimes }
  b: { call: users, timeout: 5 }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_pipeline_file(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 4u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 1, 11, "unknown method 'FETCH'"));
  EXPECT_TRUE(HasError(diagnostics, file, 2, 1, "unknown key 'owner'"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 28, "bad class 'sometimes'"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 30, "bad duration '5' for timeout"));
}

TEST(PipelineFile, KeepsEarlierDiagnosticsAndJudgesOnlyItsOwn) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", "endpoint: GET /x\nsteps: { a: { call: u } }\n");
  Diagnostics diagnostics;
  diagnostics.error({"other.yaml", 1, 1}, "an earlier problem");
  EXPECT_TRUE(load_pipeline_file(file, diagnostics));
  EXPECT_EQ(diagnostics.items().size(), 1u);
}

TEST(StepClass, Names) {
  EXPECT_STREQ(to_string(StepClass::kCritical), "critical");
  EXPECT_STREQ(to_string(StepClass::kDegradable), "degradable");
  EXPECT_STREQ(to_string(StepClass::kBackground), "background");
}

}  // namespace
}  // namespace mosaic::config
