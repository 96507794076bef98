#pragma once
// One configured downstream service, created by its plugin from the `downstreams:` entry.
// An instance is shared by every request and called from many threads at once.
#include <span>
#include <string>
#include <vector>

#include "mosaic/call_context.hpp"
#include "mosaic/call_result.hpp"
#include "mosaic/json.hpp"

namespace mosaic {

// How a request value interpolated into a string of a step's `with:` must be encoded, so that
// request data can never change the structure it is placed into.
enum class Interpolation {
  kRaw,          // inserted as is
  kPathSegment,  // percent-encoded as one path segment ('/', '?', '#', '%', '..' included)
  kQueryValue,   // percent-encoded as a query value
  kHeaderValue,  // CR, LF and other control characters refused
};

class Downstream {
 public:
  virtual ~Downstream() = default;

  // The keys a step may put at the top of its `with:`; empty means any. Checked at config load.
  virtual std::vector<std::string> accepted_with_keys() const { return {}; }

  // The encoding for strings at `with_path` (e.g. {"path"}, {"headers","x-user"}).
  virtual Interpolation interpolation_for(std::span<const std::string> with_path) const {
    (void)with_path;
    return Interpolation::kRaw;
  }

  // True when repeating the call with this input cannot change anything downstream (GET, HEAD...).
  virtual bool idempotent(const Json& input) const {
    (void)input;
    return false;
  }

  // Performs the call. Must return promptly once `context` is cancelled.
  virtual CallResult call(const Json& input, CallContext& context) = 0;

  // --- ABI 4. New virtuals go at the end so the earlier slots keep their place.

  // True when call() returns by context.deadline() and soon after a cancellation whatever the
  // downstream does (every wait goes through the context or the engine's HttpClient). The engine
  // may then run the call on the request's own thread instead of handing it to the step pool:
  // one hand-off less per call. The default, false, keeps a call that might overstay on a pool
  // thread, where the response can leave without it.
  virtual bool stops_at_deadline() const { return false; }
};

}  // namespace mosaic
