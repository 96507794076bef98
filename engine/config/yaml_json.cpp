#include "config/yaml_json.hpp"

#include <charconv>
#include <cmath>

namespace mosaic::config {

namespace {

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

}  // namespace

Json scalar_to_json(const YAML::Node& scalar) {
  const std::string& text = scalar.Scalar();
  if (!is_plain(scalar)) return Json(text);
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const char* begin = text.data();
  const char* end = begin + text.size();
  std::int64_t i = 0;
  if (auto r = std::from_chars(begin, end, i); r.ec == std::errc() && r.ptr == end) return i;
  std::uint64_t u = 0;
  if (auto r = std::from_chars(begin, end, u); r.ec == std::errc() && r.ptr == end) return u;
  double d = 0;
  if (auto r = std::from_chars(begin, end, d);
      r.ec == std::errc() && r.ptr == end && std::isfinite(d)) {
    return d;
  }
  return Json(text);
}

Json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json::array arr;
      for (const auto& item : node) arr.push_back(yaml_to_json(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json::object obj;
      for (const auto& kv : node) obj[kv.first.Scalar()] = yaml_to_json(kv.second);
      return obj;
    }
    default:
      return nullptr;
  }
}

YAML::Node node_at_path(const YAML::Node& root, const std::string& dotted_path) {
  YAML::Node current = root;
  std::size_t start = 0;
  while (start <= dotted_path.size() && !dotted_path.empty()) {
    std::size_t dot = dotted_path.find('.', start);
    std::string part =
        dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    YAML::Node next;
    if (current.IsMap()) {
      for (const auto& kv : current) {
        if (kv.first.Scalar() == part) {
          next = kv.second;
          break;
        }
      }
    } else if (current.IsSequence()) {
      std::size_t index = 0;
      auto r = std::from_chars(part.data(), part.data() + part.size(), index);
      if (r.ec == std::errc() && index < current.size()) next = current[index];
    }
    if (!next.IsDefined() || (next.IsNull() && next.Mark().is_null())) return current;
    current.reset(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

}  // namespace mosaic::config
