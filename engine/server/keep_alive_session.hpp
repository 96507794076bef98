#pragma once
// Poco's HTTPServerSession with a cheaper wait for the next request on a keep-alive connection,
// and the read of a request's head out of its buffer (read_head).
// Poco 1.11's hasMoreRequests() polls through Socket::poll, which on Linux creates, uses and
// closes an epoll instance each time: four system calls per request where one poll(2) does.
// The first request still goes through hasMoreRequests() (it also starts Poco's keep-alive
// accounting), and TLS connections always do: bytes OpenSSL has already decrypted and holds are
// invisible to poll(2) on the descriptor.
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Timespan.h>

#include <string>

#include "server/request_head.hpp"

namespace mosaic::server {

class KeepAliveSession : public Poco::Net::HTTPServerSession {
 public:
  KeepAliveSession(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params);

  // True when a next request has started to arrive (or the peer closed: the read then says so).
  bool next_request(const Poco::Timespan& keep_alive_timeout);

  // Reads the next request's head (server/request_head) out of the session's buffer, refilled as
  // Poco would: the bytes after it (a body, a pipelined request) stay for the body stream and the
  // next read. Network errors and timeouts throw as Poco's own reading does.
  HeadRead read_head(std::string& head);

 private:
  bool first_ = true;
  bool secure_ = false;
};

}  // namespace mosaic::server
