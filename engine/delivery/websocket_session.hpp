#pragma once
// One front end's WebSocket on /_mosaic/ws: it subscribes to request ids (`?request_id=` on the
// upgrade, or {"subscribe": ["id", ...]} messages) and receives each background result as it
// lands. Results queue per connection up to a bound; a client that does not keep up is closed
// (1008) rather than allowed to grow memory. Idle connections are closed too.
#include <Poco/Net/HTTPRequestHandler.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "delivery/result_store.hpp"
#include "metrics/registry.hpp"

namespace mosaic::delivery {

struct WebSocketLimits {
  int max_connections = 1000;
  std::chrono::milliseconds idle_timeout{60000};
  std::size_t send_queue = 256;
};

// Shared by every session: the store, the limits and the connection count.
struct WebSocketHub {
  ResultStore* store = nullptr;
  WebSocketLimits limits;
  std::atomic<int> connections{0};
  metrics::Counter* overflow_closed = nullptr;
  metrics::Counter* idle_closed = nullptr;
  metrics::Counter* refused = nullptr;
};

// The bounded queue between the store (any thread) and the connection's own thread.
class SessionQueue : public Subscriber {
 public:
  explicit SessionQueue(std::size_t limit) : limit_(limit) {}
  void deliver(const Message& message) override;
  // Takes everything queued. `overflowed` tells whether the bound was passed since the last take.
  std::deque<Message> take(bool& overflowed);

 private:
  const std::size_t limit_;
  std::mutex mutex_;
  std::deque<Message> queue_;
  bool overflowed_ = false;
};

class WebSocketHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit WebSocketHandler(WebSocketHub& hub) : hub_(hub) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  WebSocketHub& hub_;
};

}  // namespace mosaic::delivery
