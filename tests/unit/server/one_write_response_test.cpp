// sendBuffer() of the listener's responses: the head and the body leave in one write, whole,
// also when the socket takes them in several pieces; a HEAD answer carries the head alone.
#include "server/one_write_response.hpp"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "metrics/registry.hpp"

namespace mosaic::server {
namespace {

using namespace std::chrono_literals;

std::string body_of(std::size_t size) {
  std::string body(size, 'x');
  for (std::size_t i = 0; i < size; i += 97) body[i] = static_cast<char>('a' + i % 26);
  return body;
}

Poco::Net::HTTPServerParams::Ptr params() {
  return new Poco::Net::HTTPServerParams;
}

// The text after the blank line, and the head before it.
struct Split {
  std::string head, body;
};
Split split(const std::string& message) {
  const auto end = message.find("\r\n\r\n");
  if (end == std::string::npos) return {message, ""};
  return {message.substr(0, end + 4), message.substr(end + 4)};
}

// A socket that keeps the boundaries of writes (SOCK_SEQPACKET): each write is one record, so
// the reader sees how many writes the response took.
struct RecordPair {
  Poco::Net::StreamSocket writer, reader;
  RecordPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
    const int size = 4 << 20;
    ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    writer = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fds[0]));
    reader = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fds[1]));
    reader.setReceiveTimeout(Poco::Timespan(5, 0));  // nothing written yet fails, not hangs
  }
  std::string next_record() {
    std::string record(1 << 20, '\0');
    try {
      const int n = reader.receiveBytes(record.data(), static_cast<int>(record.size()));
      record.resize(static_cast<std::size_t>(std::max(n, 0)));
    } catch (const Poco::TimeoutException&) {
      record.clear();
    }
    return record;
  }
};

TEST(OneWriteResponse, HeadAndBodyLeaveInOneWrite) {
  for (std::size_t size : {std::size_t{0}, std::size_t{300}, std::size_t{16383}, std::size_t{16384},
                           std::size_t{100 * 1024}}) {
    RecordPair pair;
    Poco::Net::HTTPServerSession session(pair.writer, params());
    OneWriteResponse response(session);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setContentType("application/json");
    response.set("X-Request-Id", "r-1");
    const std::string body = body_of(size);
    EXPECT_FALSE(response.sent());
    response.sendBuffer(body.data(), body.size());
    EXPECT_TRUE(response.sent());
    const Split got = split(pair.next_record());  // the whole response, in the first record
    EXPECT_EQ(got.head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << size;
    EXPECT_NE(got.head.find("Content-Length: " + std::to_string(size) + "\r\n"), std::string::npos)
        << got.head;
    EXPECT_NE(got.head.find("X-Request-Id: r-1\r\n"), std::string::npos);
    EXPECT_EQ(got.body.size(), size);
    EXPECT_TRUE(got.body == body) << size;
  }
}

TEST(OneWriteResponse, AHeadAnswerCarriesTheBodysLengthAndNoBody) {
  RecordPair pair;
  Poco::Net::HTTPServerSession session(pair.writer, params());
  OneWriteResponse response(session);
  response.set_head_request(true);
  const std::string body = body_of(5000);
  response.sendBuffer(body.data(), body.size());
  const Split got = split(pair.next_record());
  EXPECT_NE(got.head.find("Content-Length: 5000\r\n"), std::string::npos) << got.head;
  EXPECT_EQ(got.body, "");
}

TEST(OneWriteResponse, ASecondSendIsRefused) {
  RecordPair pair;
  Poco::Net::HTTPServerSession session(pair.writer, params());
  OneWriteResponse response(session);
  response.sendBuffer("{}", 2);
  EXPECT_THROW(response.sendBuffer("{}", 2), Poco::IllegalStateException);
}

TEST(OneWriteResponse, PiecesLeaveInOneWriteAsOneBody) {
  RecordPair pair;
  Poco::Net::HTTPServerSession session(pair.writer, params());
  OneWriteResponse response(session);
  const std::string large = body_of(64 * 1024), small = "{\"a\":";
  const std::string_view pieces[] = {small, large, ",", large, "}"};
  response.send_pieces(pieces);
  const Split got = split(pair.next_record());
  const std::string body = small + large + "," + large + "}";
  EXPECT_NE(got.head.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos)
      << got.head;
  EXPECT_TRUE(got.body == body);
}

// The socket's send timeout ends each write after part of the body (the reader takes 64 KB at
// a time, every 5 ms): the rest follows from where the last write stopped.
TEST(OneWriteResponse, ABodyTakenInPiecesArrivesWhole) {
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket client(listener.address());
  Poco::Net::StreamSocket accepted = listener.acceptConnection();
  accepted.setSendBufferSize(64 * 1024);
  accepted.setSendTimeout(Poco::Timespan(0, 20000));
  client.setReceiveBufferSize(64 * 1024);
  const std::string body = body_of(4 << 20);
  std::string received;
  std::thread reader([&] {
    std::string chunk(64 * 1024, '\0');
    for (;;) {
      const int n = client.receiveBytes(chunk.data(), static_cast<int>(chunk.size()));
      if (n <= 0) break;
      received.append(chunk.data(), static_cast<std::size_t>(n));
      std::this_thread::sleep_for(5ms);
    }
  });
  try {
    Poco::Net::HTTPServerSession session(accepted, params());
    OneWriteResponse response(session);
    // In pieces that partial writes end inside of and between.
    const std::string_view whole = body;
    const std::string_view pieces[] = {whole.substr(0, 1000), whole.substr(1000, 3 << 20),
                                       whole.substr(1000 + (3 << 20))};
    response.send_pieces(pieces);
    accepted.shutdownSend();
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << e.displayText();
  }
  reader.join();  // the session closed the socket when it went: the reader saw the end
  const Split got = split(received);
  EXPECT_NE(got.head.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  ASSERT_EQ(got.body.size(), body.size());
  EXPECT_TRUE(got.body == body);
}

// A client that takes nothing: the write ends at the socket's send timeout (server.send_timeout,
// set on each accepted connection) with a TimeoutException, counted, instead of blocking the
// connection's thread for good.
TEST(OneWriteResponse, AClientThatTakesNothingIsLeftAtTheSendTimeout) {
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket client(Poco::Net::SocketAddress::IPv4);
  client.setReceiveBufferSize(4096);  // before connecting: the window the server may fill
  client.connect(listener.address());
  Poco::Net::StreamSocket accepted = listener.acceptConnection();
  accepted.setSendBufferSize(64 * 1024);
  accepted.setSendTimeout(Poco::Timespan(0, 100000));
  auto& timeouts = metrics::Registry::global().counter(
      "mosaic_client_send_timeouts_total",
      "Connections closed because the client took no byte of its answer for server.send_timeout");
  const std::uint64_t before = timeouts.value();
  const std::string body = body_of(4 << 20);
  Poco::Net::HTTPServerSession session(accepted, params());
  OneWriteResponse response(session);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(response.sendBuffer(body.data(), body.size()), Poco::TimeoutException);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(timeouts.value(), before + 1);
}

}  // namespace
}  // namespace mosaic::server
