#include "server/keep_alive_session.hpp"

#include <poll.h>

#include <cerrno>

namespace mosaic::server {

KeepAliveSession::KeepAliveSession(const Poco::Net::StreamSocket& socket,
                                   Poco::Net::HTTPServerParams::Ptr params)
    : HTTPServerSession(socket, std::move(params)), secure_(socket.secure()) {}

bool KeepAliveSession::next_request(const Poco::Timespan& keep_alive_timeout) {
  if (first_ || secure_) {
    first_ = false;
    return hasMoreRequests();
  }
  if (!getKeepAlive() || !canKeepAlive()) return false;
  if (buffered() > 0) return true;  // a pipelined request is already read
  pollfd descriptor{socket().impl()->sockfd(), POLLIN, 0};
  if (descriptor.fd < 0) return false;
  const auto timeout_ms = static_cast<int>(keep_alive_timeout.totalMilliseconds());
  int ready = 0;
  do {
    ready = ::poll(&descriptor, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

HeadRead KeepAliveSession::read_head(std::string& head) {
  int available = 0;  // bytes the session's buffer holds: get() takes them without a refill
  return read_request_head(
      [this, &available]() -> int {
        // get() returns a byte as a (signed) char, so 0xFF would read as the end of the stream:
        // the end is when a refill brings nothing, and bytes are taken as unsigned.
        if (available == 0) {
          available = buffered();
          if (available == 0) {
            refill();
            available = buffered();
            if (available == 0) return -1;
          }
        }
        --available;
        return get() & 0xFF;
      },
      head);
}

}  // namespace mosaic::server
