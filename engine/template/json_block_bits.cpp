#include "template/json_block_bits.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mosaic::tmpl {

BlockBits classify_block_bytewise(const char* block) {
  BlockBits bits;
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    switch (block[i]) {
      case '"':
        bits.quote |= bit;
        break;
      case '\\':
        bits.backslash |= bit;
        break;
      case '{':
      case '[':
        bits.open |= bit;
        break;
      case '}':
      case ']':
        bits.close |= bit;
        break;
      default:
        break;
    }
  }
  return bits;
}

BlockBits classify_block(const char* block) {
#if defined(__SSE2__)
  BlockBits bits;
  // '[' and '{' differ only in bit 0x20, as do ']' and '}': one comparison finds both.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i fold = _mm_set1_epi8(0x20);
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
    const __m128i folded = _mm_or_si128(v, fold);
    const auto lanes = [i](__m128i equal) {
      return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(equal)))
             << (16 * i);
    };
    bits.quote |= lanes(_mm_cmpeq_epi8(v, quote));
    bits.backslash |= lanes(_mm_cmpeq_epi8(v, backslash));
    bits.open |= lanes(_mm_cmpeq_epi8(folded, open));
    bits.close |= lanes(_mm_cmpeq_epi8(folded, close));
  }
  return bits;
#else
  return classify_block_bytewise(block);
#endif
}

}  // namespace mosaic::tmpl
