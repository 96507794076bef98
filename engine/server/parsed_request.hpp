#pragma once
// The request object of the public listener's connections: a head read by server/request_head
// (no stream set up to read it) and a body stream made only when a handler asks for it. Stands in
// for Poco's HTTPServerRequestImpl, whose constructor reads the head through an istream.
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/SocketAddress.h>

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>

namespace mosaic::server {

class ParsedRequest final : public Poco::Net::HTTPServerRequest {
 public:
  // Method, target, version and fields are set by parse_request_head() before a handler sees it.
  ParsedRequest(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPServerSession& session,
                const Poco::Net::HTTPServerParams& params);
  ~ParsedRequest() override;

  // The body: chunked, Content-Length bytes, or none (RFC 9112 6.3: a request with neither has
  // no body, whatever its method).
  std::istream& stream() override;
  const Poco::Net::SocketAddress& clientAddress() const override;
  const Poco::Net::SocketAddress& serverAddress() const override;
  const Poco::Net::HTTPServerParams& serverParams() const override { return params_; }
  Poco::Net::HTTPServerResponse& response() const override { return response_; }
  bool secure() const override;

  // The connection, for a handler that takes it over (a WebSocket upgrade).
  Poco::Net::HTTPServerSession& session() const { return session_; }

  // Reads and drops what the handler left of the body, at most `limit` bytes. True when the body
  // ends there, so that the next request on the connection starts where it should; false when
  // more is left (the connection must then close).
  bool finish_body(std::size_t limit);

 private:
  bool has_body() const;

  Poco::Net::HTTPServerResponse& response_;
  Poco::Net::HTTPServerSession& session_;
  const Poco::Net::HTTPServerParams& params_;
  std::unique_ptr<std::istream> body_;
  mutable std::optional<Poco::Net::SocketAddress> client_;  // asked for once, then kept
  mutable std::optional<Poco::Net::SocketAddress> server_;
};

}  // namespace mosaic::server
