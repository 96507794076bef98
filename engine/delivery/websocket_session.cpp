#include "delivery/websocket_session.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/URI.h>

#include <vector>

#include "delivery/websocket_handshake.hpp"
#include "mosaic/json_text.hpp"
#include "response/error_body.hpp"
#include "server/request_id.hpp"

namespace mosaic::delivery {

void SessionQueue::deliver(const Message& message) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= limit_) {
    overflowed_ = true;
    return;
  }
  queue_.push_back(message);
}

std::deque<Message> SessionQueue::take(bool& overflowed) {
  std::lock_guard lock(mutex_);
  overflowed = overflowed_;
  return std::exchange(queue_, {});
}

namespace {

using Poco::Net::WebSocket;
constexpr auto kPollInterval = std::chrono::milliseconds(20);

void refuse(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
            int status, const std::string& code, const std::string& message) {
  // A copy: without the header, Poco returns a reference to its default argument, a temporary
  // gone at the end of this line.
  const std::string offered = request.get("X-Request-Id", "");
  const std::string id =
      server::is_valid_request_id(offered) ? offered : server::generate_request_id();
  const std::string body = response::serialize_error({status, code, message, {}, {}}, id);
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.set("X-Request-Id", id);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.sendBuffer(body.data(), body.size());
}

class Session {
 public:
  Session(WebSocketHub& hub, WebSocket& socket)
      : hub_(hub), socket_(socket), queue_(std::make_shared<SessionQueue>(hub.limits.send_queue)) {}
  ~Session() {
    for (const auto& id : subscribed_) hub_.store->unsubscribe(id, queue_.get());
  }

  void subscribe(const std::string& id) {
    if (!server::is_valid_request_id(id) || !hub_.store->subscribe(id, queue_)) {
      send(to_json_text(json::object{{"request_id", id}, {"error", "unknown_request_id"}}));
      return;
    }
    subscribed_.push_back(id);
  }

  // Returns false when the connection is over.
  bool step() {
    bool overflowed = false;
    auto pending = queue_->take(overflowed);
    if (overflowed) {
      if (hub_.overflow_closed) hub_.overflow_closed->inc();
      close(WebSocket::WS_POLICY_VIOLATION, "send queue overflow: the client reads too slowly");
      return false;
    }
    for (const auto& message : pending) {
      if (!send(message)) return false;
    }
    if (!pending.empty()) last_activity_ = std::chrono::steady_clock::now();
    if (socket_.poll(
            Poco::Timespan(
                std::chrono::duration_cast<std::chrono::microseconds>(kPollInterval).count()),
            Poco::Net::Socket::SELECT_READ)) {
      if (!receive()) return false;
      last_activity_ = std::chrono::steady_clock::now();
    }
    if (std::chrono::steady_clock::now() - last_activity_ > hub_.limits.idle_timeout) {
      if (hub_.idle_closed) hub_.idle_closed->inc();
      close(WebSocket::WS_NORMAL_CLOSE, "idle");
      return false;
    }
    return true;
  }

 private:
  bool receive() {
    char buffer[4096];
    int flags = 0;
    int n = 0;
    try {
      n = socket_.receiveFrame(buffer, sizeof buffer, flags);
    } catch (const Poco::Exception&) {
      return false;
    }
    const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
    if (opcode == WebSocket::FRAME_OP_CLOSE) return false;
    if (n == 0 && flags == 0) return false;  // the peer closed the connection
    if (opcode == WebSocket::FRAME_OP_PING) {
      socket_.sendFrame(
          buffer, n,
          static_cast<int>(WebSocket::FRAME_FLAG_FIN) | static_cast<int>(WebSocket::FRAME_OP_PONG));
      return true;
    }
    if (opcode != WebSocket::FRAME_OP_TEXT) return true;
    boost::system::error_code ec;
    Json message = json::parse(std::string_view(buffer, static_cast<std::size_t>(n)), ec);
    const json::array* ids = nullptr;
    if (!ec && message.is_object()) {
      if (auto* list = message.as_object().if_contains("subscribe")) ids = list->if_array();
    }
    if (!ids) {
      send(R"({"error":"bad_message","message":"send {\"subscribe\": [\"<request id>\", ...]}"})");
      return true;
    }
    for (const auto& id : *ids) {
      if (id.is_string()) subscribe(std::string(id.as_string()));
    }
    return true;
  }

  bool send(const std::string& text) {
    try {
      socket_.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
      return true;
    } catch (const Poco::Exception&) {
      // A client that stops reading blocks the send until its timeout: it is gone for us.
      if (hub_.overflow_closed) hub_.overflow_closed->inc();
      return false;
    }
  }

  void close(int code, const std::string& reason) {
    try {
      socket_.shutdown(static_cast<Poco::UInt16>(code), reason);
    } catch (const Poco::Exception&) {
    }
  }

  WebSocketHub& hub_;
  WebSocket& socket_;
  std::shared_ptr<SessionQueue> queue_;
  std::vector<std::string> subscribed_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
};

}  // namespace

void WebSocketHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
  if (hub_.connections.fetch_add(1) >= hub_.limits.max_connections) {
    hub_.connections.fetch_sub(1);
    if (hub_.refused) hub_.refused->inc();
    return refuse(request, response, 503, "overloaded", "too many WebSocket connections");
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n.fetch_sub(1); }
  } release{hub_.connections};

  std::unique_ptr<WebSocket> socket;
  try {
    socket = accept_websocket(request, response);
  } catch (const Poco::Net::WebSocketException&) {
    return refuse(request, response, 400, "bad_request", "this endpoint only speaks WebSocket");
  }
  socket->setSendTimeout(Poco::Timespan(1, 0));
  socket->setReceiveTimeout(Poco::Timespan(1, 0));
  Session session(hub_, *socket);
  Poco::URI uri(request.getURI());
  for (const auto& [name, value] : uri.getQueryParameters()) {
    if (name == "request_id") session.subscribe(value);
  }
  while (session.step()) {
  }
}

}  // namespace mosaic::delivery
