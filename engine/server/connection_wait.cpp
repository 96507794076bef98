#include "server/connection_wait.hpp"

#include <Poco/Net/HTTPServerRequestImpl.h>

#include "metrics/registry.hpp"
#include "server/parsed_request.hpp"

namespace mosaic::server {

ConnectionWait::ConnectionWait() : wait_(metrics::queue_wait_histogram("connections")) {}

Poco::AutoPtr<ConnectionWait> ConnectionWait::instance() {
  static Poco::AutoPtr<ConnectionWait> the(new ConnectionWait);
  return the;
}

bool ConnectionWait::accept(const Poco::Net::StreamSocket& socket) {
  const int fd = socket.impl()->sockfd();
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  accepted_[fd] = now;
  return true;
}

void ConnectionWait::first_request(Poco::Net::HTTPServerRequest& request) {
  int fd = -1;
  if (auto* parsed = dynamic_cast<ParsedRequest*>(&request)) {
    fd = parsed->session().socket().impl()->sockfd();
  } else if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
    fd = impl->socket().impl()->sockfd();
  } else {
    return;
  }
  std::chrono::steady_clock::time_point stamped;
  {
    std::lock_guard lock(mutex_);
    auto it = accepted_.find(fd);
    if (it == accepted_.end()) return;  // not the first request of its connection
    stamped = it->second;
    accepted_.erase(it);
  }
  wait_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - stamped).count());
}

}  // namespace mosaic::server
