#pragma once
// JSON views of a running generation for the admin listener and mosaicctl: the effective config
// with secrets redacted, and each pipeline's DAG stage by stage.
#include <string_view>

#include "mosaic/json.hpp"
#include "pipeline/compiled_pipeline.hpp"
#include "runtime/generation.hpp"

namespace mosaic::admin {

// A key that names a secret: its lower-case form contains token, secret, password, passwd, key,
// auth (authorization too), credential, cookie or private.
bool is_secret_key(std::string_view key);

// `value` with the value of every secret key, at any depth, replaced by "***".
Json redact(const Json& value);

// The config the generation runs: defaults filled in, paths resolved, durations in ms,
// downstream `config:` redacted, the admin token never shown (only its file).
Json effective_config(const runtime::Generation& generation);

// endpoint, method, path, file, deadline_ms, steps [{name, call, plugin, class, timeout_ms,
// after}], stages [[step names of stage 1], ...] (background steps included where they start).
Json pipeline_view(const pipeline::CompiledPipeline& pipeline);

// {generation, pipelines: [pipeline_view...]}
Json pipelines_view(const runtime::Generation& generation);

}  // namespace mosaic::admin
