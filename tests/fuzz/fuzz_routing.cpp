// Request routing with path params (patterns with literals and parameters, percent-decoding)
// and request-id validation. Input: "METHOD PATH" text; also used as an offered request id.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "routing/route_pattern.hpp"
#include "routing/router.hpp"
#include "server/query_string.hpp"
#include "server/request_id.hpp"
#include "template/encoding.hpp"

using namespace mosaic;

namespace {
const routing::Router& router() {
  static const routing::Router r = [] {
    routing::Router built;
    // Pipelines are only compared by address here: distinct non-null tags.
    static char tags[4];
    const auto tag = [](int i) {
      return reinterpret_cast<const pipeline::CompiledPipeline*>(&tags[i]);
    };
    built.add("GET", *routing::RoutePattern::parse("/dashboard/{userId}"), tag(0));
    built.add("GET", *routing::RoutePattern::parse("/home/{id}/orders/{orderId}"), tag(1));
    built.add("POST", *routing::RoutePattern::parse("/home/{id}"), tag(2));
    built.add("GET", *routing::RoutePattern::parse("/static/about"), tag(3));
    return built;
  }();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto space = text.find(' ');
  const std::string_view method =
      space == std::string_view::npos ? std::string_view("GET") : text.substr(0, space);
  const std::string_view target = space == std::string_view::npos ? text : text.substr(space + 1);
  const auto question = target.find('?');
  // A match names its pipeline, and everything decoded is UTF-8 (it goes into JSON strings).
  const auto match = router().match(method, target.substr(0, question));
  if (match.status == routing::RouteMatch::Status::kFound && match.pipeline == nullptr)
    __builtin_trap();
  for (const auto& param : match.params) {
    if (!tmpl::is_valid_utf8(param)) __builtin_trap();
  }
  if (question != std::string_view::npos) {
    if (const auto query = server::parse_query(target.substr(question + 1))) {
      for (const auto& [name, value] : *query) {
        if (!tmpl::is_valid_utf8(name) || !tmpl::is_valid_utf8(value)) __builtin_trap();
      }
    }
  }
  (void)routing::RoutePattern::parse(target);
  const bool valid = server::is_valid_request_id(text);
  if (valid && (text.empty() || text.size() > 200)) __builtin_trap();  // ids are bounded
  return 0;
}
