#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): a request's `traceparent` is kept
// when it is valid, otherwise a new trace is started; `tracestate` is passed on only alongside a
// valid traceparent. Mosaic is one span of the trace (the request), and every downstream call is
// a child span of it with its own span id.
#include <optional>
#include <string>
#include <string_view>

namespace mosaic::trace {

struct TraceContext {
  std::string trace_id;        // 32 lower-case hex characters, not all zero
  std::string parent_span_id;  // the caller's span (16 hex), empty when the trace starts here
  std::string span_id;         // this request's span (16 hex)
  std::string flags = "01";    // trace-flags as received (2 hex); sampled when we start the trace
  std::string tracestate;      // as received (validated), empty when absent or invalid

  // The header for a call made from this request's span, with a new child span id.
  std::string child_traceparent() const;
  // The header naming this request's own span (what a response may echo).
  std::string traceparent() const;
};

// The parts of a valid traceparent header, or nullopt: version 00 is exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; later versions may append "-..." fields; version ff, upper-case
// hex and all-zero ids are invalid.
struct TraceParent {
  std::string trace_id;
  std::string span_id;
  std::string flags;
};
std::optional<TraceParent> parse_traceparent(std::string_view header);

// At most 32 list members of key=value (W3C keys and values); empty members are allowed.
bool is_valid_tracestate(std::string_view header);

// The context for one incoming request: continues the caller's trace when `traceparent` is valid,
// starts a new one otherwise. Always gives this request a new span id.
TraceContext continue_or_start(std::string_view traceparent, std::string_view tracestate);

std::string random_hex(std::size_t bytes);  // 2 * bytes lower-case hex characters, never all zero

// Implemented by the engine's CallContext (exec::StepContext) next to mosaic::CallContext. The
// engine's pooled HTTP client finds it with a cross-cast, so the trace reaches downstreams
// without widening the plugin ABI; a context a plugin wraps in its own type simply has none.
class TracedCall {
 public:
  virtual const TraceContext* trace() const = 0;

 protected:
  ~TracedCall() = default;
};

}  // namespace mosaic::trace
