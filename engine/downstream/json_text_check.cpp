#include "downstream/json_text_check.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cmath>

#include "mosaic/json.hpp"

namespace mosaic::downstream {

namespace {

using boost::system::error_code;
using SV = json::string_view;

// Builds nothing: it only refuses a number that is not finite.
struct CheckHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool infinite = false;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t, error_code&) { return true; }
  bool on_string_part(SV, std::size_t, error_code&) { return true; }
  bool on_string(SV, std::size_t, error_code&) { return true; }
  bool on_key_part(SV, std::size_t, error_code&) { return true; }
  bool on_key(SV, std::size_t, error_code&) { return true; }
  bool on_number_part(SV, error_code&) { return true; }
  bool on_int64(std::int64_t, SV, error_code&) { return true; }
  bool on_uint64(std::uint64_t, SV, error_code&) { return true; }
  bool on_double(double d, SV, error_code& ec) {
    if (std::isfinite(d)) return true;
    infinite = true;
    ec = json::error::exception;  // any error stops the parser; `infinite` says which
    return false;
  }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(SV, error_code&) { return true; }
  bool on_comment(SV, error_code&) { return true; }
};

}  // namespace

std::optional<std::string> check_json_text(std::string_view text,
                                           const std::function<bool()>& keep_going) {
  json::basic_parser<CheckHandler> parser(json::parse_options{});
  error_code ec;
  std::size_t offset = 0;
  do {
    if (keep_going && offset > 0 && !keep_going()) return std::string();
    const std::size_t size = std::min(kJsonCheckSlice, text.size() - offset);
    const bool last = offset + size == text.size();
    const std::size_t used = parser.write_some(!last, text.data() + offset, size, ec);
    if (!ec && last && used != size) ec = json::error::extra_data;
    offset += size;
  } while (!ec && offset < text.size());
  if (parser.handler().infinite) return "a number is beyond the range of a double";
  if (ec) return ec.message();
  return std::nullopt;
}

}  // namespace mosaic::downstream
