#include "greeting_downstream.hpp"

#include <utility>

namespace greeting {

GreetingConfig read_config(const mosaic::Json& config) {
  mosaic::ConfigReader reader(config);
  GreetingConfig out;
  out.greeting = reader.string("greeting", out.greeting);
  out.punctuation = reader.string("punctuation", out.punctuation);
  out.latency = reader.duration("latency", out.latency);
  reader.finish();  // any other key is an error that names it
  return out;
}

GreetingDownstream::GreetingDownstream(GreetingConfig config) : config_(std::move(config)) {}

std::vector<std::string> GreetingDownstream::accepted_with_keys() const {
  return {"name"};
}

bool GreetingDownstream::idempotent(const mosaic::Json& input) const {
  (void)input;
  return true;  // a greeting changes nothing: safe to retry
}

mosaic::CallResult GreetingDownstream::call(const mosaic::Json& input,
                                            mosaic::CallContext& context) {
  const mosaic::json::object* with = input.if_object();
  const mosaic::Json* name = with ? with->if_contains("name") : nullptr;
  if (!name || !name->is_string() || name->as_string().empty()) {
    return mosaic::Failure::Of(mosaic::FailureKind::kBadInput,
                               "with.name must be a non-empty string");
  }

  // A remote call would go here. wait_for returns false as soon as the call is cancelled or its
  // deadline passes; interruption() then says which (a timeout or a cancellation).
  if (config_.latency.count() > 0 && !context.wait_for(config_.latency))
    return context.interruption();
  if (context.cancelled()) return context.interruption();

  if (context.logger().enabled(mosaic::LogLevel::kDebug)) {
    context.logger().debug("greeting sent", {{"name", name->as_string()}});
  }
  mosaic::json::object result;
  result["message"] =
      config_.greeting + ", " + std::string(name->as_string()) + config_.punctuation;
  return mosaic::Json(std::move(result));
}

}  // namespace greeting
