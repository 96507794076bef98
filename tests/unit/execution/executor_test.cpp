#include <gtest/gtest.h>

#include "executor_fixture.hpp"

namespace mosaic::testing {
namespace {

using Status = exec::ExecutionResult::Status;

TEST_F(ExecutorTest, AllHealthyShapesTheResponseWithMeta) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: { name: Ada } } }
  b: { call: svc, class: degradable, with: { value: [1, 2] } }
response:
  user: "${steps.a}"
  greeting: "hi ${steps.a.name} #${params.id}"
  list: "${steps.b}"
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_FALSE(result.partial);
  const json::object body = result.body().as_object();
  EXPECT_EQ(body.at("user").at("name"), "Ada");
  EXPECT_EQ(body.at("greeting"), "hi Ada #42");
  EXPECT_EQ(body.at("list"), (json::array{1, 2}));
  EXPECT_EQ(body.at("_meta").at("request_id"), "req-1");
  EXPECT_TRUE(body.at("_meta").at("degraded").as_object().empty());
  EXPECT_TRUE(body.at("_meta").at("pending").as_object().empty());
}

TEST_F(ExecutorTest, WithoutResponseEveryForegroundResultIsKeyedByName) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: 1 } }
  b: { call: svc, class: degradable, with: { value: 2 } }
  c: { call: svc, class: background, with: { value: 3 } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  const json::object body = result.body().as_object();
  EXPECT_EQ(body.at("a"), 1);
  EXPECT_EQ(body.at("b"), 2);
  EXPECT_FALSE(body.contains("c"));
  EXPECT_EQ(body.at("_meta").at("pending"), (json::object{{"c", "running"}}));
}

TEST_F(ExecutorTest, DegradableFailureGivesNullAndIsNamed) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: 1 } }
  orders: { call: svc, class: degradable, with: { status: 503 } }
  broken: { call: svc, class: degradable, with: { fail: true } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_TRUE(result.partial);
  const json::object body = result.body().as_object();
  EXPECT_TRUE(body.at("orders").is_null());
  EXPECT_EQ(body.at("_meta").at("degraded").at("orders"), "status_503");
  EXPECT_EQ(body.at("_meta").at("degraded").at("broken"), "unavailable");
}

TEST_F(ExecutorTest, HangingDegradableTimesOutAtItsOwnTimeoutAndIsCancelled) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 2s
steps:
  a: { call: svc, with: { value: 1 } }
  slow: { call: svc, class: degradable, timeout: 100ms, with: { id: slow, hang: true } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.body().at("_meta").at("degraded").at("slow"), "timeout");
  EXPECT_GE(took, 95);
  EXPECT_LT(took, 600);
  auto call = downstream_->call_of("slow");
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->saw_cancel);
  EXPECT_EQ(call->interruption.kind, FailureKind::kTimeout);
}

TEST_F(ExecutorTest, CriticalFailureCancelsSiblingsAndFailsAtOnce) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 5s
steps:
  auth: { call: svc, with: { id: auth, delay_ms: 30, status: 500 } }
  slow: { call: svc, class: degradable, with: { id: slow, hang: true } }
  also_slow: { call: svc, with: { id: also_slow, hang: true } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  EXPECT_EQ(result.status, Status::kDependencyFailed);
  EXPECT_EQ(result.failed_step, "auth");
  EXPECT_EQ(result.reason, "status_500");
  EXPECT_LT(took, 1000);
  // Both siblings hear the cancellation (they record it when they return).
  for (int i = 0; i < 100 && downstream_->calls().size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const char* id : {"slow", "also_slow"}) {
    auto call = downstream_->call_of(id);
    ASSERT_TRUE(call) << id;
    EXPECT_TRUE(call->saw_cancel) << id;
    EXPECT_EQ(call->interruption.kind, FailureKind::kCancelled) << id;
  }
}

TEST_F(ExecutorTest, CriticalHangingPastTheDeadlineIs504WithinTheDeadline) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 150ms
steps:
  a: { call: svc, with: { id: a, hang: true } }
  b: { call: svc, class: degradable, with: { id: b, hang: true } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  EXPECT_EQ(result.status, Status::kDeadlineExceeded);
  EXPECT_EQ(result.failed_step, "a");
  EXPECT_EQ(result.reason, "timeout");
  EXPECT_GE(took, 145);
  EXPECT_LT(took, 150 + 200);
}

TEST_F(ExecutorTest, CriticalStepTimeoutShorterThanTheDeadlineIs502Timeout) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 2s
steps:
  a: { call: svc, timeout: 50ms, with: { hang: true } }
)");
  auto result = run(p);
  EXPECT_EQ(result.status, Status::kDependencyFailed);
  EXPECT_EQ(result.reason, "timeout");
}

TEST_F(ExecutorTest, APluginThatIgnoresCancellationCannotHoldTheResponsePastTheDeadline) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 100ms
steps:
  a: { call: svc, with: { value: 1 } }
  stuck: { call: svc, class: degradable, with: { id: stuck, hang: true, ignore_cancel: true } }
  other: { call: svc, class: degradable, with: { value: 2 } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.body().at("_meta").at("degraded").at("stuck"), "timeout");
  EXPECT_EQ(result.body().at("other"), 2);
  EXPECT_LT(took, 100 + 200);
}

TEST_F(ExecutorTest, IndependentStepsRunInParallel) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { delay_ms: 150 } }
  b: { call: svc, with: { delay_ms: 150 } }
  c: { call: svc, with: { delay_ms: 150 } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(downstream_->max_running(), 3);
  EXPECT_LT(took, 400);  // serial would take 450
}

TEST_F(ExecutorTest, DependentsRunAfterTheirInputsAndSeeTheirValues) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  profile: { call: svc, with: { id: profile, delay_ms: 40, value: { segment: gold } } }
  marker: { call: svc, with: { id: marker, value: 1 } }
  recs: { call: svc, after: [marker], with: { id: recs, segment: "${steps.profile.segment}" } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  auto profile = downstream_->call_of("profile");
  auto recs = downstream_->call_of("recs");
  auto marker = downstream_->call_of("marker");
  ASSERT_TRUE(profile && recs && marker);
  EXPECT_GE(recs->started, profile->ended);
  EXPECT_GE(recs->started, marker->ended);
  EXPECT_EQ(recs->input.at("segment"), "gold");
}

TEST_F(ExecutorTest, ADependentOfAFailedDegradableStepSeesNull) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  flaky: { call: svc, class: degradable, with: { status: 500 } }
  next: { call: svc, class: degradable, with: { id: next, from: "${steps.flaky}", field: "${steps.flaky.x}" } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  auto next = downstream_->call_of("next");
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->input.at("from").is_null());
  EXPECT_TRUE(next->input.at("field").is_null());
}

TEST_F(ExecutorTest, BackgroundStepIsNotAwaitedAndItsResultReachesTheSink) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: { seg: s1 } } }
  recs: { call: svc, class: background, with: { id: recs, delay_ms: 300, value: [r1], seg: "${steps.a.seg}" } }
)");
  const auto start = std::chrono::steady_clock::now();
  auto result = run(p);
  const auto took = ms_since(start);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_LT(took, 200);
  EXPECT_EQ(result.body().at("_meta").at("pending"), (json::object{{"recs", "running"}}));
  EXPECT_TRUE(wait_background(0, std::chrono::milliseconds(0))
                  .empty());  // still running after the response
  auto done = wait_background(1, std::chrono::seconds(3));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].step, "recs");
  EXPECT_EQ(done[0].request_id, "req-1");
  EXPECT_TRUE(done[0].ok);
  EXPECT_EQ(done[0].value, (json::array{"r1"}));
  EXPECT_EQ(downstream_->call_of("recs")->input.at("seg"), "s1");
}

TEST_F(ExecutorTest, BackgroundStepIsNotCancelledByTheResponse) {
  auto p = compile(R"(
endpoint: GET /u/{id}
deadline: 100ms
steps:
  a: { call: svc, with: { value: 1 } }
  bg: { call: svc, class: background, timeout: 2s, with: { id: bg, delay_ms: 250, value: done } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  auto done = wait_background(1, std::chrono::seconds(3));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].ok) << done[0].reason;
}

TEST_F(ExecutorTest, AThrowingPluginFailsItsStepWithoutLeakingTheMessage) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { throw: true } }
)");
  auto result = run(p);
  EXPECT_EQ(result.status, Status::kDependencyFailed);
  EXPECT_EQ(result.reason, "error");
}

TEST_F(ExecutorTest, AChainRunsInOrderOnTheRequestThread) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  s1: { call: svc, with: { id: s1, value: 1 } }
  s2: { call: svc, with: { id: s2, value: "${steps.s1}" } }
  s3: { call: svc, with: { id: s3, value: "${steps.s2}" } }
  s4: { call: svc, with: { id: s4, value: "${steps.s3}" } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.body().at("s4"), 1);
  EXPECT_EQ(downstream_->max_running(), 1);
  EXPECT_EQ(steps_.stats().threads, 0u);  // a lone ready step never needs a hand-off
}

TEST_F(ExecutorTest, BackgroundStepsBeyondAFullPoolAreShedNotQueuedForever) {
  exec::WorkerPool tiny({"background", 1, 0, std::chrono::seconds(5)});
  exec::Executor executor(
      exec::Executor::Options{&steps_, &tiny, &timer_, nullptr, {}, std::chrono::milliseconds(20)});
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: 1 } }
  b1: { call: svc, class: background, with: { delay_ms: 200 } }
  b2: { call: svc, class: background, with: { delay_ms: 200 } }
)");
  exec::RequestInput input;
  input.request_id = "req-shed";
  input.params = {"1"};
  auto result = executor.run(p, std::move(input));
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.body().at("_meta").at("pending"),
            (json::object{{"b1", "running"}, {"b2", "shed"}}));
  EXPECT_EQ(tiny.stats().rejected, 1u);
  EXPECT_TRUE(tiny.wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(3)));
}

// A result the templates only place whole stays the downstream's JSON text: it goes into the
// answer byte for byte (its spacing shows no tree was built and written out again).
TEST_F(ExecutorTest, AResultPlacedWholeIsSplicedAsTheDownstreamSentIt) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { text: '{ "x" : 1 ,"y":[ 2 ] }' } }
response:
  page: "${steps.a}"
)");
  ASSERT_TRUE(p->steps[0].keep_as_text);
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.answer.whole().rfind(R"({"page":{ "x" : 1 ,"y":[ 2 ] },"_meta":)", 0), 0u)
      << result.answer.whole();
  EXPECT_EQ(result.body().at("page"), json::parse(R"({"x":1,"y":[2]})"));
}

TEST_F(ExecutorTest, WithoutResponseTextResultsAreSplicedByName) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { text: '[1,  2]' } }
  b: { call: svc, class: degradable, with: { text: ' "two" ' } }
)");
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.answer.whole().rfind(R"({"a":[1,  2],"b": "two" ,"_meta":)", 0), 0u)
      << result.answer.whole();
}

// A large result placed whole is not copied into the answer: the answer keeps the run alive and
// sends the result from where it lies, in the same gather write as the text around it.
TEST_F(ExecutorTest, LargeTextResultsAreSentFromWhereTheyLie) {
  std::string big = "[";
  while (big.size() < response::AnswerText::kSpliceFrom) big += "12345,";
  big += "6]";
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  big: { call: svc, with: { text: ')" +
                   big + R"(' } }
  small: { call: svc, with: { text: '[1,  2]' } }
)");
  ASSERT_TRUE(p->steps[0].keep_as_text);
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  ASSERT_EQ(result.answer.splices(), 1u);
  const auto pieces = result.answer.pieces();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], R"({"big":)");
  EXPECT_EQ(pieces[1], big);
  const std::string& own = result.answer.own();
  EXPECT_TRUE(pieces[1].data() < own.data() || pieces[1].data() >= own.data() + own.size())
      << "the result was copied into the answer";
  EXPECT_EQ(pieces[2].rfind(R"(,"small":[1,  2],"_meta":)", 0), 0u) << pieces[2];
  EXPECT_EQ(result.answer.size(), result.answer.whole().size());
  EXPECT_EQ(result.body().at("big"), json::parse(big));
  EXPECT_EQ(result.body().at("small"), json::parse("[1,2]"));
}

// A result read inside at a few places (a path below it, its text in a string, another step's
// input) stays text too: each place reads the part it names from the text.
TEST_F(ExecutorTest, AResultReadInsideAtAFewPlacesIsReadFromItsText) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { text: '{ "name" : "Ada", "id": 7, "tags": [ "x", {"k": 1} ] }' } }
  b: { call: svc, with: { id: b, value: "${steps.a.id}" } }
response:
  whole: "${steps.a}"
  hello: "hi ${steps.a.name}"
  tag: "${steps.a.tags.1}"
  missing: "${steps.a.nothing.here}"
  next: "${steps.b}"
)");
  EXPECT_TRUE(p->steps[0].keep_as_text);
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.answer.whole().rfind(
                R"({"whole":{ "name" : "Ada", "id": 7, "tags": [ "x", {"k": 1} ] },)"
                R"("hello":"hi Ada","tag":{"k": 1},"missing":null,"next":7,)",
                0),
            0u)
      << result.answer.whole();
}

// Read inside at many places, a result is parsed once when its step completes: the whole of it
// is then written from the tree.
TEST_F(ExecutorTest, AResultReadInsideAtManyPlacesIsParsedOnce) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { text: '{ "n" : 1 }' } }
response:
  whole: "${steps.a}"
  r1: "${steps.a.n}"
  r2: "${steps.a.n}"
  r3: "${steps.a.n}"
  r4: "${steps.a.n}"
  r5: "${steps.a.n}"
)");
  EXPECT_FALSE(p->steps[0].keep_as_text);
  auto result = run(p);
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(
      result.answer.whole().rfind(R"({"whole":{"n":1},"r1":1,"r2":1,"r3":1,"r4":1,"r5":1,)", 0), 0u)
      << result.answer.whole();
}

// The last step of a stage runs on the request's thread when its downstream stops at its
// deadline whatever happens; otherwise it goes to the step pool like its siblings (a plugin that
// ignores cancellation must not hold the response: see the test above).
TEST_F(ExecutorTest, TheLastStepOfAStageRunsHereWhenItsDownstreamStopsAtItsDeadline) {
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  a: { call: svc, with: { value: 1 } }
  b: { call: svc, with: { value: 2 } }
  c: { call: svc, with: { value: 3 } }
)");
  const auto before = steps_.stats().accepted;
  ASSERT_EQ(run(p).status, Status::kOk);
  const auto pooled = steps_.stats().accepted - before;
  downstream_->set_stops_at_deadline(true);
  auto result = run(p);
  const auto pooled_when_stopping = steps_.stats().accepted - before - pooled;
  ASSERT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.body().at("c"), 3);
  EXPECT_EQ(pooled, 3u);
  EXPECT_EQ(pooled_when_stopping, 2u);
}

// Run here, a call that stops at its deadline still ends the request on time, and a critical
// sibling's failure cancels it at once.
TEST_F(ExecutorTest, AStepRunHereIsCancelledByACriticalSiblingsFailure) {
  downstream_->set_stops_at_deadline(true);
  auto p = compile(R"(
endpoint: GET /u/{id}
steps:
  bad:  { call: svc, with: { id: bad, delay_ms: 20, fail: true } }
  slow: { call: svc, with: { id: slow, hang: true } }
)");
  const auto started = std::chrono::steady_clock::now();
  auto result = run(p);
  EXPECT_EQ(result.status, Status::kDependencyFailed);
  EXPECT_EQ(result.failed_step, "bad");
  EXPECT_LT(ms_since(started), 500);
  auto slow = downstream_->call_of("slow");
  ASSERT_TRUE(slow);
  EXPECT_TRUE(slow->saw_cancel);
}

}  // namespace
}  // namespace mosaic::testing
