#include "downstream/http_client_pool.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <istream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string_view>

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

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
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

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// Framing and routing belong to the client: a plugin that set them could smuggle a second
// request or reach another virtual host.
bool is_reserved_header(std::string_view name) {
  for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection",
                                    "upgrade", "te", "trailer", "keep-alive"}) {
    if (iequals(name, reserved)) return true;
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
  if (!is_token(request.method)) return "invalid method '" + request.method + "'";
  if (!is_target(request.target)) {
    return "invalid target: it must start with '/' and contain no space, control character or '#'";
  }
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) return "invalid header name '" + name + "'";
    if (!is_header_value(value))
      return "header '" + name + "' has a control character in its value";
    if (is_reserved_header(name)) return "header '" + name + "' is set by the HTTP client";
  }
  return std::nullopt;
}

// The time left before `deadline`, rounded up, and never zero (zero means "no timeout" to Poco):
// a socket timeout then fires at or after the deadline, never just before it.
Poco::Timespan timespan_until(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::microseconds>(deadline - Clock::now()).count();
  return Poco::Timespan(std::max<Poco::Timespan::TimeDiff>(left, 1000));
}

HttpPoolLimits checked_limits(const HttpClientOptions& options) {
  if (options.max_connections < 1 || options.max_connections > 100000) {
    throw ConfigError("max_connections", "must be between 1 and 100000");
  }
  if (options.connect_timeout.count() <= 0)
    throw ConfigError("connect_timeout", "must be above 0ms");
  if (options.idle_timeout.count() < 0) throw ConfigError("idle_timeout", "must not be negative");
  if (options.max_response < 1) throw ConfigError("max_response", "must be at least 1 byte");
  if (!options.deadline_header.empty() && !is_token(options.deadline_header)) {
    throw ConfigError("deadline_header", "is not a valid header name");
  }
  return {options.max_connections, std::min(options.max_idle, options.max_connections),
          options.idle_timeout};
}

// W3C trace context: this call is a child span of the request's span. Found by a cross-cast
// (trace::TracedCall), so no plugin ABI change; a plugin that set traceparent itself keeps it.
void add_trace_headers(const CallContext& context, const HttpRequest& request,
                       Poco::Net::HTTPRequest& out) {
  const auto* traced = dynamic_cast<const trace::TracedCall*>(&context);
  const trace::TraceContext* trace = traced ? traced->trace() : nullptr;
  if (!trace || trace->trace_id.empty()) return;
  for (const auto& header : request.headers) {
    if (iequals(header.first, "traceparent")) return;
  }
  out.set("traceparent", trace->child_traceparent());
  if (!trace->tracestate.empty()) out.set("tracestate", trace->tracestate);
}

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
  // Not HTTP: a malformed status line, header or chunk size.
  if (dynamic_cast<const Poco::Net::MessageException*>(&error) ||
      dynamic_cast<const Poco::DataException*>(&error)) {
    return Failure::Of(FailureKind::kBadResponse, std::move(detail));
  }
  return Failure::Of(FailureKind::kUnavailable, std::move(detail));
}

// What an istream/ostream reports when Poco's stream buffer failed: the session kept the
// original exception.
const std::exception& original_error(const std::exception& error,
                                     Poco::Net::HTTPClientSession& session) {
  if (dynamic_cast<const Poco::Exception*>(&error)) return error;
  if (const Poco::Exception* network = session.networkException()) return *network;
  return error;
}

}  // namespace

std::optional<Failure> PooledHttpClient::connect(CallContext& context, InFlightCall& call,
                                                 HttpConnectionPool::Lease& lease) {
  std::string where = host_ + ":" + std::to_string(port_);
  Phase phase = Phase::kConnect;
  try {
    Poco::Net::SocketAddress address(host_, port_);
    lease.set_connection(pool_.new_connection(address.family()));
    Poco::Net::StreamSocket& socket = lease.connection()->socket();
    if (!call.attach(socket.impl()->sockfd())) return context.interruption();
    auto deadline = context.deadline();
    if (Clock::now() >= deadline)
      return Failure::Timeout(where + ": deadline passed before connecting");
    auto timeout = std::min(timespan_until(deadline),
                            Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(
                                               options_.connect_timeout)
                                               .count()));
    socket.connect(address, timeout);
    socket.setNoDelay(true);
    if (tls_) {
      phase = Phase::kHandshake;
      if (call.cancelled()) return context.interruption();
      // The handshake is bounded by the deadline; a cancel shuts the same descriptor down.
      socket.setSendTimeout(timespan_until(deadline));
      socket.setReceiveTimeout(timespan_until(deadline));
      TlsVerifyScope verify;
      try {
        socket = Poco::Net::SecureStreamSocket::attach(socket, tls_peer_name_, tls_);
      } catch (const std::exception& e) {
        return failure_for(phase, e, context, call, where);  // while `verify` holds the reason
      }
    }
    lease.connection()->start_session();
    return std::nullopt;
  } catch (const std::exception& e) {
    return failure_for(phase, e, context, call, where);
  }
}

Outcome<HttpResponse> PooledHttpClient::exchange_once(const HttpRequest& request,
                                                      CallContext& context, InFlightCall& call,
                                                      HttpConnection& connection,
                                                      HttpConnectionPool::Lease& lease,
                                                      bool& retryable) {
  retryable = false;
  std::string where = host_ + ":" + std::to_string(port_);
  Poco::Net::StreamSocket& socket = connection.socket();
  Poco::Net::HTTPClientSession& session = connection.session();
  if (!call.attach(socket.impl()->sockfd())) return context.interruption();
  const auto deadline = context.deadline();
  Phase phase = Phase::kSend;
  try {
    if (Clock::now() >= deadline)
      return Failure::Timeout(where + ": deadline passed before sending");
    socket.setSendTimeout(timespan_until(deadline));
    socket.setReceiveTimeout(timespan_until(deadline));

    Poco::Net::HTTPRequest out_head(request.method, path_prefix_ + request.target,
                                    Poco::Net::HTTPMessage::HTTP_1_1);
    out_head.setHost(host_, port_);
    out_head.setKeepAlive(true);
    for (const auto& [name, value] : request.headers) out_head.add(name, value);
    if (!context.request_id().empty())
      out_head.set("X-Request-Id", std::string(context.request_id()));
    add_trace_headers(context, request, out_head);
    if (!options_.deadline_header.empty()) {
      out_head.set(options_.deadline_header, std::to_string(context.time_left().count()));
    }
    if (!request.body.empty() || sends_body(request.method)) {
      out_head.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
    }

    // Poco reconnects a closed session by itself: never start a blocking step once cancelled.
    if (call.cancelled()) return context.interruption();
    std::ostream& out = session.sendRequest(out_head);
    out.exceptions(std::ios::badbit);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    out.flush();

    phase = Phase::kReceiveHead;
    if (call.cancelled()) return context.interruption();
    Poco::Net::HTTPResponse in_head;
    std::istream& in = session.receiveResponse(in_head);
    in.exceptions(std::ios::badbit);

    phase = Phase::kReceiveBody;
    const int status = static_cast<int>(in_head.getStatus());
    const bool body_expected =
        request.method != "HEAD" && status >= 200 && status != 204 && status != 304;
    if (body_expected && in_head.hasContentLength() &&
        static_cast<std::uint64_t>(in_head.getContentLength64()) > options_.max_response) {
      return Failure::Of(FailureKind::kTooLarge, where + ": Content-Length " +
                                                     std::to_string(in_head.getContentLength64()) +
                                                     " above max_response " +
                                                     std::to_string(options_.max_response));
    }

    HttpResponse response;
    std::array<char, 16384> buffer;
    for (;;) {
      if (call.cancelled()) return context.interruption();
      if (Clock::now() >= deadline)
        return Failure::Timeout(where + ": deadline passed while reading the body");
      // One receive per round (peek fills the buffer at most once), each bounded by the time
      // left, so a server that trickles bytes cannot hold the call past its deadline.
      socket.setReceiveTimeout(timespan_until(deadline));
      if (in.peek() == std::char_traits<char>::eof()) break;
      std::streamsize n = in.readsome(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      if (response.body.size() + static_cast<std::size_t>(n) > options_.max_response) {
        return Failure::Of(FailureKind::kTooLarge, where + ": body above max_response " +
                                                       std::to_string(options_.max_response));
      }
      response.body.append(buffer.data(), static_cast<std::size_t>(n));
    }
    // A socket shut down by the canceller reads as a clean end of stream.
    if (call.cancelled()) return context.interruption();
    if (body_expected && in_head.hasContentLength() &&
        response.body.size() < static_cast<std::uint64_t>(in_head.getContentLength64())) {
      return Failure::Of(FailureKind::kUnavailable,
                         where + ": connection closed after " +
                             std::to_string(response.body.size()) + " of " +
                             std::to_string(in_head.getContentLength64()) + " bytes");
    }

    response.status = status;
    response.content_type = in_head.getContentType();
    for (const auto& [name, value] : in_head) response.headers.emplace_back(name, value);
    // Reusable only when the end of this response is known without the connection closing.
    const bool delimited =
        !body_expected || in_head.hasContentLength() || in_head.getChunkedTransferEncoding();
    if (in_head.getKeepAlive() && delimited) lease.keep();
    return response;
  } catch (const std::exception& raw) {
    const std::exception& error = original_error(raw, session);
    const bool closed_by_peer =
        dynamic_cast<const Poco::Net::NoMessageException*>(&error) ||
        dynamic_cast<const Poco::Net::ConnectionResetException*>(&error) ||
        dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&error) ||
        (phase == Phase::kSend && dynamic_cast<const Poco::IOException*>(&error) &&
         !dynamic_cast<const Poco::TimeoutException*>(&error));
    retryable = connection.reused() && phase != Phase::kReceiveBody && closed_by_peer &&
                is_idempotent_method(request.method) && !call.cancelled() &&
                Clock::now() < deadline;
    return failure_for(phase, error, context, call, where, tls_ && !connection.reused());
  }
}

}  // namespace mosaic::downstream
