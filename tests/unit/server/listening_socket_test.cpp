// The listener's accepted connections answer their addresses from what accept(2) and one
// getsockname told: the same addresses the kernel reports, and still there once the peer is gone.
#include "server/listening_socket.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>

namespace mosaic::server {
namespace {

using Poco::Net::SocketAddress;
using Poco::Net::StreamSocket;

struct Connected {
  StreamSocket client;
  StreamSocket accepted;
};

Connected connect_to(Poco::Net::ServerSocket& listener) {
  listener.bind(SocketAddress("127.0.0.1", 0), true);
  listener.listen(4);
  Connected pair;
  pair.client.connect(SocketAddress("127.0.0.1", listener.address().port()));
  pair.accepted = listener.acceptConnection();
  return pair;
}

// The client leaves with a reset: the accepted socket is then no longer connected.
void reset_and_wait(Connected& pair) {
  pair.client.setLinger(true, 0);
  pair.client.close();
  char byte = 0;
  try {
    pair.accepted.receiveBytes(&byte, 1);  // ECONNRESET
  } catch (const Poco::Net::ConnectionResetException&) {
  }
}

TEST(ListeningSocket, AcceptedConnectionsReportTheKernelsAddresses) {
  ListeningSocket listener(std::chrono::seconds(30));
  Connected pair = connect_to(listener);
  EXPECT_EQ(pair.accepted.peerAddress().toString(), pair.client.address().toString());
  EXPECT_EQ(pair.accepted.address().toString(), pair.client.peerAddress().toString());
  EXPECT_EQ(pair.accepted.address().toString(), pair.accepted.address().toString());  // kept
}

TEST(ListeningSocket, ThePeersAddressOutlivesTheConnection) {
  ListeningSocket listener(std::chrono::seconds(30));
  Connected pair = connect_to(listener);
  const std::string client_address = pair.client.address().toString();
  reset_and_wait(pair);
  // Asked of the kernel now (getpeername), the address would be gone: ENOTCONN.
  EXPECT_EQ(pair.accepted.peerAddress().toString(), client_address);
}

// What the test above relies on: Poco's own accepted sockets ask the kernel every time.
TEST(ListeningSocket, PocosAcceptedSocketsAskTheKernelEachTime) {
  Poco::Net::ServerSocket listener;
  Connected pair = connect_to(listener);
  reset_and_wait(pair);
  EXPECT_THROW(pair.accepted.peerAddress(), Poco::Net::NetException);
}

TEST(ListeningSocket, AcceptedConnectionsGetTheSendTimeout) {
  ListeningSocket listener(std::chrono::milliseconds(2500));
  Connected pair = connect_to(listener);
  timeval timeout{};
  socklen_t length = sizeof timeout;
  ASSERT_EQ(
      ::getsockopt(pair.accepted.impl()->sockfd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, &length), 0);
  EXPECT_EQ(timeout.tv_sec, 2);
  EXPECT_EQ(timeout.tv_usec, 500000);
}

}  // namespace
}  // namespace mosaic::server
