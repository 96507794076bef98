#pragma once
// The length of one UTF-8 sequence, checked as Unicode's table 3-7 says (the range allowed for the
// second byte is what rules out overlong forms, UTF-16 surrogates and code points past U+10FFFF).
// Shared by the template encoder's check of rendered text and the check of JSON text.
#include <cstddef>

namespace mosaic::support {

// The bytes of the sequence that starts at `p` (before `end`): 1 for ASCII, 2 to 4 for a valid
// multi-byte sequence, 0 when the bytes there are not valid UTF-8 (cut short included).
inline std::size_t utf8_sequence_size(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  if (c < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < length) return 0;
  if (p[1] < low || p[1] > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return length;
}

}  // namespace mosaic::support
