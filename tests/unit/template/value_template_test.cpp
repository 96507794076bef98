// ValueTemplate: YAML trees compiled once, rendered per request. What each expression reads, how
// text interpolation and whole-value insertion differ, the per-path encodings, and where every
// compile error is reported (file:line:col of the `${`).
#include "template/value_template.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/source_location.hpp"

namespace mosaic::tmpl {
namespace {

using config::Diagnostics;
using config::SourceLocation;

constexpr const char* kFile = "with.yaml";

// True when some diagnostic sits exactly at file:line:col and its message contains `part`.
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

// The request data a render reads; owns everything the RenderScope borrows.
struct Request {
  std::vector<std::string> params;
  StringPairs query;
  StringPairs headers;
  std::optional<Json> body;
  std::vector<std::optional<Json>> steps;  // nullopt: the step has no value

  RenderScope scope() {
    step_ptrs.clear();
    for (const auto& s : steps) step_ptrs.push_back(s ? &*s : nullptr);
    RenderScope out;
    out.params = params;
    out.query = &query;
    out.headers = &headers;
    out.body = body ? &*body : nullptr;
    out.steps = step_ptrs;
    return out;
  }

 private:
  std::vector<const Json*> step_ptrs;
};

class ValueTemplateTest : public ::testing::Test {
 protected:
  ValueTemplateTest() {
    env_.file = kFile;
    env_.param_names = param_names_;
    env_.step_index = [this](std::string_view name) -> CompileEnv::StepLookup {
      if (name == "late") return {std::nullopt, "step 'x' depends on background step 'late'"};
      for (std::size_t i = 0; i < step_names_.size(); ++i) {
        if (step_names_[i] == name) return {i, {}};
      }
      return {};
    };
    env_.interpolation_for = [this](std::span<const std::string> path) {
      std::string joined;
      for (const auto& p : path) joined += (joined.empty() ? "" : "/") + p;
      asked_.push_back(joined);
      if (path.size() == 1 && path[0] == "path") return Interpolation::kPathSegment;
      if (!path.empty() && path[0] == "headers") return Interpolation::kHeaderValue;
      if (!path.empty() && path[0] == "query") return Interpolation::kQueryValue;
      return Interpolation::kRaw;
    };

    request_.params = {"42", "hello-world"};
    request_.query = {{"q", "first"}, {"q", "second"}, {"u", "x&y=z"}};
    request_.headers = {{"x-user", "u1"}, {"authorization", "Bearer t0k"}};
    request_.body = json::parse(
        R"({"n": 7, "s": "str", "flag": true, "nothing": null, "obj": {"k": 1},
            "list": [10, 20, {"id": "deep"}], "0": "zero"})");
    request_.steps = {json::parse(R"({"token": "abc"})"),
                      json::parse(R"({"items": [{"id": 5}, {"id": 6}], "total": 2})"),
                      std::nullopt};
  }

  std::optional<ValueTemplate> compile(const std::string& yaml) {
    env_.source =
        std::make_shared<const std::string>(yaml);  // as the pipeline loader hands it over
    return ValueTemplate::compile(YAML::Load(yaml), env_, diagnostics_);
  }

  // Compiles `yaml` (which must succeed) and renders it against request_.
  Json render(const std::string& yaml) {
    auto t = compile(yaml);
    EXPECT_TRUE(t) << diagnostics_.str();
    if (!t) return nullptr;
    return t->render(request_.scope());
  }

  // Compiles `{value: <scalar>}` and renders the value.
  Json render_value(const std::string& scalar) {
    Json out = render("value: " + scalar);
    if (!out.is_object()) return nullptr;
    return out.as_object().at("value");
  }

  std::vector<std::string> param_names_{"id", "slug"};
  std::vector<std::string> step_names_{"auth", "orders", "failed"};
  std::vector<std::string> asked_;
  CompileEnv env_;
  Diagnostics diagnostics_;
  Request request_;
};

// ---------------------------------------------------------------------------------------------
// Constants

TEST_F(ValueTemplateTest, UndefinedAndNullNodesRenderNull) {
  auto undefined = ValueTemplate::compile(YAML::Node(), env_, diagnostics_);
  ASSERT_TRUE(undefined);
  EXPECT_TRUE(undefined->is_constant());
  EXPECT_TRUE(undefined->render(request_.scope()).is_null());

  auto null = compile("~");
  ASSERT_TRUE(null);
  EXPECT_TRUE(null->is_constant());
  EXPECT_TRUE(null->render(request_.scope()).is_null());
  EXPECT_TRUE(null->step_refs().empty());
  EXPECT_TRUE(diagnostics_.ok());
}

TEST_F(ValueTemplateTest, ScalarsAreTypedByTheYamlCoreSchema) {
  Json out = render(R"(
int: 42
neg: -3
float: 1.5
yes: true
no: false
nothing: ~
empty:
text: hello
quoted_int: "42"
quoted_bool: 'true'
quoted_null: "null"
)");
  EXPECT_EQ(out, json::parse(R"({"int": 42, "neg": -3, "float": 1.5, "yes": true, "no": false,
      "nothing": null, "empty": null, "text": "hello", "quoted_int": "42", "quoted_bool": "true",
      "quoted_null": "null"})"));
}

TEST_F(ValueTemplateTest, ConstantTreesFoldToOneConstant) {
  auto t = compile("{a: 1, b: [x, '2', true, ~, {c: d}], e: {}, f: []}");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_TRUE(t->is_constant());
  EXPECT_TRUE(t->step_refs().empty());
  EXPECT_EQ(t->render(request_.scope()),
            json::parse(R"({"a": 1, "b": ["x", "2", true, null, {"c": "d"}], "e": {}, "f": []})"));
  // Strings without `${` never ask for an encoding.
  EXPECT_TRUE(asked_.empty());
}

TEST_F(ValueTemplateTest, KeysKeepTheirFileOrder) {
  Json out = render("{z: '${params.id}', a: 1, m: [2]}");
  EXPECT_EQ(json::serialize(out), R"({"z":"42","a":1,"m":[2]})");
}

TEST_F(ValueTemplateTest, ATreeWithAnyReferenceIsNotConstant) {
  auto t = compile("{a: 1, b: [x, {c: '${params.id}'}]}");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_FALSE(t->is_constant());
  EXPECT_EQ(t->render(request_.scope()), json::parse(R"({"a": 1, "b": ["x", {"c": "42"}]})"));
}

// ---------------------------------------------------------------------------------------------
// Whole-value references insert the JSON value

TEST_F(ValueTemplateTest, WholeReferenceInsertsTheJsonValue) {
  EXPECT_EQ(render_value("'${body.n}'"), Json(7));
  EXPECT_EQ(render_value("'${body.flag}'"), Json(true));
  EXPECT_EQ(render_value("'${body.s}'"), Json("str"));
  EXPECT_EQ(render_value("'${body.obj}'"), json::parse(R"({"k": 1})"));
  EXPECT_EQ(render_value("'${body.list}'"), json::parse(R"([10, 20, {"id": "deep"}])"));
  EXPECT_TRUE(render_value("'${body.nothing}'").is_null());
  // Plain and double-quoted scalars behave the same.
  EXPECT_EQ(render_value("${body.n}"), Json(7));
  EXPECT_EQ(render_value("\"${body.n}\""), Json(7));
}

TEST_F(ValueTemplateTest, BodyPathsWalkObjectsAndArrays) {
  EXPECT_EQ(render_value("'${body.list.0}'"), Json(10));
  EXPECT_EQ(render_value("'${body.list.2.id}'"), Json("deep"));
  // A numeric part is also an object key.
  EXPECT_EQ(render_value("'${body.0}'"), Json("zero"));
  EXPECT_EQ(render_value("'${body}'"), *request_.body);
}

TEST_F(ValueTemplateTest, AbsentValuesRenderNull) {
  EXPECT_TRUE(render_value("'${body.missing}'").is_null());
  EXPECT_TRUE(render_value("'${body.list.3}'").is_null());     // past the end
  EXPECT_TRUE(render_value("'${body.list.x}'").is_null());     // not an index
  EXPECT_TRUE(render_value("'${body.n.x}'").is_null());        // below a number
  EXPECT_TRUE(render_value("'${body.s.0}'").is_null());        // below a string
  EXPECT_TRUE(render_value("'${body.nothing.x}'").is_null());  // below null
  EXPECT_TRUE(render_value("'${query.none}'").is_null());
  EXPECT_TRUE(render_value("'${headers.none}'").is_null());
  EXPECT_TRUE(render_value("'${steps.failed}'").is_null());
  EXPECT_TRUE(render_value("'${steps.failed.x}'").is_null());
  EXPECT_TRUE(render_value("'${steps.orders.items.9.id}'").is_null());
}

TEST_F(ValueTemplateTest, NoBodyRendersNull) {
  request_.body.reset();
  EXPECT_TRUE(render_value("'${body}'").is_null());
  EXPECT_TRUE(render_value("'${body.n}'").is_null());
  EXPECT_EQ(render_value("'n=${body.n}'"), Json("n="));
}

TEST_F(ValueTemplateTest, ParamsAreStringsInRouteOrder) {
  EXPECT_EQ(render_value("'${params.id}'"), Json("42"));
  EXPECT_EQ(render_value("'${params.slug}'"), Json("hello-world"));
}

TEST_F(ValueTemplateTest, QueryFirstValueWinsAndNamesAreCaseSensitive) {
  EXPECT_EQ(render_value("'${query.q}'"), Json("first"));
  EXPECT_TRUE(render_value("'${query.Q}'").is_null());
}

TEST_F(ValueTemplateTest, HeaderNamesAreLowerCased) {
  EXPECT_EQ(render_value("'${headers.X-User}'"), Json("u1"));
  EXPECT_EQ(render_value("'${headers.x-user}'"), Json("u1"));
  EXPECT_EQ(render_value("'${headers.AUTHORIZATION}'"), Json("Bearer t0k"));
}

TEST_F(ValueTemplateTest, StepsReadTheStepValueAndBelow) {
  EXPECT_EQ(render_value("'${steps.auth}'"), json::parse(R"({"token": "abc"})"));
  EXPECT_EQ(render_value("'${steps.auth.token}'"), Json("abc"));
  EXPECT_EQ(render_value("'${steps.orders.items.1.id}'"), Json(6));
  EXPECT_EQ(render_value("'${steps.orders.total}'"), Json(2));
}

TEST_F(ValueTemplateTest, MissingScopePartsRenderNull) {
  RenderScope empty;  // no params, query, headers, body or steps at all
  auto t = compile(R"({p: '${params.id}', q: '${query.q}', h: '${headers.x-user}', b: '${body}',
                       s: '${steps.auth}', t: 'x${query.q}${steps.auth.token}'})");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_EQ(t->render(empty), json::parse(R"({"p": null, "q": null, "h": null, "b": null,
                                              "s": null, "t": "x"})"));
}

// ---------------------------------------------------------------------------------------------
// Interpolation

TEST_F(ValueTemplateTest, InterpolationWritesEachValuesText) {
  EXPECT_EQ(render_value("'/users/${params.id}/orders'"), Json("/users/42/orders"));
  EXPECT_EQ(render_value("'n=${body.n};s=${body.s};f=${body.flag};o=${body.obj};l=${body.list.1}'"),
            Json(R"(n=7;s=str;f=true;o={"k":1};l=20)"));
  // null and absent values write nothing.
  EXPECT_EQ(render_value("'[${body.nothing}][${query.none}][${steps.failed}]'"), Json("[][][]"));
  EXPECT_EQ(render_value("'${params.id}${params.slug}'"), Json("42hello-world"));
  EXPECT_EQ(render_value("'{${params.id}}'"), Json("{42}"));
  EXPECT_EQ(render_value("'${params.id} '"), Json("42 "));
}

TEST_F(ValueTemplateTest, DoubleDollarIsALiteral) {
  auto t = compile("value: '$${params.id}'");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_TRUE(t->is_constant());
  EXPECT_EQ(t->render(request_.scope()).as_object().at("value"), Json("${params.id}"));

  EXPECT_EQ(render_value("'$${a} is ${params.id}'"), Json("${a} is 42"));
  EXPECT_EQ(render_value("'cost: $5, ${params.id}'"), Json("cost: $5, 42"));
  EXPECT_EQ(render_value("'$${'"), Json("${"));
  EXPECT_EQ(render_value("$${not.checked}"), Json("${not.checked}"));
  // An escaped `${` is not an expression, so nothing inside it is checked.
  EXPECT_TRUE(diagnostics_.ok()) << diagnostics_.str();
}

TEST_F(ValueTemplateTest, ATemplateRendersFreshlyForEachRequest) {
  auto t = compile("{path: '/u/${params.id}', who: '${headers.x-user}'}");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_EQ(t->render(request_.scope()), json::parse(R"({"path": "/u/42", "who": "u1"})"));
  Request other;
  other.params = {"7", "s"};
  other.headers = {{"x-user", "u2"}};
  EXPECT_EQ(t->render(other.scope()), json::parse(R"({"path": "/u/7", "who": "u2"})"));
  EXPECT_EQ(t->render(request_.scope()), json::parse(R"({"path": "/u/42", "who": "u1"})"));
}

TEST_F(ValueTemplateTest, StepRefsAreSortedAndUnique) {
  auto t = compile(R"({a: '${steps.orders.items}', b: ['${steps.auth}', 'x${steps.orders.total}'],
                       c: '${params.id}'})");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_EQ(t->step_refs(), (std::vector<std::size_t>{0, 1}));
}

TEST_F(ValueTemplateTest, CompileStringInterpolates) {
  auto t = ValueTemplate::compile_string("x-${params.id}-${query.q}", env_, diagnostics_);
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_EQ(t->render(request_.scope()), Json("x-42-first"));

  auto whole = ValueTemplate::compile_string("${body.obj}", env_, diagnostics_);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->render(request_.scope()), json::parse(R"({"k": 1})"));

  auto empty = ValueTemplate::compile_string("", env_, diagnostics_);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_constant());
  EXPECT_EQ(empty->render(request_.scope()), Json(""));

  auto steps = ValueTemplate::compile_string("${steps.orders}${steps.auth}", env_, diagnostics_);
  ASSERT_TRUE(steps);
  EXPECT_EQ(steps->step_refs(), (std::vector<std::size_t>{0, 1}));
}

// ---------------------------------------------------------------------------------------------
// Encodings chosen per path

TEST_F(ValueTemplateTest, InterpolationForIsAskedWithThePathOfEachTemplatedString) {
  auto t = compile(R"(
path: /u/${params.id}
method: GET
headers: { x-user: '${headers.x-user}', fixed: abc }
list: [a, '${params.id}']
nested: { deeper: { leaf: '${params.id}' } }
)");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_EQ(asked_,
            (std::vector<std::string>{"path", "headers/x-user", "list/1", "nested/deeper/leaf"}));
}

TEST_F(ValueTemplateTest, PathSegmentEncodingKeepsSlashesQueriesAndFragmentsInOneSegment) {
  request_.params[0] = "a/admin?x=1#f";
  Json path = render("path: /users/${params.id}/orders").as_object().at("path");
  ASSERT_TRUE(path.is_string());
  const std::string text(path.as_string());
  EXPECT_EQ(text, "/users/a%2Fadmin%3Fx%3D1%23f/orders");
  EXPECT_EQ(text.find_first_of("?#"), std::string::npos);
  // Exactly the three segments the template wrote, none of them a dot segment.
  std::vector<std::string> segments;
  for (std::size_t start = 1;;) {
    std::size_t slash = text.find('/', start);
    segments.push_back(text.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  ASSERT_EQ(segments.size(), 3u) << text;
  EXPECT_EQ(segments[0], "users");
  EXPECT_EQ(segments[2], "orders");
  EXPECT_NE(segments[1], "..");
  EXPECT_NE(segments[1], ".");
}

TEST_F(ValueTemplateTest, PathSegmentEncodingOfDotSegmentsAndDecodedEscapes) {
  auto t = compile("path: /files/${params.id}/raw");
  ASSERT_TRUE(t) << diagnostics_.str();
  auto path_for = [&](const std::string& id) {
    request_.params[0] = id;
    return std::string(t->render(request_.scope()).as_object().at("path").as_string());
  };
  // A value that could climb out of its place is refused, not encoded: some downstreams decode
  // %2E%2E%2F back to "../" before resolving the path.
  for (const char* climbing : {"..", ".", "../", "../admin?x=1", "a/../b", "..\\x", "./"}) {
    EXPECT_THROW(path_for(climbing), RenderError) << climbing;
  }
  EXPECT_EQ(path_for("..."), "/files/%2E%2E%2E/raw");
  EXPECT_EQ(path_for("a..b"), "/files/a..b/raw");
  EXPECT_EQ(path_for("%2e%2e%2f"), "/files/%252e%252e%252f/raw");
  EXPECT_EQ(path_for("a b"), "/files/a%20b/raw");
  EXPECT_EQ(path_for("a\r\nb"), "/files/a%0D%0Ab/raw");
  EXPECT_EQ(path_for(""), "/files//raw");
}

TEST_F(ValueTemplateTest, PathSegmentEncodingLeavesTheTemplatesOwnTextAlone) {
  // The operator wrote the literal parts; only request data is encoded.
  request_.params[0] = "a/b";
  EXPECT_EQ(render("path: /v1/x.y/${params.id}?fixed=1").as_object().at("path"),
            Json("/v1/x.y/a%2Fb?fixed=1"));
}

TEST_F(ValueTemplateTest, PathSegmentEncodingOfAWholeReferenceGivesAString) {
  request_.params[0] = "a/b";
  EXPECT_EQ(render("path: '${params.id}'").as_object().at("path"), Json("a%2Fb"));
  EXPECT_EQ(render("path: '${body.n}'").as_object().at("path"), Json("7"));
  EXPECT_EQ(render("path: '/x/${body.obj}'").as_object().at("path"), Json("/x/%7B%22k%22%3A1%7D"));
  EXPECT_TRUE(render("path: '${query.none}'").as_object().at("path").is_null());
}

TEST_F(ValueTemplateTest, HeaderValuesRefuseLineBreaks) {
  auto t = compile("headers: { authorization: 'Bearer ${query.token}', x-user: '${query.user}' }");
  ASSERT_TRUE(t) << diagnostics_.str();

  request_.query = {{"token", "abc"}, {"user", "u\t1"}};
  EXPECT_EQ(t->render(request_.scope()),
            json::parse(R"({"headers": {"authorization": "Bearer abc", "x-user": "u\t1"}})"));

  request_.query = {{"token", "abc\r\nX-Injected: 1"}, {"user", "u1"}};
  EXPECT_THROW(t->render(request_.scope()), RenderError);
  request_.query = {{"token", "abc\n"}, {"user", "u1"}};
  EXPECT_THROW(t->render(request_.scope()), RenderError);
  request_.query = {{"token", std::string("a\0b", 3)}, {"user", "u1"}};
  EXPECT_THROW(t->render(request_.scope()), RenderError);
  // A whole-value reference is checked too.
  request_.query = {{"token", "abc"}, {"user", "u1\r\nX-Injected: 1"}};
  EXPECT_THROW(t->render(request_.scope()), RenderError);
  request_.query = {{"token", "abc"}, {"user", "\r"}};
  try {
    t->render(request_.scope());
    ADD_FAILURE() << "expected RenderError";
  } catch (const RenderError& e) {
    EXPECT_STREQ(e.what(), "a header value may not contain control characters");
  }
}

TEST_F(ValueTemplateTest, HeaderValuesFromJsonAreText) {
  EXPECT_EQ(render("headers: { x-n: '${body.n}' }"), json::parse(R"({"headers": {"x-n": "7"}})"));
  EXPECT_EQ(render("headers: { x-o: '${body.obj}' }"),
            json::parse(R"({"headers": {"x-o": "{\"k\":1}"}})"));
  // A JSON string holding a line break is refused like any other.
  request_.body = json::parse(R"({"s": "a\r\nb"})");
  auto t = compile("headers: { x-s: '${body.s}' }");
  ASSERT_TRUE(t);
  EXPECT_THROW(t->render(request_.scope()), RenderError);
}

TEST_F(ValueTemplateTest, HeaderTemplateWithALineBreakOfItsOwnIsRefused) {
  auto t = compile(R"(headers: { x-a: "a\r\n${params.id}" })");
  ASSERT_TRUE(t) << diagnostics_.str();
  EXPECT_THROW(t->render(request_.scope()), RenderError);
}

TEST_F(ValueTemplateTest, QueryAndRawValuesAreNotEncodedByTheTemplate) {
  // The plugin encodes the whole query value; raw values keep their JSON type.
  EXPECT_EQ(render("query: { u: 'v=${query.u}' }"), json::parse(R"({"query": {"u": "v=x&y=z"}})"));
  EXPECT_EQ(render("query: { n: '${body.n}' }"), json::parse(R"({"query": {"n": 7}})"));
  EXPECT_EQ(render("body: { u: '${query.u}', n: '${body.n}', up: '../${query.u}' }"),
            json::parse(R"({"body": {"u": "x&y=z", "n": 7, "up": "../x&y=z"}})"));
}

// ---------------------------------------------------------------------------------------------
// Compile errors: message and exact position of the `${`

TEST_F(ValueTemplateTest, ErrorInAPlainScalarPointsAtTheExpression) {
  EXPECT_FALSE(compile("path: /users/${params.nope}"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(),
            "with.yaml:1:14: unknown path parameter 'nope' (the endpoint declares id, slug)");
}

TEST_F(ValueTemplateTest, ErrorInADoubleQuotedScalarPointsInsideTheQuotes) {
  EXPECT_FALSE(compile("path: \"/users/${params.nope}\""));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 15, "unknown path parameter 'nope'"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
}

TEST_F(ValueTemplateTest, ErrorInASingleQuotedScalarPointsInsideTheQuotes) {
  EXPECT_FALSE(compile("path: '/users/${params.nope}'"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 15, "unknown path parameter 'nope'"));
}

TEST_F(ValueTemplateTest, ErrorAtTheStartOfAScalar) {
  EXPECT_FALSE(compile("a: ${steps.ghost}\nb: \"${steps.ghost}\""));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 4, "unknown step 'ghost'"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 2, 5, "unknown step 'ghost'"));
}

TEST_F(ValueTemplateTest, ErrorDeepInATreeAndLaterInTheString) {
  EXPECT_FALSE(compile(R"(a:
  b:
    - x
    - "id=${params.id}&bad=${query}"
  c: { path: "/u/${steps.ghost}" }
)"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, kFile, 4, 28,
                       "'${query}': query takes exactly one name, as in ${query.name}"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 5, 18, "unknown step 'ghost'"));
}

TEST_F(ValueTemplateTest, EveryErrorOfAStringIsReported) {
  EXPECT_FALSE(compile("v: '${params.a}-${params.id}-${params.b}'"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 5, "unknown path parameter 'a'"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 30, "unknown path parameter 'b'"));
}

TEST_F(ValueTemplateTest, EscapedDollarsKeepColumnsExact) {
  EXPECT_FALSE(compile("v: '$${x} ${params.nope}'"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 11, "unknown path parameter 'nope'"));
}

TEST_F(ValueTemplateTest, UnknownParamWithNoParamsDeclared) {
  param_names_.clear();
  env_.param_names = param_names_;
  EXPECT_FALSE(compile("v: ${params.id}"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 4,
                       "unknown path parameter 'id' (the endpoint declares none)"));
}

TEST_F(ValueTemplateTest, UnknownRoot) {
  EXPECT_FALSE(compile("v: ${cookies.x}"));
  ASSERT_EQ(diagnostics_.items().size(), 1u);
  EXPECT_EQ(diagnostics_.items()[0].str(),
            "with.yaml:1:4: unknown root 'cookies' in '${cookies.x}' (expected params, query, "
            "headers, body "
            "or steps)");
}

TEST_F(ValueTemplateTest, MalformedExpressions) {
  const char* cases[] = {"${}",           "${params.}",      "${.id}",
                         "${params..id}", "${ params.id }",  "${body.a b}",
                         "${body.$x}",    "${params.id[0]}", "${body.a/b}"};
  for (const char* expr : cases) {
    Diagnostics d;
    auto t = ValueTemplate::compile(YAML::Load(std::string("v: '") + expr + "'"), env_, d);
    EXPECT_FALSE(t) << expr;
    ASSERT_EQ(d.items().size(), 1u) << expr << "\n" << d.str();
    const std::string inner(expr + 2, std::strlen(expr) - 3);
    EXPECT_TRUE(HasError(d, kFile, 1, 5, "malformed expression '${" + inner + "}'")) << expr;
  }
}

TEST_F(ValueTemplateTest, RootsThatTakeExactlyOneName) {
  struct Case {
    const char* expr;
    const char* message;
  };
  const Case cases[] = {
      {"${params}", "'${params}': params takes exactly one name, as in ${params.name}"},
      {"${params.id.x}", "'${params.id.x}': params takes exactly one name, as in ${params.name}"},
      {"${query}", "'${query}': query takes exactly one name, as in ${query.name}"},
      {"${query.a.b}", "'${query.a.b}': query takes exactly one name, as in ${query.name}"},
      {"${headers}", "'${headers}': headers takes exactly one name, as in ${headers.name}"},
      {"${headers.x.y}", "'${headers.x.y}': headers takes exactly one name, as in ${headers.name}"},
      {"${steps}", "'${steps}' needs a step name, as in ${steps.profile}"},
  };
  for (const auto& c : cases) {
    Diagnostics d;
    EXPECT_FALSE(ValueTemplate::compile(YAML::Load(std::string("v: ") + c.expr), env_, d))
        << c.expr;
    ASSERT_EQ(d.items().size(), 1u) << c.expr << "\n" << d.str();
    EXPECT_EQ(d.items()[0].str(), std::string("with.yaml:1:4: ") + c.message);
  }
}

TEST_F(ValueTemplateTest, UnknownStepAndStepLookupErrors) {
  EXPECT_FALSE(compile("a: '${steps.ghost.x}'\nb: 'x ${steps.late}'"));
  ASSERT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), "with.yaml:1:5: unknown step 'ghost'");
  // A lookup's own error is reported as is.
  EXPECT_EQ(diagnostics_.items()[1].str(),
            "with.yaml:2:7: step 'x' depends on background step 'late'");
}

TEST_F(ValueTemplateTest, NoStepLookupMeansEveryStepIsUnknown) {
  env_.step_index = nullptr;
  EXPECT_FALSE(compile("a: ${steps.auth}"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 4, "unknown step 'auth'"));
}

TEST_F(ValueTemplateTest, UnterminatedExpression) {
  EXPECT_FALSE(compile("a: 'x ${params.id'"));
  ASSERT_EQ(diagnostics_.items().size(), 1u) << diagnostics_.str();
  EXPECT_EQ(diagnostics_.items()[0].str(), "with.yaml:1:7: unterminated '${' in template");
}

TEST_F(ValueTemplateTest, ErrorsAnywhereFailTheWholeTree) {
  EXPECT_FALSE(compile("{ok: '${params.id}', list: [1, '${nope.x}'], deep: {er: '${params.zz}'}}"));
  EXPECT_EQ(diagnostics_.items().size(), 2u) << diagnostics_.str();
}

TEST_F(ValueTemplateTest, CompileStringReportsRelativeToTheGivenLocation) {
  EXPECT_FALSE(
      ValueTemplate::compile_string("ab${params.nope}", env_, diagnostics_, {"f.yaml", 3, 10}));
  ASSERT_EQ(diagnostics_.items().size(), 1u);
  EXPECT_EQ(diagnostics_.items()[0].str(),
            "f.yaml:3:12: unknown path parameter 'nope' (the endpoint declares id, slug)");
}

}  // namespace
}  // namespace mosaic::tmpl

namespace mosaic::tmpl {
namespace {

// Escapes, doubled quotes and block scalars make the decoded text differ from the source: the
// position comes from the source text itself.
TEST_F(ValueTemplateTest, ErrorColumnAfterAnEscapeInADoubleQuotedScalar) {
  EXPECT_FALSE(compile(R"(v: "\t${params.nope}")"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 7, "unknown path parameter 'nope'"));
}

TEST_F(ValueTemplateTest, ErrorColumnAfterADoubledQuoteInASingleQuotedScalar) {
  EXPECT_FALSE(compile("v: 'it''s ${params.nope}'"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 1, 11, "unknown path parameter 'nope'"));
}

TEST_F(ValueTemplateTest, ErrorPositionInABlockScalar) {
  EXPECT_FALSE(compile("v: |\n  x ${params.nope}\n"));
  EXPECT_TRUE(HasError(diagnostics_, kFile, 2, 5, "unknown path parameter 'nope'"));
}

}  // namespace
}  // namespace mosaic::tmpl

namespace mosaic::tmpl {
namespace {

// write() is what the response path uses: the same value as render(), as text, for every kind of
// node (constants, whole references present and absent, interpolation, nested objects and arrays).
TEST_F(ValueTemplateTest, WriteProducesTheTextOfWhatRenderBuilds) {
  const std::string yaml = R"(
constant: { a: [1, 2.5, "x"], b: true, c: null }
whole: "${steps.orders}"
missing: "${steps.failed}"
deep: "${steps.orders.items.1.id}"
text: "user ${params.id} has ${steps.orders.total} items, first ${steps.orders.items.0}"
list: ["${body.n}", { nested: "${body.obj}" }, "${query.q}"]
quote: "say \"hi\"\n"
)";
  auto t = compile(yaml);
  ASSERT_TRUE(t) << diagnostics_.str();
  const Json rendered = t->render(request_.scope());
  std::string written;
  t->write(request_.scope(), written);
  EXPECT_EQ(json::parse(written), rendered) << written;

  std::string members;
  const auto count = t->write_members(request_.scope(), members, "whole");
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, rendered.as_object().size() - 1);
  json::object expected = rendered.as_object();
  expected.erase("whole");
  EXPECT_EQ(json::parse("{" + members + "}"), expected) << members;
}

TEST_F(ValueTemplateTest, WriteMembersRefusesARootThatIsNotAnObject) {
  auto t = compile("[1, 2]");
  ASSERT_TRUE(t) << diagnostics_.str();
  std::string out;
  EXPECT_FALSE(t->write_members(request_.scope(), out, "").has_value());
  EXPECT_TRUE(out.empty());
}

TEST_F(ValueTemplateTest, NumbersInterpolatedIntoTextReadAsWritten) {
  request_.steps[1] = json::parse(R"({"total": 42.5, "tiny": 0.001, "count": 3})");
  EXPECT_EQ(
      render(
          R"(v: "total ${steps.orders.total}, tiny ${steps.orders.tiny}, count ${steps.orders.count}")")
          .at("v"),
      "total 42.5, tiny 0.001, count 3");
}

}  // namespace
}  // namespace mosaic::tmpl
