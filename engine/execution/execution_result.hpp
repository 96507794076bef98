#pragma once
// The outcome of one pipeline run, before it becomes an HTTP response.
#include <string>
#include <vector>

#include "mosaic/json.hpp"

namespace mosaic::exec {

struct ExecutionResult {
  enum class Status {
    kOk,                // shaped body ready (possibly partial)
    kDependencyFailed,  // a critical step failed: 502
    kDeadlineExceeded,  // the request deadline passed before the critical steps finished: 504
    kOverloaded,        // local capacity exhausted (a pool or queue refused the work): 503
  };
  Status status = Status::kOk;
  Json body;                // kOk: the shaped response, with _meta
  std::string serialized;   // kOk: `body` as text when it was serialized off the request thread
  bool partial = false;     // some degradable step failed
  std::string failed_step;  // errors: the critical step concerned
  std::string reason;       // errors: its failure reason
};

}  // namespace mosaic::exec
