#pragma once
// Wraps every plugin's downstream, innermost: JSON text a plugin returns (mosaic::JsonText) is
// checked here, so that a body that is not JSON fails the call with bad_response before any
// resilience layer sees it (the breaker counts it, as it counts any garbage answer) and what the
// engine splices into an answer is always JSON. Large text is checked on the offload pool, in
// slices, stopping when the call is cancelled.
#include <memory>

#include "resilience/forwarding_downstream.hpp"

namespace mosaic::downstream {

class CheckedTextDownstream : public resilience::ForwardingDownstream {
 public:
  using ForwardingDownstream::ForwardingDownstream;
  CallResult call(const Json& input, CallContext& context) override;
};

// The checks of CheckedTextDownstream on one result (exposed for tests and the fuzz target).
CallResult check_result(CallResult result, CallContext& context);

// A result held as text, parsed into a tree (for a step whose result a template reads inside).
// Large text is parsed on the offload pool, in slices, stopping when the call is cancelled.
CallResult parse_text(CallResult result, CallContext& context);
// The same for text small enough to parse on the calling thread at once (no offload, no
// cancellation check).
CallResult parse_text(CallResult result);

}  // namespace mosaic::downstream
