#include "downstream/checked_text_downstream.hpp"

#include <algorithm>
#include <functional>
#include <optional>

#include "downstream/json_text_check.hpp"

namespace mosaic::downstream {

namespace {

// Runs `work` on this thread, or on the offload pool when `bytes` of it is large. A Failure when
// the pool did not run it (shed, timed out or cancelled while queued).
std::optional<Failure> here_or_offloaded(CallContext& context, std::size_t bytes,
                                         const std::function<void()>& work) {
  if (context.should_offload(bytes)) return context.offload(work);
  work();
  return std::nullopt;
}

}  // namespace

CallResult check_result(CallResult result, CallContext& context) {
  if (!result.is_text()) return result;
  const std::string_view text = result.text();
  std::optional<std::string> problem;
  auto check = [&] {
    problem = check_json_text(text, [&context] { return !context.cancelled(); });
  };
  if (auto refused = here_or_offloaded(context, text.size(), check)) return std::move(*refused);
  if (!problem) return result;
  if (problem->empty()) return context.interruption();  // cancelled mid-check
  return Failure::Of(FailureKind::kBadResponse, "body is not JSON: " + *problem);
}

CallResult parse_text(CallResult result, CallContext& context) {
  if (!result.is_text()) return result;
  const std::string_view text = result.text();
  std::optional<CallResult> parsed;
  auto parse = [&] {
    json::stream_parser parser;
    boost::system::error_code ec;
    for (std::size_t offset = 0; offset < text.size() && !ec; offset += kJsonCheckSlice) {
      if (offset > 0 && context.cancelled()) {
        parsed.emplace(context.interruption());
        return;
      }
      parser.write(text.data() + offset, std::min(kJsonCheckSlice, text.size() - offset), ec);
    }
    if (!ec) parser.finish(ec);
    if (ec) {
      parsed.emplace(Failure::Of(FailureKind::kBadResponse, "body is not JSON: " + ec.message()));
      return;
    }
    parsed.emplace(parser.release());
  };
  if (auto refused = here_or_offloaded(context, text.size(), parse)) return std::move(*refused);
  return std::move(*parsed);
}

CallResult parse_text(CallResult result) {
  if (!result.is_text()) return result;
  boost::system::error_code ec;
  Json tree = json::parse(result.text(), ec);
  if (ec) return Failure::Of(FailureKind::kBadResponse, "body is not JSON: " + ec.message());
  return tree;
}

CallResult CheckedTextDownstream::call(const Json& input, CallContext& context) {
  return check_result(inner_->call(input, context), context);
}

}  // namespace mosaic::downstream
