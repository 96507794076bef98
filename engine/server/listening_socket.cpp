#include "server/listening_socket.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <mutex>

namespace mosaic::server {

namespace {

using Poco::Net::SocketAddress;

// An accepted connection: the peer's address as accept(2) gave it, the local one read once.
class AcceptedSocketImpl final : public Poco::Net::StreamSocketImpl {
 public:
  AcceptedSocketImpl(poco_socket_t fd, const SocketAddress& peer)
      : StreamSocketImpl(fd), peer_(peer) {}

  // Also after the peer has gone (getpeername would fail with ENOTCONN).
  SocketAddress peerAddress() override { return peer_; }

  SocketAddress address() override {
    // A failure (the socket already closed) throws as Poco's would and is tried again next time.
    std::call_once(local_read_, [this] { local_ = StreamSocketImpl::address(); });
    return local_;
  }

 private:
  const SocketAddress peer_;
  std::once_flag local_read_;
  SocketAddress local_;
};

class ListeningSocketImpl final : public Poco::Net::ServerSocketImpl {
 public:
  explicit ListeningSocketImpl(std::chrono::milliseconds send_timeout) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(send_timeout).count();
    send_timeout_.tv_sec = static_cast<time_t>(us / 1000000);
    send_timeout_.tv_usec = static_cast<suseconds_t>(us % 1000000);
  }

  Poco::Net::SocketImpl* acceptConnection(SocketAddress& client) override {
    if (sockfd() == POCO_INVALID_SOCKET) throw Poco::Net::InvalidSocketException();
    sockaddr_storage buffer{};
    auto* address = reinterpret_cast<sockaddr*>(&buffer);
    for (;;) {
      socklen_t length = sizeof buffer;
      const poco_socket_t fd = ::accept(sockfd(), address, &length);
      if (fd != POCO_INVALID_SOCKET) {
        client = SocketAddress(address, length);
        // A send blocked this long fails with EAGAIN (OneWriteResponse: send_timeout); cannot
        // fail on a socket just accepted.
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout_, sizeof send_timeout_);
        return new AcceptedSocketImpl(fd, client);
      }
      if (errno != EINTR) error();  // throws the exception Poco maps errno to
    }
  }

 private:
  timeval send_timeout_{};
};

}  // namespace

ListeningSocket::ListeningSocket(std::chrono::milliseconds send_timeout)
    : Poco::Net::ServerSocket(new ListeningSocketImpl(send_timeout), true) {}

}  // namespace mosaic::server
