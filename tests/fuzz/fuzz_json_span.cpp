// find_json_path (template/json_span) against the tree: for any input that is checked JSON, every
// path the tree has (to depth 3, at most 64 of them, each key also as its array index and with a
// missing sibling), read from the text and parsed, must be the value walking the parsed tree
// gives, and absent exactly when the tree has none. Keys with escapes, repeated keys (the last
// wins), nesting and blanks all come from the input.
//
// Doubles may differ by a few ulps: Boost.JSON 1.81 does not always round a long decimal the same
// way alone and inside a larger document (found by this target: 49.4444444444444444444 parses to
// 49.44444444444445 alone and to 49.444444444444443 in an array, one ulp apart; later
// 44444888884444.4444e2 to 4444488888444445 alone and 4444488888444444 in an array, two ulps).
// Both are its reading of the same digits; in an answer the digits themselves are copied.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "downstream/json_text_check.hpp"
#include "template/json_span.hpp"

using namespace mosaic;

namespace {

// Equal, but for doubles up to four ulps apart (Boost's readings of one text differ by two).
bool same(const Json& a, const Json& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    if (x == y) return true;
    const double larger = std::max(std::fabs(x), std::fabs(y));
    const double ulp = std::nextafter(larger, INFINITY) - larger;
    return std::fabs(x - y) <= 4 * ulp;
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* array = a.if_array()) {
    const auto& other = b.get_array();
    if (array->size() != other.size()) return false;
    for (std::size_t i = 0; i < array->size(); ++i)
      if (!same((*array)[i], other[i])) return false;
    return true;
  }
  if (const auto* object = a.if_object()) {
    const auto& other = b.get_object();
    if (object->size() != other.size()) return false;
    for (const auto& member : *object) {
      const auto* match = other.if_contains(member.key());
      if (!match || !same(member.value(), *match)) return false;
    }
    return true;
  }
  return a == b;
}

tmpl::PathPart part_of(std::string key) {
  tmpl::PathPart part{std::move(key), std::nullopt};
  std::size_t index = 0;
  const char* begin = part.key.data();
  const char* end = begin + part.key.size();
  auto [stop, ec] = std::from_chars(begin, end, index);
  if (!part.key.empty() && ec == std::errc() && stop == end) part.index = index;
  return part;
}

void collect(const Json& value, std::vector<tmpl::PathPart>& prefix,
             std::vector<std::vector<tmpl::PathPart>>& out) {
  if (out.size() >= 64 || prefix.size() >= 3) return;
  auto visit = [&](tmpl::PathPart part, const Json* child) {
    prefix.push_back(std::move(part));
    out.push_back(prefix);
    if (child) collect(*child, prefix, out);
    prefix.pop_back();
  };
  if (const auto* obj = value.if_object()) {
    for (const auto& member : *obj) visit(part_of(std::string(member.key())), &member.value());
    visit(part_of("no such key"), nullptr);
  } else if (const auto* arr = value.if_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) visit(part_of(std::to_string(i)), &(*arr)[i]);
    visit(part_of(std::to_string(arr->size())), nullptr);
  } else {
    visit(part_of("0"), nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (downstream::check_json_text(text)) return 0;  // only checked text is ever scanned
  const Json root = json::parse(text);
  std::vector<std::vector<tmpl::PathPart>> paths{{}};
  std::vector<tmpl::PathPart> prefix;
  collect(root, prefix, paths);
  for (const auto& path : paths) {
    const Json* expected = tmpl::walk_path(&root, path);
    const auto found = tmpl::find_json_path(text, path);
    if (found.has_value() != (expected != nullptr)) __builtin_trap();
    if (expected && !same(json::parse(*found), *expected)) __builtin_trap();
  }
  return 0;
}
