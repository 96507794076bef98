// The head the listener writes for an answer of known length: the text Poco's HTTPResponse::write
// gives for the same response with that Content-Length, the length always the one passed.
#include "server/response_head.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace mosaic::server {
namespace {

using Poco::Net::HTTPResponse;

std::string poco_head(HTTPResponse response, std::uint64_t length) {
  response.setContentLength64(static_cast<Poco::Int64>(length));
  response.setChunkedTransferEncoding(false);
  std::ostringstream out;
  response.write(out);
  return out.str();
}

std::string our_head(const HTTPResponse& response, std::uint64_t length) {
  std::string out;
  append_response_head(out, response, length);
  return out;
}

TEST(ResponseHead, IsWhatPocoWritesForTheSameAnswer) {
  HTTPResponse ok;
  ok.setStatusAndReason(HTTPResponse::HTTP_OK);
  ok.set("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
  ok.set("Server", "mosaic");
  ok.setKeepAlive(true);
  ok.setContentType("application/json");
  ok.set("X-Request-Id", "abc123");
  const std::string head = our_head(ok, 1234);
  EXPECT_EQ(head, poco_head(ok, 1234));
  EXPECT_EQ(head,
            "HTTP/1.0 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: mosaic\r\n"
            "Connection: Keep-Alive\r\nContent-Type: application/json\r\nX-Request-Id: abc123\r\n"
            "Content-Length: 1234\r\n\r\n");

  HTTPResponse error(HTTPResponse::HTTP_1_1, HTTPResponse::HTTP_GATEWAY_TIMEOUT);
  error.setKeepAlive(false);
  error.add("Vary", "a");
  error.add("Vary", "b");  // repeated fields stay, in order
  EXPECT_EQ(our_head(error, 0), poco_head(error, 0));
  EXPECT_EQ(our_head(error, 0),
            "HTTP/1.1 504 Gateway Time-Out\r\nConnection: Close\r\nVary: a\r\nVary: b\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(ResponseHead, TheLengthPassedReplacesAnyLengthOrChunkingSetBefore) {
  HTTPResponse response(HTTPResponse::HTTP_1_1, HTTPResponse::HTTP_OK);
  response.setContentLength64(5);
  response.setChunkedTransferEncoding(true);
  response.set("content-length", "7");  // any spelling
  response.set("X-After", "1");
  const std::string head = our_head(response, 18446744073709551615ull);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nX-After: 1\r\nContent-Length: 18446744073709551615\r\n\r\n");
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(head.find(": 5\r"), std::string::npos);
}

TEST(ResponseHead, AppendsAfterWhatTheStringHolds) {
  HTTPResponse response(HTTPResponse::HTTP_1_1, HTTPResponse::HTTP_NOT_FOUND);
  std::string out = "prefix|";
  append_response_head(out, response, 2);
  EXPECT_EQ(out, "prefix|HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n");
}

}  // namespace
}  // namespace mosaic::server
