#pragma once
// How long an accepted connection waits for a connection thread (server.threads busy, the
// connection sits in the server.queue). The acceptor stamps each connection as it hands it on
// (a TCPServerConnectionFilter that accepts everything); the first request handled on that
// connection observes now - stamp in mosaic_queue_wait_seconds{queue="connections"}. That
// includes reading the first request's header, which on a busy server is the small part.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/TCPServer.h>

#include <chrono>
#include <mutex>
#include <unordered_map>

namespace mosaic::metrics {
class Histogram;
}

namespace mosaic::server {

class ConnectionWait final : public Poco::Net::TCPServerConnectionFilter {
 public:
  // One per process: keyed by socket descriptor, which is unique in a process at any moment.
  static Poco::AutoPtr<ConnectionWait> instance();

  bool accept(const Poco::Net::StreamSocket& socket) override;
  // Observes the connection's wait the first time one of its requests gets here.
  void first_request(Poco::Net::HTTPServerRequest& request);

 private:
  ConnectionWait();

  metrics::Histogram& wait_;
  std::mutex mutex_;
  // A connection refused at a full queue (or closed before its first request) leaves its stamp
  // behind until its descriptor is reused: bounded by the number of descriptors.
  std::unordered_map<int, std::chrono::steady_clock::time_point> accepted_;
};

}  // namespace mosaic::server
