#pragma once
// A bit per byte of a 64-byte block of JSON text for the bytes that give it structure: quotes,
// backslashes, opening and closing brackets. The path scan (json_span) crosses containers a block
// at a time with these. With SSE2 (every x86-64) sixteen bytes are compared at once; elsewhere,
// and as the reference the tests hold it to, byte by byte.
#include <cstdint>

namespace mosaic::tmpl {

struct BlockBits {
  std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;  // bit i: byte i
};

// `block`: 64 readable bytes.
BlockBits classify_block(const char* block);
BlockBits classify_block_bytewise(const char* block);

}  // namespace mosaic::tmpl
