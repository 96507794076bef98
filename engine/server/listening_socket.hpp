#pragma once
// The public listener's socket. Its accepted connections keep their two addresses: Poco 1.11's
// request object asks the socket for both on every request (getpeername and getsockname in
// HTTPServerRequestImpl's constructor), two system calls a request, where accept(2) already told
// the peer's and one getsockname a connection tells the local one. Each also gets a send timeout
// (server.send_timeout): Poco sets none, so a client that stopped reading held its connection's
// thread in a blocked send for good.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>

namespace mosaic::server {

class ListeningSocket : public Poco::Net::ServerSocket {
 public:
  explicit ListeningSocket(std::chrono::milliseconds send_timeout);
};

}  // namespace mosaic::server
