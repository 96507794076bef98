#include "server/one_write_response.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <streambuf>
#include <string>

namespace mosaic::server {

namespace {

// An ostream target that appends to a string: the head, as Poco's HTTPResponse::write formats it.
class AppendBuffer final : public std::streambuf {
 public:
  explicit AppendBuffer(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    out_.append(data, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string& out_;
};

// Below this the body is copied behind the head (one buffer, one TLS record); above, a plain
// socket sends both in place with one sendmsg(2).
constexpr std::size_t kCopyBelow = 16 * 1024;

[[noreturn]] void throw_send_error(int error) {
  if (error == EPIPE || error == ECONNRESET)
    throw Poco::Net::ConnectionResetException(std::strerror(error));
  if (error == EAGAIN || error == EWOULDBLOCK)  // SO_SNDTIMEO ran out
    throw Poco::TimeoutException("the client stopped reading the response");
  throw Poco::IOException(std::string("send: ") + std::strerror(error));
}

}  // namespace

OneWriteResponse::OneWriteResponse(Poco::Net::HTTPServerSession& session)
    : HTTPServerResponseImpl(session), session_(session) {}

bool OneWriteResponse::sent() const {
  return sent_ || HTTPServerResponseImpl::sent();
}

void OneWriteResponse::sendBuffer(const void* body, std::size_t length) {
  if (sent()) throw Poco::IllegalStateException("the response was already sent");
  setContentLength64(static_cast<Poco::Int64>(length));
  setChunkedTransferEncoding(false);
  const std::string_view content =
      head_request_ ? std::string_view() : std::string_view(static_cast<const char*>(body), length);
  std::string head;
  head.reserve(256 + (content.size() < kCopyBelow ? content.size() : 0));
  {
    AppendBuffer buffer(head);
    std::ostream out(&buffer);
    write(out);
  }
  sent_ = true;  // from here on nothing else may be written for this request
  if (content.size() < kCopyBelow) {
    head.append(content);
    write_all(head, {});
  } else {
    write_all(head, content);
  }
}

void OneWriteResponse::write_all(std::string_view head, std::string_view body) {
  Poco::Net::StreamSocket& socket = session_.socket();
  if (socket.secure()) {
    // Through the TLS layer (which writes all of a blocking send).
    for (std::string_view part : {head, body}) {
      while (!part.empty()) {
        const int n = socket.sendBytes(part.data(), static_cast<int>(part.size()));
        if (n <= 0) throw Poco::Net::ConnectionResetException("the client stopped reading");
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    return;
  }
  const int fd = socket.impl()->sockfd();
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = body.empty() ? 1 : 2;
  while (message.msg_iovlen > 0) {
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_send_error(errno);
    }
    if (n == 0) throw Poco::Net::ConnectionResetException("the client stopped reading");
    // A partial write (a signal, or the send timeout): go on after the bytes that went out.
    auto left = static_cast<std::size_t>(n);
    while (message.msg_iovlen > 0 && left >= message.msg_iov[0].iov_len) {
      left -= message.msg_iov[0].iov_len;
      ++message.msg_iov;
      --message.msg_iovlen;
    }
    if (message.msg_iovlen > 0) {
      message.msg_iov[0].iov_base = static_cast<char*>(message.msg_iov[0].iov_base) + left;
      message.msg_iov[0].iov_len -= left;
    }
  }
}

}  // namespace mosaic::server
