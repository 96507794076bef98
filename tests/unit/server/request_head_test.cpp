// The public listener's request heads (server/request_head): read a byte at a time up to the
// empty line and no further, parsed into Poco's request, refused with the status RFC 9110/9112
// give each fault, within the fixed limits docs/reliability.md lists.
#include "server/request_head.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mosaic::server {
namespace {

struct Reading {
  HeadRead how;
  std::string head;
  std::string rest;  // what the reader left of the input
};

Reading read_from(const std::string& input) {
  std::size_t at = 0;
  Reading out;
  out.how = read_request_head(
      [&]() -> int { return at < input.size() ? static_cast<unsigned char>(input[at++]) : -1; },
      out.head);
  out.rest = input.substr(at);
  return out;
}

// The status a head is refused with; 0 when it is accepted.
int status_of(const std::string& head) {
  Poco::Net::HTTPRequest request;
  const auto refused = parse_request_head(head, request);
  return refused ? refused->status : 0;
}

std::string with_fields(const std::string& fields) {
  return "GET /item/7 HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}

TEST(RequestHead, ReadingStopsAtTheEmptyLineAndLeavesTheRest) {
  Reading r =
      read_from("\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\n");
  EXPECT_EQ(r.how, HeadRead::kComplete);
  EXPECT_EQ(r.head, "POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\n");  // leading CRLFs skipped
  EXPECT_EQ(r.rest, "{}GET / HTTP/1.1\r\n");
  r = read_from("GET / HTTP/1.0\nHost: x\n\nnext");  // bare LF line ends
  EXPECT_EQ(r.how, HeadRead::kComplete);
  EXPECT_EQ(r.rest, "next");
}

TEST(RequestHead, ReadingTellsAClosedConnectionFromACutHeadAndAnEndlessOne) {
  EXPECT_EQ(read_from("").how, HeadRead::kNoRequest);
  EXPECT_EQ(read_from("\r\n\r\n").how, HeadRead::kNoRequest);
  std::string blank_lines;
  for (std::size_t i = 0; i < kMaxRequestHead; ++i) blank_lines += "\r\n";
  const Reading flood = read_from(blank_lines + "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(flood.how, HeadRead::kNoRequest);  // gave up after 64 KiB of them
  EXPECT_EQ(flood.rest.size(), blank_lines.size() + 18 - (kMaxRequestHead + 1));  // read no more
  EXPECT_EQ(read_from("GET / HTTP/1.1\r\nHost: x\r\n").how, HeadRead::kCutShort);
  const Reading endless = read_from("GET /" + std::string(kMaxRequestHead + 10, 'a'));
  EXPECT_EQ(endless.how, HeadRead::kTooLarge);
  EXPECT_EQ(endless.head.size(), kMaxRequestHead);
}

TEST(RequestHead, BytesAbove127AreBytesNotTheEnd) {
  // 0xFF is -1 as a signed char: the reader's source hands bytes over as unsigned.
  const std::string input = "GET / HTTP/1.1\r\nX-Name: caf\xC3\xA9 \xFF\r\n\r\n";
  const Reading r = read_from(input);
  ASSERT_EQ(r.how, HeadRead::kComplete);
  Poco::Net::HTTPRequest request;
  ASSERT_FALSE(parse_request_head(r.head, request));
  EXPECT_EQ(request.get("X-Name"), "caf\xC3\xA9 \xFF");
}

TEST(RequestHead, ParsesTheRequestLineAndTheFieldsInOrder) {
  Poco::Net::HTTPRequest request;
  ASSERT_FALSE(parse_request_head(
      "PATCH /a/b?c=d%20e HTTP/1.0\r\nHost: example\r\nX-A:   one two \t\r\nx-a: 2\r\n"
      "Empty:\r\n\r\n",
      request));
  EXPECT_EQ(request.getMethod(), "PATCH");
  EXPECT_EQ(request.getURI(), "/a/b?c=d%20e");
  EXPECT_EQ(request.getVersion(), "HTTP/1.0");
  std::vector<std::pair<std::string, std::string>> fields(request.begin(), request.end());
  const std::vector<std::pair<std::string, std::string>> expected{
      {"Host", "example"}, {"X-A", "one two"}, {"x-a", "2"}, {"Empty", ""}};
  EXPECT_EQ(fields, expected);
}

TEST(RequestHead, MalformedHeadsAre400) {
  for (const std::string& head : std::vector<std::string>{
           "GET /\r\n\r\n",                                        // no version
           "GET  / HTTP/1.1\r\n\r\n",                              // two spaces
           "GET / HTTP/1.1 \r\n\r\n",                              // trailing space
           "G@T / HTTP/1.1\r\n\r\n",                               // not a token
           "GET /a\x01 HTTP/1.1\r\n\r\n",                          // control byte in the target
           "GET / HTTP/1.1x\r\n\r\n",                              // not a version
           "GET / HTTP/1.1\rX: y\r\n\r\n",                         // bare CR
           "GET / HTTP/1.1\r\nNo colon\r\n\r\n",                   // field without a colon
           "GET / HTTP/1.1\r\nX : y\r\n\r\n",                      // space before the colon
           "GET / HTTP/1.1\r\n: y\r\n\r\n",                        // empty name
           "GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n",           // obs-fold
           "GET / HTTP/1.1\r\nX: a\x0b\r\n\r\n",                   // VT in a value
           "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",                   // DEL in a value
           "GET / HTTP/1.1\r\nX: a\r\n",                           // no empty line
           "GET / HTTP/1.1\r\n\r\nextra",                          // bytes after it
           "GET " + std::string(33, 'M') + " / HTTP/1.1\r\n\r\n",  // a 33-byte method
       }) {
    EXPECT_EQ(status_of(head), 400) << head;
  }
  EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26)), 400);  // NUL
}

TEST(RequestHead, FramingThatAProxyCouldReadDifferentlyIsRefused) {
  EXPECT_EQ(status_of(with_fields("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: 5\r\nContent-Length: 6\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: 5, 6\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: -1\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: +5\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: 99999999999999999999\r\n")), 400);
  // Found by fuzz_request_head: above 2^63 - 1 Poco cannot read the length it is handed.
  EXPECT_EQ(status_of(with_fields("Content-Length: 9223372036854775808\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Content-Length: 13333333334026405054\r\n")), 400);
  Poco::Net::HTTPRequest largest;
  ASSERT_FALSE(parse_request_head(with_fields("Content-Length: 9223372036854775807\r\n"), largest));
  EXPECT_EQ(largest.getContentLength64(), 9223372036854775807);
  EXPECT_EQ(status_of(with_fields("Content-Length:\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Transfer-Encoding: chunked, gzip\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Transfer-Encoding: chunked,\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(status_of(with_fields("Transfer-Encoding: gzip, chunked\r\n")), 501);
  EXPECT_EQ(status_of(with_fields("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")),
            501);

  Poco::Net::HTTPRequest same;  // the same length twice is one length
  ASSERT_FALSE(
      parse_request_head(with_fields("Content-Length: 5, 5\r\nContent-Length: 05\r\n"), same));
  EXPECT_EQ(same.getContentLength64(), 5);
  Poco::Net::HTTPRequest chunked;
  ASSERT_FALSE(parse_request_head(with_fields("transfer-encoding:  Chunked \r\n"), chunked));
  EXPECT_TRUE(chunked.getChunkedTransferEncoding());
  EXPECT_FALSE(chunked.hasContentLength());
}

TEST(RequestHead, VersionsOtherThanOneDotXAre505) {
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/0.9\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\n\r\n"), 0);
}

TEST(RequestHead, EachLimitHoldsAtItsEdge) {
  const std::string target(kMaxRequestTarget - 1, 'a');
  EXPECT_EQ(status_of("GET /" + target + " HTTP/1.1\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET /" + target + "a HTTP/1.1\r\n\r\n"), 414);

  EXPECT_EQ(status_of(with_fields(std::string(kMaxFieldName, 'N') + ": v\r\n")), 0);
  EXPECT_EQ(status_of(with_fields(std::string(kMaxFieldName + 1, 'N') + ": v\r\n")), 431);
  EXPECT_EQ(status_of(with_fields("X: " + std::string(kMaxFieldValue, 'v') + "\r\n")), 0);
  EXPECT_EQ(status_of(with_fields("X: " + std::string(kMaxFieldValue + 1, 'v') + "\r\n")), 431);

  std::string fields;
  for (std::size_t i = 1; i < kMaxFieldCount; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(status_of(with_fields(fields)), 0);  // Host and 99 more
  EXPECT_EQ(status_of(with_fields(fields + "X-100: v\r\n")), 431);

  // Under every per-field limit, over the whole head's: nine values of 8000 bytes.
  std::string large;
  for (int i = 0; i < 9; ++i)
    large += "X-" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
  EXPECT_EQ(status_of(with_fields(large)), 431);
}

}  // namespace
}  // namespace mosaic::server
