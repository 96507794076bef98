#include "server/guarded_connection.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>

#include <memory>
#include <string>

#include "metrics/registry.hpp"
#include "response/error_body.hpp"
#include "server/http_date.hpp"
#include "server/keep_alive_session.hpp"
#include "server/one_write_response.hpp"
#include "server/parsed_request.hpp"
#include "server/request_head.hpp"
#include "server/request_id.hpp"
#include "support/thread_name.hpp"

namespace mosaic::server {

using Poco::Net::HTTPResponse;

HeaderWatchdog::HeaderWatchdog() : thread_([this] { loop(); }) {}

HeaderWatchdog::~HeaderWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t HeaderWatchdog::enroll(const Poco::Net::StreamSocket& socket,
                                     Clock::time_point deadline) {
  std::uint64_t id = 0;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_.emplace(id, Entry{socket, deadline, true});
    wake = deadline < next_wake_;
  }
  if (wake) wake_.notify_all();
  return id;
}

void HeaderWatchdog::arm(std::uint64_t id, Clock::time_point deadline) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.deadline = deadline;
    it->second.armed = true;
    wake = deadline < next_wake_;
  }
  // Usually the loop already wakes earlier (for another connection, or this one's previous
  // deadline) and will see this deadline then: waking it on every request would cost each
  // request a context switch.
  if (wake) wake_.notify_all();
}

void HeaderWatchdog::disarm(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.armed = false;
}

void HeaderWatchdog::leave(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

void HeaderWatchdog::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    auto next = Clock::time_point::max();
    const auto now = Clock::now();
    for (auto& [id, entry] : entries_) {
      if (!entry.armed) continue;
      if (entry.deadline <= now) {
        // Shutting the socket down (not closing it: the fd stays owned by the connection) makes
        // the connection thread's blocked receive return, and its loop ends.
        entry.armed = false;
        try {
          entry.socket.shutdown();
        } catch (...) {  // already gone: nothing to free
        }
        closed_.fetch_add(1);
        continue;
      }
      next = std::min(next, entry.deadline);
    }
    next_wake_ = next;
    if (next == Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, next);
    }
    next_wake_ = Clock::time_point::min();  // scanning: an arm now is seen by this scan
  }
}

namespace {

// What is dropped of a body no handler read before the connection is given up instead.
constexpr std::size_t kUnreadBodyLimit = 64 * 1024;

// The answer to a refused head: a JSON error naming what was wrong, counted by status.
void send_refusal(Poco::Net::HTTPServerSession& session, const HeadRefusal& refused) {
  const int status = refused.status;
  const char* code = status == 414   ? "uri_too_long"
                     : status == 431 ? "headers_too_large"
                     : status == 501 ? "not_implemented"
                     : status == 505 ? "http_version_not_supported"
                                     : "bad_request";
  metrics::Registry::global()
      .counter("mosaic_request_heads_refused_total",
               "Requests refused before any handler: a malformed or oversized head, by status",
               {{"status", std::to_string(status)}})
      .inc();
  const response::ErrorBody error{status, code, refused.reason, {}, {}};
  const std::string request_id = generate_request_id();
  const std::string body = response::serialize_error(error, request_id);
  // Ours, not Poco's: Poco's sendBuffer() writes the body only for a response attached to one of
  // its own request objects, so its refusals went out with a Content-Length and no body.
  OneWriteResponse response(session);
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.set("Date", http_date_now());
  response.setContentType("application/json");
  response.set("X-Request-Id", request_id);
  response.setKeepAlive(false);
  response.sendBuffer(body.data(), body.size());
  session.setKeepAlive(false);
}

void send_plain_error(Poco::Net::HTTPServerSession& session, HTTPResponse::HTTPStatus status) {
  Poco::Net::HTTPServerResponseImpl response(session);
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  response.setStatusAndReason(status);
  response.setKeepAlive(false);
  response.setContentLength(0);
  response.send();
  session.setKeepAlive(false);
}

}  // namespace

void ConnectionRegistry::add(GuardedConnection* connection) {
  std::lock_guard lock(mutex_);
  connections_.insert(connection);
  if (stopped_) connection->on_server_stopped(true);  // accepted just before the stop
}

void ConnectionRegistry::remove(GuardedConnection* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
}

void ConnectionRegistry::stop_all(bool abort_current) {
  // Held throughout: a connection cannot be destroyed while it is being stopped.
  std::lock_guard lock(mutex_);
  stopped_ = true;
  for (GuardedConnection* connection : connections_) connection->on_server_stopped(abort_current);
}

GuardedConnection::GuardedConnection(const Poco::Net::StreamSocket& socket,
                                     Poco::Net::HTTPServerParams::Ptr params,
                                     Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                                     HeaderWatchdog& watchdog, ConnectionRegistry& registry,
                                     GuardSettings settings)
    : TCPServerConnection(socket),
      registry_(registry),
      params_(std::move(params)),
      factory_(std::move(factory)),
      watchdog_(watchdog),
      settings_(settings) {
  registry_.add(this);
}

GuardedConnection::~GuardedConnection() {
  registry_.remove(this);
}

void GuardedConnection::run() {
  // A server thread keeps the name between connections: named once, not once per connection.
  thread_local const bool named = (support::name_this_thread("connection"), true);
  (void)named;
  const std::string server_name = params_->getSoftwareVersion();
  KeepAliveSession session(socket(), params_);
  struct Enrolment {
    HeaderWatchdog& watchdog;
    std::uint64_t id;
    ~Enrolment() { watchdog.leave(id); }
  } enrolment{watchdog_,
              watchdog_.enroll(socket(), HeaderWatchdog::Clock::now() + settings_.header_timeout)};

  const Poco::Timespan keep_alive_timeout = params_->getKeepAliveTimeout();
  std::string head;  // the request's head as read, reused by every request of the connection
  head.reserve(1024);
  while (!stopped_ && session.next_request(keep_alive_timeout)) {
    try {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
      const HeadRead read = session.read_head(head);
      if (read == HeadRead::kNoRequest || read == HeadRead::kCutShort) break;  // the client left
      OneWriteResponse response(session);
      ParsedRequest request(response, session, *params_);
      if (read == HeadRead::kTooLarge) {
        const bool in_request_line = head.find('\n') == std::string::npos;
        throw HeadRefusal{in_request_line ? 414 : 431, "the request head is over 64 KiB"};
      }
      if (auto refused = parse_request_head(head, request))
        throw std::move(*refused);  // answered below, like any refused head
      response.set_head_request(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
      watchdog_.disarm(enrolment.id);

      response.set("Date", http_date_now());  // formatted once a second
      response.setVersion(request.getVersion());
      response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() &&
                            session.canKeepAlive());
      if (!server_name.empty()) response.set("Server", server_name);
      try {
        std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
            factory_->createRequestHandler(request));
        if (handler) {
          if (request.getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK)
            response.sendContinue();
          handler->handleRequest(request, response);
          session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() &&
                               session.canKeepAlive());
          // A body the handler did not read (a 404 before the body, say) would be read as the
          // next request: dropped here when small, else the connection closes.
          if (session.getKeepAlive() && !request.finish_body(kUnreadBodyLimit))
            session.setKeepAlive(false);
        } else {
          send_plain_error(session, HTTPResponse::HTTP_NOT_IMPLEMENTED);
        }
      } catch (Poco::Exception&) {
        if (!response.sent()) {
          try {
            send_plain_error(session, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
          } catch (...) {
          }
        }
        throw;
      }
      // The next request must start within keep_alive_timeout and its headers end within
      // header_timeout after that.
      watchdog_.arm(enrolment.id, HeaderWatchdog::Clock::now() + settings_.keep_alive_timeout +
                                      settings_.header_timeout);
    } catch (const HeadRefusal& refused) {
      try {
        send_refusal(session, refused);
        // Closing with unread request bytes would send a reset that can destroy the answer in
        // the client's buffer: stop sending, read what is left for a moment, then close.
        socket().shutdownSend();
        socket().setReceiveTimeout(Poco::Timespan(0, 100000));
        char rest[4096];
        for (int i = 0; i < 64 && socket().receiveBytes(rest, sizeof rest) > 0; ++i) {
        }
      } catch (...) {  // the client is gone or the watchdog closed it
      }
      break;
    } catch (Poco::Exception&) {
      break;  // network errors (reset, timeout, socket shut down by the watchdog or a stop)
    }
  }
}

void GuardedConnection::on_server_stopped(bool abort_current) {
  stopped_ = true;
  // Graceful: a connection between requests closes now; one in a request sees stopped_ after
  // answering it and closes then (not waiting here keeps drain()'s bound a bound).
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!abort_current && !lock.try_lock()) return;
  try {
    socket().shutdown();
  } catch (...) {
  }
}

}  // namespace mosaic::server
