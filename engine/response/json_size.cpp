#include "response/json_size.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "mosaic/json_text.hpp"

namespace mosaic::response {

namespace {

std::size_t string_size(json::string_view value) {
  const std::string_view text(value.data(), value.size());
  std::size_t n = 2 + text.size();  // quotes and the bytes; escapes add to it
  for (std::size_t i = json_text_detail::find_escape(text, 0); i < text.size();
       i = json_text_detail::find_escape(text, i + 1)) {
    const auto u = static_cast<unsigned char>(text[i]);
    const bool short_escape =
        u == '"' || u == '\\' || u == '\b' || u == '\f' || u == '\n' || u == '\r' || u == '\t';
    n += short_escape ? 1 : 5;  // \x or \u00xx
  }
  return n;
}

std::size_t digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

std::size_t double_size(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? static_cast<std::size_t>(end - buffer) : 24;
}

class Counter {
 public:
  explicit Counter(std::size_t stop_after) : stop_after_(stop_after) {}

  std::size_t count(const Json& root) {
    walk(root);
    return total_;
  }

 private:
  bool done() const { return total_ > stop_after_; }

  void walk(const Json& value) {
    if (done()) return;
    switch (value.kind()) {
      case json::kind::null:
        total_ += 4;
        return;
      case json::kind::bool_:
        total_ += value.get_bool() ? 4 : 5;
        return;
      case json::kind::int64: {
        const std::int64_t v = value.get_int64();
        total_ += v < 0 ? 1 + digits(0 - static_cast<std::uint64_t>(v))
                        : digits(static_cast<std::uint64_t>(v));
        return;
      }
      case json::kind::uint64:
        total_ += digits(value.get_uint64());
        return;
      case json::kind::double_:
        total_ += double_size(value.get_double());
        return;
      case json::kind::string:
        total_ += string_size(value.get_string());
        return;
      case json::kind::array: {
        const auto& array = value.get_array();
        total_ += 2 + (array.empty() ? 0 : array.size() - 1);  // brackets and commas
        for (const auto& item : array) {
          walk(item);
          if (done()) return;
        }
        return;
      }
      case json::kind::object: {
        const auto& object = value.get_object();
        total_ += 2 + (object.empty() ? 0 : object.size() - 1);
        for (const auto& kv : object) {
          total_ += string_size(kv.key()) + 1;  // key and colon
          walk(kv.value());
          if (done()) return;
        }
        return;
      }
    }
  }

  const std::size_t stop_after_;
  std::size_t total_ = 0;
};

}  // namespace

std::size_t json_size(const Json& value, std::size_t stop_after) {
  return Counter(stop_after).count(value);
}

}  // namespace mosaic::response
