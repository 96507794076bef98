// The downstream client's HTTP/1.1 codec (engine/downstream/http_wire): whatever bytes a
// downstream sends, the head finder, the head parser and the chunked decoder end in an answer or
// an error, never a crash, and the answer does not depend on how the bytes were split between
// reads (the first byte chooses the split).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "downstream/http_wire.hpp"

namespace {

using mosaic::downstream::wire::ChunkedDecoder;

struct Decoded {
  ChunkedDecoder::Result result;
  std::string body;
  std::size_t left = 0;
};

Decoded decode(std::string_view data, std::size_t piece) {
  ChunkedDecoder decoder;
  Decoded out{ChunkedDecoder::Result::kNeedMore, {}, 0};
  for (std::size_t at = 0; at < data.size(); at += piece) {
    std::string_view part = data.substr(at, piece);
    std::size_t used = 0;
    out.result = decoder.feed(part, used, out.body);
    if (out.result == ChunkedDecoder::Result::kError) return out;
    if (out.result == ChunkedDecoder::Result::kDone) {
      out.left = data.size() - at - used;
      return out;
    }
    if (used != part.size()) __builtin_trap();  // kNeedMore consumes everything
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  std::size_t scanned = 0;
  auto whole = mosaic::downstream::wire::find_head_end(input, scanned);
  std::optional<std::size_t> split;
  scanned = 0;
  for (std::size_t have = 0; have < input.size() && !split;) {
    have = std::min(have + piece, input.size());
    split = mosaic::downstream::wire::find_head_end(input.substr(0, have), scanned);
  }
  if (whole != split) __builtin_trap();
  if (whole) {
    if (*whole > input.size()) __builtin_trap();
    mosaic::downstream::wire::ResponseHead head;
    if (!mosaic::downstream::wire::parse_response_head(input.substr(0, *whole), head)) {
      if (head.status < 100 || head.status > 999) __builtin_trap();
      if (head.chunked && head.content_length) __builtin_trap();
    }
    input.remove_prefix(*whole);
  }

  const Decoded at_once = decode(input, input.size() ? input.size() : 1);
  const Decoded pieces = decode(input, piece);
  if (at_once.result != pieces.result) __builtin_trap();
  if (at_once.result != ChunkedDecoder::Result::kError &&
      (at_once.body != pieces.body || at_once.left != pieces.left))
    __builtin_trap();
  return 0;
}
