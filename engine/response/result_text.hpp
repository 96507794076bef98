#pragma once
// A successful CallResult as JSON, whichever form it holds: text (checked by
// downstream::CheckedTextDownstream, or read back from the cache) is copied, a tree is written.
#include <string>

#include "mosaic/call_result.hpp"
#include "mosaic/json_text.hpp"

namespace mosaic::response {

inline void append_result_json(std::string& out, const CallResult& result) {
  if (result.is_text()) {
    out.append(result.text());
  } else {
    append_json(out, result.value());
  }
}

inline std::string result_json_text(const CallResult& result) {
  if (result.is_text()) return std::string(result.text());
  return to_json_text(result.value());
}

// The value as a tree (parsed when held as text). For tests and cold paths.
inline Json result_json(const CallResult& result) {
  if (result.is_text()) return json::parse(result.text());
  return result.value();
}

}  // namespace mosaic::response
