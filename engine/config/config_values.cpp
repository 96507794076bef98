#include "config/config_values.hpp"

#include <cctype>
#include <charconv>

#include "config/listen_address.hpp"
#include "mosaic/units.hpp"

namespace mosaic::config {

namespace {

constexpr const char* kDurationHint = "expected a duration such as 250ms, 2s or 1m";

bool starts_with_digit(std::string_view text) {
  // parse_duration/parse_size hand the text to from_chars, which also reads "nan" and "inf";
  // a NaN would then reach an integer cast. Numbers in config always start with a digit or '.'.
  return !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.');
}

bool is_bare_number(std::string_view text) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + "ms";
}

}  // namespace

bool is_name(std::string_view text) {
  if (text.empty()) return false;
  auto first = static_cast<unsigned char>(text[0]);
  if (!std::isalpha(first) && first != '_') return false;
  for (char c : text.substr(1)) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && u != '_' && u != '-') return false;
  }
  return true;
}

std::optional<std::string> read_string(const std::string& file, const MapEntry& entry,
                                       Diagnostics& diagnostics) {
  if (!entry.value.IsScalar() || entry.value.Scalar().empty()) {
    diagnostics.error(value_where(file, entry), "expected a string for " + entry.key);
    return std::nullopt;
  }
  return entry.value.Scalar();
}

std::optional<std::string> read_name(const std::string& file, const MapEntry& entry,
                                     Diagnostics& diagnostics) {
  auto text = read_string(file, entry, diagnostics);
  if (!text) return std::nullopt;
  if (!is_name(*text)) {
    diagnostics.error(value_where(file, entry),
                      "bad name '" + *text + "' for " + entry.key +
                          " (expected letters, digits, '_' or '-', starting with a letter or '_')");
    return std::nullopt;
  }
  return text;
}

std::optional<int> read_int(const std::string& file, const MapEntry& entry, int min, int max,
                            Diagnostics& diagnostics) {
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    diagnostics.error(value_where(file, entry), entry.key + " must be an integer from " +
                                                    std::to_string(min) + " to " +
                                                    std::to_string(max) + ", got '" + text + "'");
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::optional<std::chrono::milliseconds> read_duration(const std::string& file,
                                                       const MapEntry& entry, DurationBounds bounds,
                                                       Diagnostics& diagnostics) {
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  auto value = starts_with_digit(text) ? parse_duration(text) : std::nullopt;
  if (!value) {
    std::string why = is_bare_number(text) ? " (a bare number has no unit)" : "";
    diagnostics.error(value_where(file, entry),
                      "bad duration '" + text + "' for " + entry.key + ": " + kDurationHint + why);
    return std::nullopt;
  }
  if (!bounds.allow_zero && value->count() == 0) {
    diagnostics.error(value_where(file, entry), entry.key + " must be greater than 0");
    return std::nullopt;
  }
  if (bounds.max && *value > *bounds.max) {
    diagnostics.error(value_where(file, entry), entry.key + " must be at most " +
                                                    millis(*bounds.max) + ", got '" + text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> read_size(const std::string& file, const MapEntry& entry,
                                       Diagnostics& diagnostics) {
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  auto value = starts_with_digit(text) ? parse_size(text) : std::nullopt;
  if (!value) {
    diagnostics.error(value_where(file, entry),
                      "bad size '" + text + "' for " + entry.key +
                          ": expected bytes or a size such as 64KiB, 1MiB or 1GiB");
  }
  return value;
}

std::optional<ListenAddress> read_listen(const std::string& file, const MapEntry& entry,
                                         Diagnostics& diagnostics) {
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  std::string error;
  auto address = parse_listen_address(text, error);
  if (!address) {
    diagnostics.error(value_where(file, entry),
                      "bad address '" + text + "' for " + entry.key + ": " + error);
  }
  return address;
}

std::optional<std::vector<NameRef>> read_string_list(const std::string& file, const MapEntry& entry,
                                                     Diagnostics& diagnostics) {
  std::vector<NameRef> items;
  if (entry.value.IsScalar()) {
    items.push_back({entry.value.Scalar(), value_where(file, entry)});
    return items;
  }
  if (!entry.value.IsSequence()) {
    diagnostics.error(value_where(file, entry),
                      "expected a string or a list of strings for " + entry.key);
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& item : entry.value) {
    SourceLocation where = SourceLocation::of(file, item);
    if (!item.IsScalar() || item.Scalar().empty()) {
      diagnostics.error(where, "expected a string in the list " + entry.key);
      ok = false;
      continue;
    }
    items.push_back({item.Scalar(), where});
  }
  if (!ok) return std::nullopt;
  return items;
}

}  // namespace mosaic::config
