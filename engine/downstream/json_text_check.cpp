#include "downstream/json_text_check.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <cstring>
#include <limits>

#include "downstream/json_null_handler.hpp"
#include "mosaic/json.hpp"
#include "support/utf8_sequence.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace mosaic::downstream {

namespace {

// json::parse_options{}.max_depth: the text must parse wherever it goes later.
constexpr std::size_t kMaxDepth = 32;

using boost::system::error_code;

// Numbers whose magnitude is above this are refused with those beyond a double. It lies 2^-40
// (relative) below the largest double: Boost.JSON 1.81 does not round long decimals correctly,
// and not always alike for a number alone and inside a document (a few ulps apart,
// tests/fuzz/fuzz_json_span.cpp), so a number this close to the limit that it reads as finite
// here could read as infinity in the parse that builds a tree from the whole text later.
constexpr double kLargestAccepted = 0x1.ffffffffffp+1023;
static_assert(kLargestAccepted < std::numeric_limits<double>::max());

// Builds nothing: it keeps the last number read as a double.
struct NumberHandler : JsonNullHandler {
  double value = 0;
  bool on_double(double d, SV, error_code&) {
    value = d;
    return true;
  }
};

// What is wrong with a number (its grammar already checked) as Boost.JSON reads it, or nullptr.
const char* boost_reading_problem(std::string_view number) {
  json::basic_parser<NumberHandler> parser(json::parse_options{});
  error_code ec;
  parser.write_some(false, number.data(), number.size(), ec);
  if (ec) return "a number whose exponent cannot be read";
  const double value = parser.handler().value;
  if (!(value <= kLargestAccepted && value >= -kLargestAccepted))
    return "a number is beyond the range of a double";
  return nullptr;
}

// One pass over the text, no tree and no allocation: a stack of 32 containers fits in a word.
// Accepts exactly what json::parse accepts (RFC 8259, blanks " \t\n\r", UTF-8 checked as
// Unicode's table 3-7, \u escapes paired as UTF-16) in which Boost reads every number as finite,
// except numbers within 2^-40 of a double's range.
class TextChecker {
 public:
  TextChecker(std::string_view text, const std::function<bool()>& keep_going)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        keep_going_(keep_going),
        next_ask_(keep_going ? kJsonCheckSlice : text.size() + 1) {}

  std::optional<std::string> run() {
    if (check()) return std::nullopt;
    if (stopped_) return std::string();
    return std::string(problem_) + " at byte " + std::to_string(problem_at_);
  }

 private:
  bool check() {
    std::size_t depth = 0;
    std::uint64_t objects = 0;  // bit 0: the innermost container is an object; bit 1: its parent
    skip_blank();
    for (;;) {
      // A value starts here.
      if (offset() >= next_ask_ && !ask()) return false;
      if (p_ == end_) return fail("expected a value");
      switch (*p_) {
        // '{' and '[' stay two cases: one case testing which it is measured 4-5% slower.
        case '{':
          if (++depth > kMaxDepth) return fail("nesting deeper than 32");
          objects = (objects << 1) | 1;
          ++p_;
          skip_blank();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            --depth;
            objects >>= 1;
            break;
          }
          if (!member_name()) return false;
          continue;
        case '[':
          if (++depth > kMaxDepth) return fail("nesting deeper than 32");
          objects <<= 1;
          ++p_;
          skip_blank();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            --depth;
            objects >>= 1;
            break;
          }
          continue;
        case '"':
          ++p_;
          if (!string()) return false;
          break;
        case 't':
          if (!literal("true")) return false;
          break;
        case 'f':
          if (!literal("false")) return false;
          break;
        case 'n':
          if (!literal("null")) return false;
          break;
        default:
          if (!number()) return false;
          break;
      }
      // A value ended: close the containers that end with it, up to the next value.
      for (;;) {
        skip_blank();
        if (depth == 0) return p_ == end_ || fail("text after the value");
        const bool object = (objects & 1) != 0;
        if (p_ != end_ && *p_ == ',') {
          ++p_;
          skip_blank();
          if (object && !member_name()) return false;
          break;
        }
        if (p_ != end_ && *p_ == (object ? '}' : ']')) {
          ++p_;
          --depth;
          objects >>= 1;
          continue;
        }
        return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

  // `"name"` `:` and the blanks around them.
  bool member_name() {
    if (p_ == end_ || *p_ != '"') return fail("expected a member name");
    ++p_;
    if (!string()) return false;
    skip_blank();
    if (p_ == end_ || *p_ != ':') return fail("expected ':'");
    ++p_;
    skip_blank();
    return true;
  }

  void skip_blank() {
    // One compare for the usual case, compact JSON: no byte above ' ' is a blank.
    while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
      ++p_;
  }

  bool literal(const char* word) {
    const std::size_t size = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < size || std::memcmp(p_, word, size) != 0)
      return fail("expected a value");
    p_ += size;
    return true;
  }

  // After the opening quote, through the closing one.
  bool string() {
    for (;;) {
      bool closed = false;
      p_ = skip_plain(p_, end_, closed);
      if (closed) return true;
      if (p_ == end_) return fail("the text ends inside a string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail("a control character inside a string");
      } else if (c >= 0x80) {
        if (!utf8_sequence()) return false;
      } else {
        ++p_;  // a plain byte in the last 15 of the text
      }
    }
  }

  // Past the bytes that need no look: printable ASCII other than '"' and '\'. Sixteen at a time
  // (a signed compare below 0x20 also catches every byte of 0x80 and up); when the first byte
  // that needs a look is the closing quote, past it with `closed` set, which spares reading that
  // byte again. On a local pointer, not p_: a member written in the loop costs a store and a
  // reload each time round.
  static const char* skip_plain(const char* p, const char* end, bool& closed) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i quotes = _mm_cmpeq_epi8(v, quote);
      const __m128i special = _mm_or_si128(_mm_or_si128(quotes, _mm_cmpeq_epi8(v, backslash)),
                                           _mm_cmplt_epi8(v, space));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
      if (mask != 0) {
        const unsigned first = mask & -mask;
        closed = (static_cast<unsigned>(_mm_movemask_epi8(quotes)) & first) != 0;
        return p + __builtin_ctz(mask) + (closed ? 1 : 0);
      }
      p += 16;
    }
#endif
    while (p != end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
      ++p;
    }
    return p;
  }

  bool escape() {
    ++p_;  // the backslash
    if (p_ == end_) return fail("the text ends inside a string");
    switch (*p_) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++p_;
        return true;
      case 'u':
        break;
      default:
        return fail("an unknown escape");
    }
    ++p_;
    int unit = hex4();
    if (unit < 0) return fail("expected four hex digits");
    p_ += 4;
    if (unit < 0xd800 || unit > 0xdfff) return true;
    if (unit > 0xdbff) return fail("a trailing surrogate without a leading one");
    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
      return fail("a leading surrogate without a trailing one");
    p_ += 2;
    unit = hex4();
    if (unit < 0) return fail("expected four hex digits");
    if (unit < 0xdc00 || unit > 0xdfff) return fail("a leading surrogate without a trailing one");
    p_ += 4;
    return true;
  }

  // The four hex digits at p_, or -1.
  int hex4() const {
    if (end_ - p_ < 4) return -1;
    int value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  // A multi-byte UTF-8 sequence starting at p_.
  bool utf8_sequence() {
    const std::size_t size = support::utf8_sequence_size(
        reinterpret_cast<const unsigned char*>(p_), reinterpret_cast<const unsigned char*>(end_));
    if (size == 0) return fail("invalid UTF-8");
    p_ += size;
    return true;
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, and finite as json::parse reads it.
  bool number() {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail("expected a value");
    const char* integer = p_;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    const std::int64_t integer_digits = p_ - integer;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail("expected a digit after '.'");
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    std::int64_t exponent = 0;  // saturates: past 10^8 the exact value does not matter here
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      bool negative = false;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) negative = *p_++ == '-';
      if (p_ == end_ || !is_digit(*p_)) return fail("expected a digit in the exponent");
      while (p_ != end_ && is_digit(*p_)) {
        if (exponent < 1'000'000'000) exponent = exponent * 10 + (*p_ - '0');
        ++p_;
      }
      if (negative) exponent = -exponent;
    }
    // Boost.JSON scales the digits it holds by ten to the power of the exponent plus the integer
    // digits it could not hold: below 10^300 that cannot leave a double's range, whatever the
    // digits (it reads 0E400 as infinity too). Nearer, and for exponents it may refuse to read,
    // its own reading of the number decides, since the parse that may build a tree from this
    // text later is its.
    if (exponent > -100'000'000 && exponent + integer_digits < 300) return true;
    if (const char* problem = boost_reading_problem(std::string_view(start, p_ - start))) {
      p_ = start;
      return fail(problem);
    }
    return true;
  }

  static bool is_digit(char c) {
    return c >= '0' && c <= '9';
  }

  std::size_t offset() const {
    return static_cast<std::size_t>(p_ - begin_);
  }

  bool ask() {
    next_ask_ += kJsonCheckSlice;
    if (keep_going_()) return true;
    stopped_ = true;
    return false;
  }

  bool fail(const char* problem) {
    problem_ = problem;
    problem_at_ = offset();
    return false;
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const std::function<bool()>& keep_going_;
  std::size_t next_ask_;  // offset at which keep_going is asked next
  bool stopped_ = false;
  const char* problem_ = "";
  std::size_t problem_at_ = 0;
};

}  // namespace

std::optional<std::string> check_json_text(std::string_view text,
                                           const std::function<bool()>& keep_going) {
  return TextChecker(text, keep_going).run();
}

}  // namespace mosaic::downstream
