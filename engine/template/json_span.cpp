#include "template/json_span.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "mosaic/json.hpp"
#include "template/json_block_bits.hpp"

namespace mosaic::tmpl {

namespace {

// The scan runs over every byte before the value it looks for, once per path read, so it is the
// hot loop of a page that reads parts of its results: the members of the object walked are
// classified by one table lookup a byte, strings crossed eight bytes at a time, and nested
// containers (most of a document) 64 bytes at a time.

enum ByteClass : std::uint8_t { kPlain = 0, kQuote, kOpen, kClose, kSpace, kComma };

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> classes{};
  classes['"'] = kQuote;
  classes['{'] = kOpen;
  classes['['] = kOpen;
  classes['}'] = kClose;
  classes[']'] = kClose;
  classes[' '] = kSpace;
  classes['\t'] = kSpace;
  classes['\n'] = kSpace;
  classes['\r'] = kSpace;
  classes[','] = kComma;
  return classes;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

std::uint8_t class_of(char c) {
  return kClasses[static_cast<unsigned char>(c)];
}

bool is_space(char c) {
  return class_of(c) == kSpace;
}

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

// The first '"' or '\\' at or after `at`, or text.size(): the same eight-lane test as the JSON
// writer's escape search (mosaic/json_text.hpp). A lane's high bit is set for a byte that matches
// and, through the borrow, possibly for bytes after it, never before: the lowest set bit is the
// first match (bytes are loaded little-endian, the first byte lowest), so it is taken directly.
std::size_t find_quote_or_backslash(std::string_view text, std::size_t at) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  static_assert(std::endian::native == std::endian::little);
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + at, 8);
    const std::uint64_t quote = x ^ (kOnes * '"');
    const std::uint64_t backslash = x ^ (kOnes * '\\');
    const std::uint64_t found =
        (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHighs;
    if (found != 0) return at + static_cast<std::size_t>(std::countr_zero(found) / 8);
  }
  while (at < text.size() && text[at] != '"' && text[at] != '\\') ++at;
  return at;
}

// `at` is on a string's opening quote; returns the position just past its closing quote.
std::size_t skip_string(std::string_view text, std::size_t at) {
  ++at;
  while (true) {
    at = find_quote_or_backslash(text, at);
    if (at >= text.size()) return text.size();
    if (text[at] == '"') return at + 1;
    at += 2;  // an escape: the escaped byte cannot end the string
  }
}

// Containers are crossed 64 bytes at a time, as simdjson finds structure: a bit per byte for
// quotes, backslashes and brackets, the escaped bytes from the backslash runs, the inside of
// strings as a prefix XOR of the unescaped quotes, and the brackets outside strings counted. A
// block where the depth cannot return to zero is counted whole; only the block where the
// container may end is walked bracket by bracket. A result spliced from a path read (an array of
// orders, say) is crossed this way, at a fraction of a byte-by-byte scan's instructions.

// The bytes escaped by a backslash (the one after each odd-numbered backslash of a run), runs
// carried across blocks through `carry` (the next block's first byte is escaped).
std::uint64_t escaped_bytes(std::uint64_t backslash, std::uint64_t& carry) {
  constexpr std::uint64_t kEvenBits = 0x5555555555555555ull;
  backslash &= ~carry;  // an escaped backslash escapes nothing
  const std::uint64_t follows_escape = (backslash << 1) | carry;
  // Runs starting on odd bits are shifted onto even ones by the addition's carries.
  const std::uint64_t odd_starts = backslash & ~kEvenBits & ~follows_escape;
  std::uint64_t sequences_on_even = 0;
  carry = __builtin_add_overflow(odd_starts, backslash, &sequences_on_even) ? 1 : 0;
  const std::uint64_t invert = sequences_on_even << 1;
  return (kEvenBits ^ invert) & follows_escape;
}

// Bit i set when an odd number of bits at or below i are set: from an opening quote (included)
// to its closing quote (excluded).
std::uint64_t prefix_xor(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// `at` is on a container's opening bracket; returns the position just past its closing one
// (text.size() when it does not close: checked JSON always does).
std::size_t skip_container(std::string_view text, std::size_t at) {
  std::uint64_t escape_carry = 0;
  std::uint64_t in_string = 0;  // all ones when the block before ended inside a string
  std::size_t depth = 0;
  char tail[64];
  for (std::size_t block = at; block < text.size(); block += 64) {
    const char* p = text.data() + block;
    if (text.size() - block < 64) {  // the last bytes, padded with blanks
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, p, text.size() - block);
      p = tail;
    }
    const BlockBits bits = classify_block(p);
    const std::uint64_t quotes = bits.quote & ~escaped_bytes(bits.backslash, escape_carry);
    const std::uint64_t inside = prefix_xor(quotes) ^ in_string;
    in_string = static_cast<std::uint64_t>(static_cast<std::int64_t>(inside) >> 63);
    const std::uint64_t open = bits.open & ~inside;
    const std::uint64_t close = bits.close & ~inside;
    const auto closes = static_cast<std::size_t>(std::popcount(close));
    if (depth > closes) {  // cannot end in this block
      depth = depth + static_cast<std::size_t>(std::popcount(open)) - closes;
      continue;
    }
    for (std::uint64_t brackets = open | close; brackets != 0; brackets &= brackets - 1) {
      const int i = std::countr_zero(brackets);
      if ((open >> i) & 1) {
        ++depth;
      } else if (--depth == 0) {
        return block + static_cast<std::size_t>(i) + 1;
      }
    }
  }
  return text.size();
}

// `at` is on a value's first character; returns the position just past its last.
std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) return at;
  const char first = text[at];
  if (first == '"') return skip_string(text, at);
  if (class_of(first) == kOpen) return skip_container(text, at);
  // A number or a literal: up to the next delimiter.
  while (at < text.size() && class_of(text[at]) == kPlain) ++at;
  return at;
}

// Whether the JSON string `quoted` (with its quotes) decodes to `key`.
bool key_equals(std::string_view quoted, std::string_view key) {
  const std::string_view raw = quoted.substr(1, quoted.size() - 2);
  if (raw.find('\\') == std::string_view::npos) return raw == key;
  boost::system::error_code ec;
  const Json decoded = json::parse(quoted, ec);  // escapes: rare in keys, decoded properly
  return !ec && decoded.is_string() && decoded.get_string() == key;
}

// The value of member `key` of the object at `at` (the last one when repeated).
std::optional<std::string_view> member(std::string_view text, std::size_t at,
                                       std::string_view key) {
  std::optional<std::string_view> found;
  at = skip_space(text, at + 1);
  while (at < text.size() && text[at] == '"') {
    const std::size_t key_end = skip_string(text, at);
    const bool match = key_equals(text.substr(at, key_end - at), key);
    at = skip_space(text, key_end);
    at = skip_space(text, at + 1);  // past ':'
    const std::size_t value_end = skip_value(text, at);
    if (match) found = text.substr(at, value_end - at);
    at = skip_space(text, value_end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  return found;
}

// Element `index` of the array at `at`.
std::optional<std::string_view> element(std::string_view text, std::size_t at, std::size_t index) {
  at = skip_space(text, at + 1);
  for (std::size_t i = 0; at < text.size() && text[at] != ']'; ++i) {
    const std::size_t value_end = skip_value(text, at);
    if (i == index) return text.substr(at, value_end - at);
    at = skip_space(text, value_end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> find_json_path(std::string_view text,
                                               std::span<const PathPart> path) {
  // Checked text is one value between blanks: trimming finds it without scanning it.
  std::size_t begin = skip_space(text, 0);
  std::size_t end = text.size();
  while (end > begin && is_space(text[end - 1])) --end;
  std::string_view value = text.substr(begin, end - begin);
  for (const PathPart& part : path) {
    if (value.empty()) return std::nullopt;
    std::optional<std::string_view> next;
    if (value.front() == '{') {
      next = member(value, 0, part.key);
    } else if (value.front() == '[' && part.index) {
      next = element(value, 0, *part.index);
    }
    if (!next) return std::nullopt;
    value = *next;
  }
  return value;
}

}  // namespace mosaic::tmpl
