#include "server/one_write_response.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "metrics/registry.hpp"
#include "server/response_head.hpp"

namespace mosaic::server {

namespace {

// Below this the body is copied behind the head (one buffer, one TLS record); above, a plain
// socket sends both in place with one sendmsg(2).
constexpr std::size_t kCopyBelow = 16 * 1024;

// The client took no byte for server.send_timeout (SO_SNDTIMEO, server/listening_socket): the
// connection is dropped (GuardedConnection ends on the exception) and its thread freed.
[[noreturn]] void throw_send_timeout() {
  static metrics::Counter& timeouts = metrics::Registry::global().counter(
      "mosaic_client_send_timeouts_total",
      "Connections closed because the client took no byte of its answer for server.send_timeout");
  timeouts.inc();
  throw Poco::TimeoutException("the client stopped reading its answer");
}

[[noreturn]] void throw_send_error(int error) {
  if (error == EPIPE || error == ECONNRESET)
    throw Poco::Net::ConnectionResetException(std::strerror(error));
  if (error == EAGAIN || error == EWOULDBLOCK) throw_send_timeout();
  throw Poco::IOException(std::string("send: ") + std::strerror(error));
}

}  // namespace

OneWriteResponse::OneWriteResponse(Poco::Net::HTTPServerSession& session)
    : HTTPServerResponseImpl(session), session_(session) {}

bool OneWriteResponse::sent() const {
  return sent_ || HTTPServerResponseImpl::sent();
}

void OneWriteResponse::sendBuffer(const void* body, std::size_t length) {
  const std::string_view whole(static_cast<const char*>(body), length);
  send_pieces(std::span<const std::string_view>(&whole, 1));
}

void OneWriteResponse::send_pieces(std::span<const std::string_view> body) {
  if (sent()) throw Poco::IllegalStateException("the response was already sent");
  std::size_t length = 0;
  for (std::string_view piece : body) length += piece.size();
  const std::size_t to_send = head_request_ ? 0 : length;  // a HEAD answer: the head alone
  std::string head;
  head.reserve(256 + (to_send < kCopyBelow ? to_send : 0));
  append_response_head(head, *this, length);
  sent_ = true;  // from here on nothing else may be written for this request
  if (to_send < kCopyBelow) {
    if (to_send > 0)
      for (std::string_view piece : body) head.append(piece);
    const std::string_view all = head;
    return write_all(std::span<const std::string_view>(&all, 1));
  }
  std::vector<std::string_view> pieces;
  pieces.reserve(body.size() + 1);
  pieces.push_back(head);
  for (std::string_view piece : body)
    if (!piece.empty()) pieces.push_back(piece);
  write_all(pieces);
}

void OneWriteResponse::write_all(std::span<const std::string_view> pieces) {
  Poco::Net::StreamSocket& socket = session_.socket();
  if (socket.secure()) {
    // Through the TLS layer (which writes all of a blocking send), small pieces gathered so that
    // they go out in one record.
    std::string gathered;
    auto send = [&](std::string_view part) {
      while (!part.empty()) {
        int n = 0;
        try {
          n = socket.sendBytes(part.data(), static_cast<int>(part.size()));
        } catch (const Poco::TimeoutException&) {
          throw_send_timeout();
        }
        // Negative: OpenSSL wants to write again, on a blocking socket only after SO_SNDTIMEO.
        if (n < 0) throw_send_timeout();
        if (n == 0) throw Poco::Net::ConnectionResetException("the client closed the connection");
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    };
    for (std::string_view piece : pieces) {
      if (piece.size() < kCopyBelow) {
        gathered.append(piece);
        continue;
      }
      send(gathered);
      gathered.clear();
      send(piece);
    }
    send(gathered);
    return;
  }
  const int fd = socket.impl()->sockfd();
  std::vector<iovec> parts;
  parts.reserve(pieces.size());
  for (std::string_view piece : pieces)
    parts.push_back({const_cast<char*>(piece.data()), piece.size()});
  // A partial write (a signal, the send timeout) goes on after the bytes that went out.
  for (std::size_t first = 0; first < parts.size();) {  // the first part not yet all sent
    msghdr message{};
    message.msg_iov = parts.data() + first;
    message.msg_iovlen = std::min<std::size_t>(parts.size() - first, IOV_MAX);
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_send_error(errno);
    }
    if (n == 0) throw Poco::Net::ConnectionResetException("the client stopped reading");
    auto done = static_cast<std::size_t>(n);
    while (first < parts.size() && done >= parts[first].iov_len) done -= parts[first++].iov_len;
    if (first < parts.size()) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + done;
      parts[first].iov_len -= done;
    }
  }
}

}  // namespace mosaic::server
