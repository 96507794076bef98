#include "execution/executor.hpp"

#include <condition_variable>
#include <mutex>

#include "execution/cancel_source.hpp"
#include "execution/step_context.hpp"
#include "logging/context_logger.hpp"
#include "template/value_template.hpp"

namespace mosaic::exec {

namespace {

using pipeline::CompiledPipeline;
using pipeline::CompiledStep;
using pipeline::StepClass;

struct StepState {
  bool ok = false;
  Json value;
  Failure failure;
};

// Shared by the request thread and every worker running one of its steps; a worker that
// finishes after the response went out still writes into a live object.
struct Run {
  std::shared_ptr<const CompiledPipeline> pipeline;
  RequestInput input;
  Clock::time_point deadline;
  std::shared_ptr<CancelSource> cancel = std::make_shared<CancelSource>();
  logging::ContextLogger logger;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<StepState> steps;     // written once per step, under mutex
  std::vector<std::size_t> completed;  // steps finished since the scheduler last looked
};

bool is_interruption_kind(FailureKind kind) {
  return kind == FailureKind::kTimeout || kind == FailureKind::kCancelled || kind == FailureKind::kUnavailable ||
         kind == FailureKind::kConnectFailed || kind == FailureKind::kError;
}

CallResult call_step(const Run& run, std::size_t index, const Json& input, Clock::time_point deadline,
                     const std::shared_ptr<CancelSource>& parent, DeadlineTimer& timer) {
  const CompiledStep& step = run.pipeline->steps[index];
  StepContext context(run.input.request_id, deadline, parent, timer, run.logger.for_step(step.name));
  CallResult result = [&]() -> CallResult {
    try {
      return step.downstream->downstream->call(input, context);
    } catch (const std::exception& e) {
      return Failure::Of(FailureKind::kError, std::string("plugin threw: ") + e.what());
    } catch (...) {
      return Failure::Of(FailureKind::kError, "plugin threw a non-standard exception");
    }
  }();
  // The context knows why an interrupted call stopped better than the plugin does.
  if (!result.ok() && context.cancelled() && is_interruption_kind(result.failure().kind)) {
    Failure why = context.interruption();
    why.detail = result.failure().detail;
    return why;
  }
  return result;
}

void complete(Run& run, std::size_t index, CallResult result) {
  const CompiledStep& step = run.pipeline->steps[index];
  const bool critical_failed = !result.ok() && step.step_class == StepClass::kCritical;
  {
    std::lock_guard lock(run.mutex);
    StepState& state = run.steps[index];
    if (result.ok()) {
      state.ok = true;
      state.value = std::move(result).value();
    } else {
      state.failure = std::move(result).take_failure();
    }
    run.completed.push_back(index);
  }
  // Queued before the siblings hear of it, so the scheduler sees this failure, not their
  // "cancelled", as the cause.
  if (critical_failed) run.cancel->cancel(CancelReason::kCancelled);  // stop them now, not when the scheduler wakes
  run.changed.notify_all();
}

json::object failure_fields(const std::string& step, const Failure& failure) {
  json::object fields{{"step", step}, {"reason", failure.reason()}};
  if (!failure.detail.empty()) fields["detail"] = failure.detail;
  return fields;
}

class Scheduler {
 public:
  Scheduler(const Executor::Options& options, std::shared_ptr<Run> run)
      : options_(options), run_(std::move(run)), pipeline_(*run_->pipeline) {
    const std::size_t n = pipeline_.steps.size();
    deps_left_.resize(n);
    finished_.assign(n, false);
    for (std::size_t i = 0; i < n; ++i) deps_left_[i] = pipeline_.steps[i].deps.size();
    foreground_left_ = pipeline_.foreground_count;
  }

  ExecutionResult run() {
    ScheduledDeadline request_deadline(
        *options_.timer, options_.timer->schedule(run_->deadline, [c = run_->cancel] { c->cancel(CancelReason::kDeadline); }));
    std::vector<std::size_t> ready;
    if (!pipeline_.stages.empty()) ready = pipeline_.stages.front();
    while (true) {
      launch(ready);
      ready.clear();
      if (foreground_left_ == 0) return shape();
      std::vector<std::size_t> done;
      {
        std::unique_lock lock(run_->mutex);
        const bool any = run_->changed.wait_until(lock, run_->deadline + options_.grace,
                                                  [this] { return !run_->completed.empty(); });
        if (!any) {
          lock.unlock();
          return give_up();
        }
        done.swap(run_->completed);
      }
      for (std::size_t index : done) {
        if (auto error = settle(index, ready)) return std::move(*error);
      }
    }
  }

 private:
  // Starts every ready step. The last foreground one runs here when nothing else is in flight.
  void launch(const std::vector<std::size_t>& ready) {
    std::vector<std::size_t> foreground;
    for (std::size_t index : ready) {
      if (pipeline_.steps[index].step_class == StepClass::kBackground) {
        launch_background(index);
      } else {
        foreground.push_back(index);
      }
    }
    for (std::size_t k = 0; k < foreground.size(); ++k) {
      const std::size_t index = foreground[k];
      const bool inline_call = k + 1 == foreground.size() && in_flight_ == 0;
      ++in_flight_;
      std::optional<Json> input = render_input(index);
      if (!input) continue;  // completed with bad_input
      const Clock::time_point deadline =
          std::min(Clock::now() + pipeline_.steps[index].timeout, run_->deadline);
      if (inline_call) {
        complete(*run_, index, call_step(*run_, index, *input, deadline, run_->cancel, *options_.timer));
        continue;
      }
      auto task = [run = run_, index, input = std::move(*input), deadline, timer = options_.timer]() {
        complete(*run, index, call_step(*run, index, input, deadline, run->cancel, *timer));
      };
      if (!options_.step_pool->try_submit(std::move(task))) {
        complete(*run_, index, Failure::Of(FailureKind::kShed, "step pool full"));
      }
    }
  }

  std::optional<Json> render_input(std::size_t index) {
    try {
      return pipeline_.steps[index].input.render(scope_for(pipeline_.steps[index].deps));
    } catch (const tmpl::RenderError& e) {
      complete(*run_, index, Failure::Of(FailureKind::kBadInput, e.what()));
      return std::nullopt;
    }
  }

  void launch_background(std::size_t index) {
    const CompiledStep& step = pipeline_.steps[index];
    pending_.emplace_back(step.name);
    std::optional<Json> input;
    CallResult early = Failure::Of(FailureKind::kError);
    try {
      input = step.input.render(scope_for(step.deps));
    } catch (const tmpl::RenderError& e) {
      early = Failure::Of(FailureKind::kBadInput, e.what());
    }
    auto finish = [sink = options_.background_sink](Run& run, std::size_t i, const CallResult& result) {
      const CompiledStep& s = run.pipeline->steps[i];
      if (!result.ok()) {
        run.logger.warn("background step failed", failure_fields(s.name, result.failure()));
      }
      if (sink) sink(run.input.request_id, *run.pipeline, i, result);
    };
    if (!input) {
      finish(*run_, index, early);
      return;
    }
    const Clock::time_point deadline = Clock::now() + step.timeout;
    auto task = [run = run_, index, input = std::move(*input), deadline, timer = options_.timer, finish]() {
      finish(*run, index, call_step(*run, index, input, deadline, nullptr, *timer));
    };
    if (!options_.background_pool->try_submit(std::move(task))) {
      finish(*run_, index, Failure::Of(FailureKind::kShed, "background pool full"));
    }
  }

  // Values of the given finished steps (failed ones are null) for rendering.
  tmpl::RenderScope scope_for(const std::vector<std::size_t>& visible) {
    step_values_.assign(pipeline_.steps.size(), nullptr);
    for (std::size_t d : visible) {
      const StepState& state = run_->steps[d];
      if (finished_[d] && state.ok) step_values_[d] = &state.value;
    }
    tmpl::RenderScope scope;
    scope.params = run_->input.params;
    scope.query = &run_->input.query;
    scope.headers = &run_->input.headers;
    scope.body = run_->input.body ? &*run_->input.body : nullptr;
    scope.steps = step_values_;
    return scope;
  }

  // Takes in one finished foreground step. Returns the request's error if it ends the request.
  std::optional<ExecutionResult> settle(std::size_t index, std::vector<std::size_t>& ready) {
    --in_flight_;
    finished_[index] = true;
    const CompiledStep& step = pipeline_.steps[index];
    const StepState& state = run_->steps[index];
    if (!state.ok) {
      if (step.step_class == StepClass::kCritical) return critical_failure(step, state.failure);
      run_->logger.warn("degradable step failed", failure_fields(step.name, state.failure));
      degraded_[step.name] = state.failure.reason();
    }
    --foreground_left_;
    for (std::size_t d : step.dependents) {
      if (--deps_left_[d] == 0) ready.push_back(d);
    }
    return std::nullopt;
  }

  ExecutionResult critical_failure(const CompiledStep& step, const Failure& failure) {
    run_->cancel->cancel(CancelReason::kCancelled);
    ExecutionResult out;
    out.failed_step = step.name;
    out.reason = failure.reason();
    const bool request_ran_out = failure.kind == FailureKind::kTimeout &&
                                 (run_->cancel->reason() == CancelReason::kDeadline || Clock::now() >= run_->deadline);
    out.status = request_ran_out ? ExecutionResult::Status::kDeadlineExceeded : ExecutionResult::Status::kDependencyFailed;
    if (request_ran_out) out.reason = "timeout";
    run_->logger.error(request_ran_out ? "request deadline exceeded" : "critical step failed",
                       failure_fields(step.name, failure));
    return out;
  }

  // The deadline passed and some steps did not report back even after being told to stop.
  ExecutionResult give_up() {
    run_->cancel->cancel(CancelReason::kDeadline);
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      const CompiledStep& step = pipeline_.steps[i];
      if (finished_[i] || step.step_class != StepClass::kCritical) continue;
      return critical_failure(step, Failure::Timeout("did not stop by the request deadline"));
    }
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      const CompiledStep& step = pipeline_.steps[i];
      if (finished_[i] || step.step_class != StepClass::kDegradable) continue;
      run_->logger.warn("degradable step failed", failure_fields(step.name, Failure::Timeout("request deadline")));
      degraded_[step.name] = "timeout";
    }
    return shape();
  }

  ExecutionResult shape() {
    ExecutionResult out;
    std::vector<std::size_t> foreground;
    for (std::size_t i = 0; i < pipeline_.steps.size(); ++i) {
      if (pipeline_.steps[i].step_class != StepClass::kBackground) foreground.push_back(i);
    }
    tmpl::RenderScope scope = scope_for(foreground);
    json::object body;
    if (pipeline_.response) {
      try {
        body = pipeline_.response->render(scope).as_object();
      } catch (const tmpl::RenderError&) {
        // Response templates have no header encoding, so this cannot happen; keep the page anyway.
      }
    } else {
      for (std::size_t i : foreground) {
        body[pipeline_.steps[i].name] = step_values_[i] ? *step_values_[i] : Json(nullptr);
      }
    }
    json::array pending;
    for (auto& name : pending_) pending.emplace_back(name);
    body["_meta"] = json::object{
        {"request_id", run_->input.request_id}, {"degraded", std::move(degraded_)}, {"pending", std::move(pending)}};
    out.partial = !body["_meta"].as_object()["degraded"].as_object().empty();
    out.body = std::move(body);
    return out;
  }

  const Executor::Options& options_;
  std::shared_ptr<Run> run_;
  const CompiledPipeline& pipeline_;
  std::vector<std::size_t> deps_left_;
  std::vector<bool> finished_;  // settled by this scheduler (safe to read the step's state)
  std::size_t foreground_left_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<const Json*> step_values_;
  json::object degraded_;
  std::vector<std::string> pending_;
};

}  // namespace

ExecutionResult Executor::run(std::shared_ptr<const CompiledPipeline> pipeline, RequestInput input) const {
  auto run = std::make_shared<Run>();
  run->deadline = Clock::now() + pipeline->deadline;
  run->logger = logging::ContextLogger(options_.log, input.request_id, pipeline->endpoint());
  run->steps.resize(pipeline->steps.size());
  run->pipeline = std::move(pipeline);
  run->input = std::move(input);
  Scheduler scheduler(options_, run);
  return scheduler.run();
}

}  // namespace mosaic::exec
