#pragma once
// A handler for Boost.JSON's basic_parser that builds nothing and takes every event: a handler
// that needs one event derives from it and hides that callback (basic_parser calls its handler's
// members by name, not through virtual functions).
#include <boost/json/basic_parser.hpp>
#include <cstddef>
#include <cstdint>

namespace mosaic::downstream {

struct JsonNullHandler {
  using SV = boost::json::string_view;
  using error_code = boost::system::error_code;
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

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
  bool on_double(double, SV, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(SV, error_code&) { return true; }
  bool on_comment(SV, error_code&) { return true; }
};

}  // namespace mosaic::downstream
