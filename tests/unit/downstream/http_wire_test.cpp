#include "downstream/http_wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "downstream/http_client_pool.hpp"
#include "fake_call_context.hpp"
#include "test_http_server.hpp"

namespace mosaic::downstream {
namespace {

using mosaic::testing::FakeCallContext;
using mosaic::testing::TestHttpServer;
using wire::ChunkedDecoder;

std::optional<std::size_t> head_end(std::string_view data) {
  std::size_t scanned = 0;
  return wire::find_head_end(data, scanned);
}

// The head end found when `data` arrives `piece` bytes at a time.
std::optional<std::size_t> head_end_in_pieces(std::string_view data, std::size_t piece) {
  std::size_t scanned = 0;
  for (std::size_t have = piece;; have += piece) {
    have = std::min(have, data.size());
    if (auto end = wire::find_head_end(data.substr(0, have), scanned)) return end;
    if (have == data.size()) return std::nullopt;
  }
}

TEST(HttpWire, FindsTheEndOfAHeadWhicheverWayItArrives) {
  const std::string crlf = "HTTP/1.1 200 OK\r\nA: b\r\n\r\nBODY";
  const std::string lf = "HTTP/1.1 200 OK\nA: b\n\nBODY";
  EXPECT_EQ(head_end(crlf), crlf.size() - 4);
  EXPECT_EQ(head_end(lf), lf.size() - 4);
  for (std::size_t piece = 1; piece <= crlf.size(); ++piece) {
    EXPECT_EQ(head_end_in_pieces(crlf, piece), crlf.size() - 4) << "pieces of " << piece;
    EXPECT_EQ(head_end_in_pieces(lf, piece), lf.size() - 4) << "pieces of " << piece;
  }
  EXPECT_FALSE(head_end("HTTP/1.1 200 OK\r\nA: b\r\n"));
  EXPECT_FALSE(head_end("HTTP/1.1 200 OK\r\nA: b\r\n\r"));
  EXPECT_FALSE(head_end(""));
}

TEST(HttpWire, ParsesStatusHeadersAndFraming) {
  wire::ResponseHead head;
  ASSERT_FALSE(wire::parse_response_head(
      "HTTP/1.1 201 Created\r\nContent-Type:  application/json \r\ncontent-length: 12\r\n"
      "X-Multi: a,\r\n  b\r\n\r\n",
      head));
  EXPECT_EQ(head.status, 201);
  EXPECT_FALSE(head.http_1_0);
  EXPECT_EQ(head.content_type, "application/json");
  EXPECT_EQ(head.content_length, 12u);
  EXPECT_FALSE(head.chunked);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(head.headers.size(), 3u);
  EXPECT_EQ(head.headers[0].first, "Content-Type");
  EXPECT_EQ(head.headers[2].second, "a, b");  // obs-fold: one space
}

TEST(HttpWire, KeepAliveFollowsVersionAndConnection) {
  wire::ResponseHead head;
  ASSERT_FALSE(wire::parse_response_head("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n", head));
  EXPECT_FALSE(head.keep_alive);
  ASSERT_FALSE(wire::parse_response_head("HTTP/1.0 200 OK\r\n\r\n", head));
  EXPECT_TRUE(head.http_1_0);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_FALSE(
      wire::parse_response_head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", head));
  EXPECT_TRUE(head.keep_alive);
  ASSERT_FALSE(
      wire::parse_response_head("HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n\r\n", head));
  EXPECT_FALSE(head.keep_alive);
}

TEST(HttpWire, TransferEncodingDecidesTheFraming) {
  wire::ResponseHead head;
  ASSERT_FALSE(wire::parse_response_head(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", head));
  EXPECT_TRUE(head.chunked);
  EXPECT_FALSE(head.content_length);  // ignored beside Transfer-Encoding
  ASSERT_FALSE(
      wire::parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", head));
  EXPECT_FALSE(head.chunked);
  EXPECT_TRUE(head.read_to_close);
}

TEST(HttpWire, RefusesWhatIsNotHttp) {
  wire::ResponseHead head;
  for (const char* bad : {
           "HTTP/2 200 OK\r\n\r\n",                          // not 1.x
           "HTTP/1.1 20 OK\r\n\r\n",                         // 2 digits
           "HTTP/1.1 2000 OK\r\n\r\n",                       // 4 digits
           "HTTP/1.1 099 OK\r\n\r\n",                        // below 100
           "ICY 200 OK\r\n\r\n",                             // another protocol
           "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",       // header without ':'
           "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",        // empty name
           "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",         // space in the name
           "HTTP/1.1 200 OK\r\n folded first\r\n\r\n",       // fold before a header
           "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",  // not a number
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",  // negative
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",    // overflow
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",  // two lengths
       }) {
    EXPECT_TRUE(wire::parse_response_head(bad, head)) << bad;
  }
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; i <= wire::kMaxHeaderCount; ++i) many += "X: y\r\n";
  EXPECT_TRUE(wire::parse_response_head(many + "\r\n", head));
}

// A header name is RFC 9110's token: exactly the letters, digits and !#$%&'*+-.^_`|~, every
// other byte of the 256 refused, NUL and bytes above 127 included.
TEST(HttpWire, HeaderNamesAreTokensByteForByte) {
  const std::string_view symbols = "!#$%&'*+-.^_`|~";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool token = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                       (b != 0 && symbols.find(c) != std::string_view::npos);
    const std::string name = std::string("X-") + c + "a";
    EXPECT_EQ(wire::is_token(name), token) << "byte " << b;
    wire::ResponseHead head;
    const bool refused =
        wire::parse_response_head("HTTP/1.1 200 OK\r\n" + name + ": v\r\n\r\n", head).has_value();
    if (b != '\r' && b != '\n' && b != ':') {
      EXPECT_EQ(refused, !token) << "byte " << b;
    }
  }
  EXPECT_FALSE(wire::is_token(""));
}

// Decodes `data` fed `piece` bytes at a time; returns the body, or "ERROR: ..." .
std::string decode_in_pieces(std::string_view data, std::size_t piece,
                             std::size_t* left = nullptr) {
  ChunkedDecoder decoder;
  std::string body;
  for (std::size_t at = 0; at < data.size(); at += piece) {
    std::string_view part = data.substr(at, piece);
    std::size_t used = 0;
    auto result = decoder.feed(part, used, body);
    if (result == ChunkedDecoder::Result::kError) return "ERROR: " + decoder.error();
    if (result == ChunkedDecoder::Result::kDone) {
      if (left) *left = data.size() - at - used;
      return body;
    }
    if (used != part.size()) return "ERROR: stopped early";
  }
  return "INCOMPLETE";
}

TEST(HttpWire, DecodesChunkedBodiesInAnyPieces) {
  const std::string body =
      "5;name=value\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (std::size_t piece = 1; piece <= body.size(); ++piece) {
    std::size_t left = 0;
    EXPECT_EQ(decode_in_pieces(body, piece, &left), "hello, world0123456789") << piece;
    EXPECT_EQ(left, 4u) << piece;  // "NEXT" is not the body's
  }
  EXPECT_EQ(decode_in_pieces("3\nabc\n0\n\n", 1), "abc");  // bare LFs
  EXPECT_EQ(decode_in_pieces("0\r\n\r\n", 2), "");
  EXPECT_EQ(decode_in_pieces("5\r\nhel", 3), "INCOMPLETE");
}

TEST(HttpWire, RefusesMalformedChunks) {
  EXPECT_EQ(decode_in_pieces("x\r\n", 1).rfind("ERROR", 0), 0u);
  EXPECT_EQ(decode_in_pieces("\r\n", 1).rfind("ERROR", 0), 0u);
  EXPECT_EQ(decode_in_pieces("3\r\nabcd\r\n", 1).rfind("ERROR", 0), 0u);  // longer than its size
  EXPECT_EQ(decode_in_pieces("3\rX", 1).rfind("ERROR", 0), 0u);
  EXPECT_EQ(decode_in_pieces("11111111111111111\r\n", 4).rfind("ERROR", 0), 0u);  // > 2^64
  EXPECT_EQ(decode_in_pieces("1;" + std::string(5000, 'e') + "\r\n", 100).rfind("ERROR", 0), 0u);
}

TEST(HttpWire, WritesTheRequestHead) {
  std::string out;
  wire::append_request_line(out, "GET", "/api", "/users/1?x=2");
  wire::append_header(out, "Host", "example:8080");
  EXPECT_EQ(out, "GET /api/users/1?x=2 HTTP/1.1\r\nHost: example:8080\r\n");
}

// The client on the wire: hand-written answers from a real server.
class HttpWireClient : public ::testing::Test {
 protected:
  Outcome<HttpResponse> answer_with(std::string raw) {
    server_.route("/raw", [raw](const auto&) {
      TestHttpServer::Reply reply;
      reply.behavior = TestHttpServer::Behavior::kRaw;
      reply.body = raw;
      return reply;
    });
    HttpRequest request;
    request.target = "/raw";
    FakeCallContext context;
    return client_.send(request, context);
  }
  static HttpClientOptions options(const TestHttpServer& server) {
    HttpClientOptions o;
    o.base_url = server.base_url();
    o.max_connections = 2;
    o.max_idle = 2;
    o.max_response = 64;
    return o;
  }
  TestHttpServer server_;
  PooledHttpClient client_{options(server_)};
};

TEST_F(HttpWireClient, SkipsInterimAnswersAndReadsChunkedBodies) {
  auto outcome = answer_with(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
  ASSERT_TRUE(outcome.ok()) << outcome.failure().detail;
  EXPECT_EQ(outcome.value().status, 200);
  EXPECT_EQ(outcome.value().body, "{\"a\":1}");
  EXPECT_EQ(outcome.value().content_type, "application/json");
  // The chunked answer ended where it said: the connection serves the next call.
  ASSERT_TRUE(answer_with("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").ok());
  EXPECT_EQ(server_.accepted(), 1u);
}

TEST_F(HttpWireClient, BytesAfterTheAnswerOrHttp10CloseTheConnection) {
  ASSERT_TRUE(answer_with("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}EXTRA").ok());
  ASSERT_TRUE(answer_with("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}").ok());
  ASSERT_TRUE(answer_with("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").ok());
  EXPECT_EQ(server_.accepted(), 3u);  // neither of the first two connections was reused
}

TEST_F(HttpWireClient, MalformedAnswersAreBadResponses) {
  for (std::string raw : std::vector<std::string>{
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
           "HTTP/1.1 101 Switching Protocols\r\n\r\n",
           "HTTP/1.1 200 OK\r\n" + std::string(70000, 'X') + "\r\n\r\n"}) {
    auto outcome = answer_with(raw);
    ASSERT_FALSE(outcome.ok()) << raw.substr(0, 60);
    EXPECT_EQ(outcome.failure().kind, FailureKind::kBadResponse) << outcome.failure().detail;
  }
}

TEST_F(HttpWireClient, ChunkedBodiesAboveMaxResponseAreTooLarge) {
  auto outcome = answer_with("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" +
                             std::string(80, 'x') + "\r\n0\r\n\r\n");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure().kind, FailureKind::kTooLarge) << outcome.failure().detail;
}

}  // namespace
}  // namespace mosaic::downstream
