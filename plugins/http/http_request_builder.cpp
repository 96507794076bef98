#include "http_request_builder.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "http_syntax.hpp"
#include "mosaic/json_text.hpp"

namespace mosaic_http {
namespace {

using mosaic::Failure;
using mosaic::FailureKind;

Failure bad_input(std::string detail) {
  return Failure::Of(FailureKind::kBadInput, std::move(detail));
}

bool is_upper_method(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

// The path is already percent-encoded where request data was interpolated (kPathSegment); what
// remains to refuse is anything that would leave the path: a query, a fragment, a line break.
bool is_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  return std::none_of(p.begin(), p.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return c == '?' || c == '#' || u <= 0x20 || u == 0x7f;
  });
}

// The text of a scalar query value; false for objects (and arrays, handled by the caller).
bool scalar_text(const mosaic::Json& v, std::string& out) {
  if (v.is_string()) {
    out = std::string(v.as_string());
  } else if (v.is_bool()) {
    out = v.as_bool() ? "true" : "false";
  } else if (v.is_int64()) {
    out = std::to_string(v.as_int64());
  } else if (v.is_uint64()) {
    out = std::to_string(v.as_uint64());
  } else if (v.is_double()) {
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.as_double());
    if (ec != std::errc()) return false;
    out.assign(buf.data(), end);
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string method_of(const mosaic::Json& input) {
  if (!input.is_object()) return "GET";
  const auto* m = input.as_object().if_contains("method");
  if (!m || m->is_null()) return "GET";
  return m->is_string() ? std::string(m->as_string()) : std::string();
}

mosaic::Outcome<std::string> build_query(const mosaic::Json& query) {
  if (query.is_null()) return std::string();
  if (!query.is_object()) return bad_input("query must be an object");
  std::string out;
  auto append = [&out](std::string_view key, std::string_view value) {
    out += out.empty() ? '?' : '&';
    out += percent_encode(key);
    out += '=';
    out += percent_encode(value);
  };
  for (const auto& kv : query.as_object()) {
    const mosaic::Json& value = kv.value();
    std::string text;
    if (value.is_null()) continue;
    if (value.is_array()) {
      for (const auto& item : value.as_array()) {
        if (item.is_null()) continue;
        if (!scalar_text(item, text)) {
          return bad_input("query." + std::string(kv.key()) +
                           " may only hold strings, numbers and booleans");
        }
        append(kv.key(), text);
      }
      continue;
    }
    if (!scalar_text(value, text)) {
      return bad_input("query." + std::string(kv.key()) +
                       " must be a string, number, boolean, array or null");
    }
    append(kv.key(), text);
  }
  return out;
}

mosaic::Outcome<mosaic::HttpRequest> build_request(const mosaic::Json& input,
                                                   const mosaic::HeaderList& static_headers) {
  static const mosaic::json::object kEmpty;
  if (!input.is_null() && !input.is_object()) return bad_input("with: must be an object");
  const mosaic::json::object& with = input.is_object() ? input.as_object() : kEmpty;
  for (const auto& kv : with) {
    std::string_view key = kv.key();
    if (key != "method" && key != "path" && key != "query" && key != "headers" && key != "body") {
      return bad_input("unknown key '" + std::string(key) + "'");
    }
  }

  mosaic::HttpRequest request;
  request.method = method_of(input);
  if (!is_upper_method(request.method))
    return bad_input("method must be an upper-case HTTP method such as GET");

  request.target = "/";
  if (const auto* path = with.if_contains("path"); path && !path->is_null()) {
    if (!path->is_string()) return bad_input("path must be a string");
    request.target = std::string(path->as_string());
  }
  if (!is_path(request.target)) {
    return bad_input(
        "path must start with '/' and contain no '?', '#', space or control character");
  }
  if (const auto* query = with.if_contains("query")) {
    auto text = build_query(*query);
    if (!text) return std::move(text).take_failure();
    request.target += text.value();
  }

  request.headers = static_headers;
  if (std::none_of(request.headers.begin(), request.headers.end(),
                   [](const auto& h) { return iequals(h.first, "Accept"); })) {
    request.headers.emplace_back("Accept", "application/json");
  }
  if (const auto* headers = with.if_contains("headers"); headers && !headers->is_null()) {
    if (!headers->is_object()) return bad_input("headers must be an object of strings");
    for (const auto& kv : headers->as_object()) {
      std::string name(kv.key());
      if (!is_token(name)) return bad_input("invalid header name '" + name + "'");
      if (is_reserved_header(name))
        return bad_input("header '" + name + "' is set by the HTTP client");
      if (!kv.value().is_string()) return bad_input("header '" + name + "' must be a string");
      std::string value(kv.value().as_string());
      if (!is_header_value(value))
        return bad_input("header '" + name + "' contains CR, LF or a control character");
      // A call's header replaces a configured one of the same name.
      std::erase_if(request.headers, [&](const auto& h) { return iequals(h.first, name); });
      request.headers.emplace_back(std::move(name), std::move(value));
    }
  }

  if (const auto* body = with.if_contains("body"); body && !body->is_null()) {
    request.body = mosaic::to_json_text(*body);
    bool has_type = std::any_of(request.headers.begin(), request.headers.end(),
                                [](const auto& h) { return iequals(h.first, "Content-Type"); });
    if (!has_type) request.headers.emplace_back("Content-Type", "application/json");
  }
  return request;
}

}  // namespace mosaic_http
