#pragma once
// The outcome of one pipeline run, before it becomes an HTTP response.
#include <string>
#include <vector>

#include "mosaic/json.hpp"
#include "response/answer_text.hpp"

namespace mosaic::exec {

struct ExecutionResult {
  enum class Status {
    kOk,                // shaped body ready (possibly partial)
    kDependencyFailed,  // a critical step failed: 502
    kDeadlineExceeded,  // the request deadline passed before the critical steps finished: 504
    kOverloaded,        // local capacity exhausted (a pool or queue refused the work): 503
  };
  Status status = Status::kOk;
  // kOk: the shaped response with _meta, as JSON text. Written straight from the step results
  // (never built as a Json tree first: for large results that copy and its destruction were most
  // of the cost of a request); large results held as text are spliced in, not copied.
  response::AnswerText answer;
  bool partial = false;            // some degradable step failed
  std::size_t degraded_steps = 0;  // how many (the entries of _meta.degraded)
  std::string failed_step;         // errors: the critical step concerned
  std::string reason;              // errors: its failure reason

  // The shaped response parsed back (for tests and tools; the server sends `answer`'s pieces).
  Json body() const { return answer.empty() ? Json() : json::parse(answer.whole()); }
};

}  // namespace mosaic::exec
