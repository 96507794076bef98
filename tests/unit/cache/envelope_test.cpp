// The stored format of a cached value: round trip, and refusal of anything not ours.
#include "cache/envelope.hpp"

#include <gtest/gtest.h>

namespace mosaic::cache {
namespace {

Envelope sample() {
  Envelope e;
  e.stored_at_ms = 1700000000123;
  e.fresh_until_ms = 1700000060123;
  e.stale_until_ms = 1700000360123;
  e.payload = R"({"orders":[1,2,3]})";
  return e;
}

TEST(Envelope, RoundTrips) {
  const std::string bytes = encode_envelope(sample());
  ASSERT_EQ(bytes.size(), kEnvelopeHeader + sample().payload.size());
  EXPECT_EQ(bytes[0], 'M');
  EXPECT_EQ(static_cast<std::uint8_t>(bytes[1]), kEnvelopeVersion);
  auto back = decode_envelope(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stored_at_ms, 1700000000123);
  EXPECT_EQ(back->fresh_until_ms, 1700000060123);
  EXPECT_EQ(back->stale_until_ms, 1700000360123);
  EXPECT_EQ(back->payload, sample().payload);
}

TEST(Envelope, EmptyPayloadAndBinaryBytesSurvive) {
  Envelope e = sample();
  e.payload.clear();
  EXPECT_EQ(decode_envelope(encode_envelope(e))->payload, "");
  e.payload = std::string("\0\xff\x01", 3);
  EXPECT_EQ(decode_envelope(encode_envelope(e))->payload, e.payload);
}

TEST(Envelope, FreshStaleAndAge) {
  const Envelope e = sample();
  EXPECT_TRUE(e.fresh_at(e.stored_at_ms));
  EXPECT_TRUE(e.fresh_at(e.fresh_until_ms - 1));
  EXPECT_FALSE(e.fresh_at(e.fresh_until_ms));
  EXPECT_TRUE(e.usable_at(e.fresh_until_ms));
  EXPECT_TRUE(e.usable_at(e.stale_until_ms - 1));
  EXPECT_FALSE(e.usable_at(e.stale_until_ms));
  EXPECT_EQ(e.age_at(e.stored_at_ms + 61000), 61000);
  EXPECT_EQ(e.age_at(e.stored_at_ms - 5), 0);  // a clock behind the writer's
}

TEST(Envelope, AnotherVersionIsAbsentNotMisread) {
  std::string bytes = encode_envelope(sample());
  bytes[1] = static_cast<char>(kEnvelopeVersion + 1);
  EXPECT_FALSE(decode_envelope(bytes));
}

TEST(Envelope, ForeignOrTruncatedBytesAreRefused) {
  EXPECT_FALSE(decode_envelope(""));
  EXPECT_FALSE(decode_envelope(R"({"plain":"json"})"));
  const std::string bytes = encode_envelope(sample());
  EXPECT_FALSE(decode_envelope(bytes.substr(0, kEnvelopeHeader - 1)));
  std::string other = bytes;
  other[0] = 'X';
  EXPECT_FALSE(decode_envelope(other));
}

TEST(Envelope, TimesOutOfOrderAreRefused) {
  Envelope e = sample();
  e.fresh_until_ms = e.stored_at_ms - 1;
  EXPECT_FALSE(decode_envelope(encode_envelope(e)));
  e = sample();
  e.stale_until_ms = e.fresh_until_ms - 1;
  EXPECT_FALSE(decode_envelope(encode_envelope(e)));
}

}  // namespace
}  // namespace mosaic::cache
