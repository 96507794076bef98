#include "downstream/http_client_pool.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>

#include "downstream/http_wire.hpp"
#include "downstream/in_flight_call.hpp"
#include "downstream/tls_client_context.hpp"
#include "mosaic/config_error.hpp"
#include "trace/trace_context.hpp"

namespace mosaic::downstream {
namespace {

enum class Phase { kConnect, kHandshake, kSend, kReceiveHead, kReceiveBody };

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::kConnect:
      return "connect";
    case Phase::kHandshake:
      return "tls handshake";
    case Phase::kSend:
      return "send";
    case Phase::kReceiveHead:
      return "receive head";
    case Phase::kReceiveBody:
      return "receive body";
  }
  return "?";
}

void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      ::sigaction(SIGPIPE, &ignore, nullptr);
    }
  });
}

// Control characters other than HTAB would let a value end the header line or the head.
bool is_header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

bool is_target(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '#';
  });
}

// Framing and routing belong to the client: a plugin that set them could smuggle a second
// request or reach another virtual host.
bool is_reserved_header(std::string_view name) {
  for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection",
                                    "upgrade", "te", "trailer", "keep-alive"}) {
    if (wire::iequals(name, reserved)) return true;
  }
  return false;
}

bool is_idempotent_method(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    if (method == m) return true;
  }
  return false;
}

bool sends_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

std::optional<std::string> check_request(const HttpRequest& request) {
  if (!wire::is_token(request.method)) return "invalid method '" + request.method + "'";
  if (!is_target(request.target)) {
    return "invalid target: it must start with '/' and contain no space, control character or '#'";
  }
  for (const auto& [name, value] : request.headers) {
    if (!wire::is_token(name)) return "invalid header name '" + name + "'";
    if (!is_header_value(value))
      return "header '" + name + "' has a control character in its value";
    if (is_reserved_header(name)) return "header '" + name + "' is set by the HTTP client";
  }
  return std::nullopt;
}

HttpPoolLimits checked_limits(const HttpClientOptions& options) {
  if (options.max_connections < 1 || options.max_connections > 100000) {
    throw ConfigError("max_connections", "must be between 1 and 100000");
  }
  if (options.connect_timeout.count() <= 0)
    throw ConfigError("connect_timeout", "must be above 0ms");
  if (options.idle_timeout.count() < 0) throw ConfigError("idle_timeout", "must not be negative");
  if (options.max_response < 1) throw ConfigError("max_response", "must be at least 1 byte");
  if (!options.deadline_header.empty() && !wire::is_token(options.deadline_header)) {
    throw ConfigError("deadline_header", "is not a valid header name");
  }
  return {options.max_connections, std::min(options.max_idle, options.max_connections),
          options.idle_timeout};
}

// W3C trace context: this call is a child span of the request's span. Found by a cross-cast
// (trace::TracedCall), so no plugin ABI change; a plugin that set traceparent itself keeps it.
void add_trace_headers(const CallContext& context, const HttpRequest& request, std::string& out) {
  const auto* traced = dynamic_cast<const trace::TracedCall*>(&context);
  const trace::TraceContext* trace = traced ? traced->trace() : nullptr;
  if (!trace || trace->trace_id.empty()) return;
  for (const auto& header : request.headers) {
    if (wire::iequals(header.first, "traceparent")) return;
  }
  wire::append_header(out, "traceparent", trace->child_traceparent());
  if (!trace->tracestate.empty()) wire::append_header(out, "tracestate", trace->tracestate);
}

// A body up to this size goes out in the same send as the head.
constexpr std::size_t kInlineBody = 64 * 1024;

}  // namespace

PooledHttpClient::PooledHttpClient(const HttpClientOptions& options)
    : options_(options), pool_(checked_limits(options)) {
  Poco::URI uri;
  try {
    uri = Poco::URI(options.base_url);
  } catch (const Poco::Exception& e) {
    throw ConfigError("base_url", "is not a valid URL: " + e.message());
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https") {
    throw ConfigError("base_url",
                      "expected an http:// or https:// URL such as http://127.0.0.1:8080");
  }
  if (uri.getHost().empty()) throw ConfigError("base_url", "has no host");
  if (!uri.getUserInfo().empty()) {
    throw ConfigError("base_url", "must not carry credentials; send them in a header");
  }
  if (!uri.getRawQuery().empty() || !uri.getFragment().empty()) {
    throw ConfigError("base_url", "must not have a query or a fragment");
  }
  host_ = uri.getHost();
  port_ = uri.getPort();
  path_prefix_ = uri.getPathEtc();
  // As Host carries it: an IPv6 literal in brackets, the port unless the scheme's default.
  host_header_ = host_.find(':') == std::string::npos ? host_ : "[" + host_ + "]";
  if (port_ != (uri.getScheme() == "https" ? 443 : 80)) host_header_ += ":" + std::to_string(port_);
  where_ = host_ + ":" + std::to_string(port_);
  while (!path_prefix_.empty() && path_prefix_.back() == '/') path_prefix_.pop_back();
  if (uri.getScheme() == "https") {
    tls_ = make_client_context(options.tls, host_);
    tls_peer_name_ = tls_peer_name(options.tls, host_);
  }
  ignore_sigpipe_once();
}

PooledHttpClient::~PooledHttpClient() = default;

Outcome<HttpResponse> PooledHttpClient::send(const HttpRequest& request, CallContext& context) {
  if (auto problem = check_request(request)) return Failure::Of(FailureKind::kBadInput, *problem);
  if (context.cancelled()) return context.interruption();

  InFlightCall call;
  HttpConnectionPool::Lease lease;
  std::optional<Outcome<HttpResponse>> outcome;
  {
    CancelRegistration registration = context.on_cancel([this, &call] {
      call.cancel();
      pool_.wake_waiters();
    });
    try {
      outcome.emplace(run(request, context, call, lease));
    } catch (const std::exception& e) {
      outcome.emplace(Failure::Of(FailureKind::kError, std::string("http client: ") + e.what()));
    }
    // Unregistering waits for a callback running on another thread: after this block nobody
    // else touches the socket, and the connection can be closed or handed back.
  }
  call.detach();
  lease.release();
  return std::move(*outcome);
}

Outcome<HttpResponse> PooledHttpClient::run(const HttpRequest& request, CallContext& context,
                                            InFlightCall& call, HttpConnectionPool::Lease& lease) {
  // Only the call's own flag is checked under the pool's lock (see HttpConnectionPool::acquire);
  // the cancel callback sets it and wakes the waiters.
  switch (pool_.acquire(lease, context.deadline(), [&call] { return call.cancelled(); })) {
    case HttpConnectionPool::AcquireResult::kInterrupted:
      return context.interruption();
    case HttpConnectionPool::AcquireResult::kDeadline:
      return Failure::Timeout("no free connection to " + host_ + " before the deadline");
    case HttpConnectionPool::AcquireResult::kAcquired:
      break;
  }
  for (int attempt = 0;; ++attempt) {
    if (!lease.connection()) {
      if (auto failure = connect(context, call, lease)) return std::move(*failure);
    }
    bool retryable = false;
    auto outcome = exchange_once(request, context, call, *lease.connection(), lease, retryable);
    if (outcome.ok() || !retryable || attempt > 0) return outcome;
    // The server closed an idle keep-alive connection just as it was reused: the request
    // never reached it, so one retry on a new connection is safe for an idempotent method.
    call.detach();
    lease.discard_connection();
  }
}

namespace {

Failure failure_for(Phase phase, const std::exception& error, CallContext& context,
                    const InFlightCall& call, const std::string& where, bool fresh_tls = false) {
  if (call.cancelled() || context.cancelled()) return context.interruption();
  const auto* poco = dynamic_cast<const Poco::Exception*>(&error);
  std::string detail =
      where + ": " + to_string(phase) + ": " + (poco ? poco->displayText() : error.what());
  if (Clock::now() >= context.deadline()) return Failure::Timeout(std::move(detail));
  // With TLS 1.3 a server that refuses the client's certificate says so after the client's side
  // of the handshake is done: at the first read of a new connection.
  if ((phase == Phase::kHandshake || fresh_tls) && is_tls_error(error))
    return tls_failure(error, detail);
  // The same refusal can also surface as a plain socket error (the alert raced the request: the
  // write hits a connection the server already closed). A new TLS connection that fails before
  // any answer has not been accepted by the server.
  if (fresh_tls && phase != Phase::kReceiveBody &&
      !dynamic_cast<const Poco::TimeoutException*>(&error) &&
      dynamic_cast<const Poco::IOException*>(&error)) {
    return Failure::Of(FailureKind::kTlsHandshakeFailed,
                       detail + " (the server closed a new TLS connection before answering)");
  }
  if (phase == Phase::kHandshake && dynamic_cast<const Poco::TimeoutException*>(&error)) {
    return Failure::Timeout(std::move(detail));
  }
  if (phase == Phase::kHandshake)
    return Failure::Of(FailureKind::kTlsHandshakeFailed, std::move(detail));
  if (phase == Phase::kConnect) return Failure::Of(FailureKind::kConnectFailed, std::move(detail));
  if (dynamic_cast<const Poco::TimeoutException*>(&error))
    return Failure::Timeout(std::move(detail));
  return Failure::Of(FailureKind::kUnavailable, std::move(detail));
}

}  // namespace

std::optional<Failure> PooledHttpClient::connect(CallContext& context, InFlightCall& call,
                                                 HttpConnectionPool::Lease& lease) {
  Phase phase = Phase::kConnect;
  try {
    Poco::Net::SocketAddress address(host_, port_);
    lease.set_connection(pool_.new_connection(address.family()));
    Poco::Net::StreamSocket& socket = lease.connection()->socket();
    if (!call.attach(socket.impl()->sockfd())) return context.interruption();
    auto deadline = context.deadline();
    if (Clock::now() >= deadline)
      return Failure::Timeout(where_ + ": deadline passed before connecting");
    auto timeout = std::min(socket_timeout_until(deadline),
                            Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(
                                               options_.connect_timeout)
                                               .count()));
    socket.connect(address, timeout);
    socket.setNoDelay(true);
    if (tls_) {
      phase = Phase::kHandshake;
      if (call.cancelled()) return context.interruption();
      // The handshake is bounded by the deadline; a cancel shuts the same descriptor down.
      socket.setSendTimeout(socket_timeout_until(deadline));
      socket.setReceiveTimeout(socket_timeout_until(deadline));
      TlsVerifyScope verify;
      try {
        socket = Poco::Net::SecureStreamSocket::attach(socket, tls_peer_name_, tls_);
        lease.connection()->mark_secure();
      } catch (const std::exception& e) {
        return failure_for(phase, e, context, call, where_);  // while `verify` holds the reason
      }
    }
    return std::nullopt;
  } catch (const std::exception& e) {
    return failure_for(phase, e, context, call, where_);
  }
}

Outcome<HttpResponse> PooledHttpClient::exchange_once(const HttpRequest& request,
                                                      CallContext& context, InFlightCall& call,
                                                      HttpConnection& connection,
                                                      HttpConnectionPool::Lease& lease,
                                                      bool& retryable) {
  retryable = false;
  if (!call.attach(connection.socket().impl()->sockfd())) return context.interruption();
  const auto deadline = context.deadline();
  Phase phase = Phase::kSend;
  std::size_t received = 0;  // bytes of the answer so far, heads included
  try {
    if (Clock::now() >= deadline)
      return Failure::Timeout(where_ + ": deadline passed before sending");
    // The head, with a small body after it: one send.
    const bool body_inline = request.body.size() <= kInlineBody;
    std::string out;
    out.reserve(256 + request.target.size() + (body_inline ? request.body.size() : 0));
    wire::append_request_line(out, request.method, path_prefix_, request.target);
    wire::append_header(out, "Host", host_header_);
    for (const auto& [name, value] : request.headers) wire::append_header(out, name, value);
    if (!context.request_id().empty()) {
      wire::append_header(out, "X-Request-Id", context.request_id());
    }
    add_trace_headers(context, request, out);
    if (!options_.deadline_header.empty()) {
      wire::append_header(out, options_.deadline_header,
                          std::to_string(context.time_left().count()));
    }
    if (!request.body.empty() || sends_body(request.method)) {
      wire::append_header(out, "Content-Length", std::to_string(request.body.size()));
    }
    out += "\r\n";
    if (body_inline) out += request.body;
    if (call.cancelled()) return context.interruption();
    connection.send_all(out, deadline);
    if (!body_inline) connection.send_all(request.body, deadline);

    // Each receive is bounded by the deadline, so a server that trickles bytes cannot hold the
    // call past it. 0: the peer closed, or the canceller shut the socket down.
    auto receive = [&](char* data, std::size_t size) -> std::size_t {
      if (call.cancelled()) return 0;
      const std::size_t n = connection.receive(data, size, deadline);
      received += n;
      return n;
    };
    auto closed = [&](const std::string& what) -> Outcome<HttpResponse> {
      if (call.cancelled()) return context.interruption();
      return Failure::Of(FailureKind::kUnavailable, where_ + ": connection closed " + what);
    };

    phase = Phase::kReceiveHead;
    std::array<char, 16384> buffer;
    std::string pending;  // received and not yet consumed: a head, then the start of the body
    wire::ResponseHead head;
    for (std::size_t scanned = 0;;) {
      if (auto end = wire::find_head_end(pending, scanned)) {
        if (auto problem =
                wire::parse_response_head(std::string_view(pending).substr(0, *end), head))
          return Failure::Of(FailureKind::kBadResponse, where_ + ": " + *problem);
        pending.erase(0, *end);
        scanned = 0;
        if (head.status == 101)
          return Failure::Of(FailureKind::kBadResponse,
                             where_ + ": 101 to a request not upgrading");
        if (head.status >= 200) break;
        continue;  // 100 Continue, 103 Early Hints: the answer follows
      }
      if (pending.size() > wire::kMaxHeadBytes) {
        return Failure::Of(
            FailureKind::kBadResponse,
            where_ + ": a response head above " + std::to_string(wire::kMaxHeadBytes) + " bytes");
      }
      const std::size_t n = receive(buffer.data(), buffer.size());
      if (n == 0) {
        if (call.cancelled()) return context.interruption();
        if (received > 0) return closed("inside the response head");
        // A reused connection the server had closed: the request never reached it.
        retryable =
            connection.reused() && is_idempotent_method(request.method) && Clock::now() < deadline;
        if (tls_ && !connection.reused()) {
          // A refused client certificate (TLS 1.3) can look like this: see failure_for.
          return Failure::Of(FailureKind::kTlsHandshakeFailed,
                             where_ + ": the server closed a new TLS connection before answering");
        }
        return closed("before any answer");
      }
      pending.append(buffer.data(), n);
    }

    phase = Phase::kReceiveBody;
    const bool body_expected = request.method != "HEAD" && head.status != 204 && head.status != 304;
    auto too_large = [&](const std::string& what) -> Outcome<HttpResponse> {
      return Failure::Of(FailureKind::kTooLarge, where_ + ": " + what + " above max_response " +
                                                     std::to_string(options_.max_response));
    };
    HttpResponse response;
    std::size_t extra = 0;  // bytes after the end of the response: the connection is not reused
    if (!body_expected) {
      extra = pending.size();
    } else if (head.content_length) {
      const std::uint64_t length = *head.content_length;
      if (length > options_.max_response)
        return too_large("Content-Length " + std::to_string(length));
      const std::size_t first = std::min<std::size_t>(pending.size(), length);
      extra = pending.size() - first;
      response.body.resize(length);
      std::memcpy(response.body.data(), pending.data(), first);
      for (std::size_t filled = first; filled < length;) {
        const std::size_t n = receive(response.body.data() + filled, length - filled);
        if (n == 0) {
          return closed("after " + std::to_string(filled) + " of " + std::to_string(length) +
                        " bytes");
        }
        filled += n;
      }
    } else if (head.chunked) {
      wire::ChunkedDecoder decoder;
      std::string_view input = pending;
      for (;;) {
        std::size_t used = 0;
        const auto result = decoder.feed(input, used, response.body);
        if (response.body.size() > options_.max_response) return too_large("chunked body");
        if (result == wire::ChunkedDecoder::Result::kError)
          return Failure::Of(FailureKind::kBadResponse, where_ + ": " + decoder.error());
        if (result == wire::ChunkedDecoder::Result::kDone) {
          extra = input.size() - used;
          break;
        }
        const std::size_t n = receive(buffer.data(), buffer.size());
        if (n == 0) return closed("inside a chunked body");
        input = std::string_view(buffer.data(), n);
      }
    } else {
      // No length: the body ends when the server closes the connection.
      response.body = std::move(pending);
      for (;;) {
        if (response.body.size() > options_.max_response) return too_large("body");
        const std::size_t n = receive(buffer.data(), buffer.size());
        if (n == 0) break;
        response.body.append(buffer.data(), n);
      }
      if (call.cancelled()) return context.interruption();
      head.keep_alive = false;
    }

    response.status = head.status;
    response.content_type = std::move(head.content_type);
    response.headers = std::move(head.headers);
    if (head.keep_alive && extra == 0) lease.keep();
    return response;
  } catch (const std::exception& error) {
    const bool closed_by_peer =
        received == 0 && phase != Phase::kReceiveBody &&
        (dynamic_cast<const Poco::Net::ConnectionResetException*>(&error) ||
         dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&error) ||
         (phase == Phase::kSend && dynamic_cast<const Poco::IOException*>(&error) &&
          !dynamic_cast<const Poco::TimeoutException*>(&error)));
    retryable = connection.reused() && closed_by_peer && is_idempotent_method(request.method) &&
                !call.cancelled() && Clock::now() < deadline;
    return failure_for(phase, error, context, call, where_, tls_ && !connection.reused());
  }
}

}  // namespace mosaic::downstream
