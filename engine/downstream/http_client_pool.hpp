#pragma once
// The engine's HTTP/1.1 client for one downstream (mosaic::HttpClient): Poco sockets (plain or
// TLS) kept in a keep-alive pool, and the protocol written and parsed by downstream/http_wire. A
// call never outlives its deadline by much and stops for real when it is cancelled: the cancel
// callback shuts the socket down, and that socket is never reused.
//
// Failure mapping (statuses are not failures here):
//   deadline passed (waiting for a slot, connecting, sending or reading)  -> timeout
//   context cancelled                                   -> context.interruption()
//   connect refused / unreachable / connect timeout     -> connect_failed
//   reset or closed before a whole response, no answer  -> unavailable
//   not HTTP                                            -> bad_response
//   body above max_response                             -> too_large
//   forbidden characters in the method, target or a header -> bad_input
//   https: certificate refused (unknown CA, host name, expired)  -> tls_verify_failed
//   https: any other handshake failure (client cert refused...)  -> tls_handshake_failed
//
// https: one Poco::Net::Context per client (built here, from options.tls); the handshake is paid
// once per pooled connection, which then carries many calls.
#include <Poco/Net/Context.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "downstream/http_connection_pool.hpp"
#include "mosaic/http_client.hpp"

namespace mosaic::downstream {

class InFlightCall;

class PooledHttpClient final : public mosaic::HttpClient {
 public:
  // Throws mosaic::ConfigError (path "base_url", "max_connections"...) for invalid options;
  // missing or unreadable TLS files are errors too ("tls.ca_file"). Ignores SIGPIPE process-wide
  // once (Poco writes without MSG_NOSIGNAL on Linux, and a reset peer must be an error, not the end
  // of the process).
  explicit PooledHttpClient(const HttpClientOptions& options);
  ~PooledHttpClient() override;

  Outcome<HttpResponse> send(const HttpRequest& request, CallContext& context) override;

  std::size_t open_connections() const { return pool_.open_connections(); }
  HttpPoolStats stats() const { return pool_.stats(); }
  const HttpClientOptions& options() const { return options_; }

 private:
  Outcome<HttpResponse> run(const HttpRequest& request, CallContext& context, InFlightCall& call,
                            HttpConnectionPool::Lease& lease);
  Outcome<HttpResponse> exchange_once(const HttpRequest& request, CallContext& context,
                                      InFlightCall& call, HttpConnection& connection,
                                      HttpConnectionPool::Lease& lease, bool& retryable);
  std::optional<Failure> connect(CallContext& context, InFlightCall& call,
                                 HttpConnectionPool::Lease& lease);

  HttpClientOptions options_;
  std::string host_;
  std::uint16_t port_ = 80;
  std::string path_prefix_;      // from base_url, without a trailing '/'
  std::string host_header_;      // the Host header's value
  std::string where_;            // host:port, for failure messages
  Poco::Net::Context::Ptr tls_;  // https only
  std::string tls_peer_name_;
  HttpConnectionPool pool_;
};

}  // namespace mosaic::downstream
