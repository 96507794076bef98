#pragma once
// Runs one request through a compiled pipeline: steps as a DAG, independent ones in parallel,
// each under min(step timeout, deadline left), with the three step classes:
//   critical   fails -> everything in flight is cancelled, the request fails (502, or 504 when the
//                       request deadline ran out);
//   degradable fails -> its value is null and it is named in _meta.degraded;
//   background       -> started when its inputs are ready, never waited for, named in
//                       _meta.pending; its result goes to the BackgroundSink.
// The request thread schedules; calls run on the step pool, except that a lone ready step with
// nothing else in flight runs on the request thread itself (no hand-off for simple pipelines).
#include <chrono>
#include <functional>
#include <memory>

#include "cache/swr_cache.hpp"
#include "execution/deadline_timer.hpp"
#include "execution/execution_result.hpp"
#include "execution/request_input.hpp"
#include "execution/worker_pool.hpp"
#include "logging/log_writer.hpp"
#include "mosaic/call_result.hpp"
#include "offload/offload_pool.hpp"
#include "pipeline/compiled_pipeline.hpp"

namespace mosaic::delivery {
class ResultStore;
}

namespace mosaic::exec {

// Where a finished background step's result goes (delivery to the front end builds on this).
using BackgroundSink =
    std::function<void(const std::string& request_id, const pipeline::CompiledPipeline& pipeline,
                       std::size_t step, const CallResult& result)>;

class Executor {
 public:
  struct Options {
    WorkerPool* step_pool = nullptr;
    WorkerPool* background_pool = nullptr;
    DeadlineTimer* timer = nullptr;
    logging::LogWriter* log = nullptr;
    BackgroundSink background_sink;
    // How long past the request deadline to wait for steps that were told to stop, before the
    // answer goes out without them.
    std::chrono::milliseconds grace{20};
    // Where background results wait for the front end (WebSocket, poll); null: not kept.
    delivery::ResultStore* results = nullptr;
    bool client_ids = false;  // keep results under client-chosen request ids too
    // CPU offload: plugins reach it through their CallContext; a large answer (the steps'
    // results at least offload.threshold as JSON) is shaped and serialized there. May be null.
    offload::OffloadPool* offload = nullptr;
    // Steps with `cache:` go through it (docs/architecture.md, "Cache"). May be null: uncached.
    cache::SwrCache* cache = nullptr;
  };

  explicit Executor(Options options) : options_(std::move(options)) {}

  // `pipeline` must stay valid while any step of this run is still running, including background
  // steps: pass an aliasing pointer that owns the config generation.
  ExecutionResult run(std::shared_ptr<const pipeline::CompiledPipeline> pipeline,
                      RequestInput input) const;

 private:
  Options options_;
};

}  // namespace mosaic::exec
