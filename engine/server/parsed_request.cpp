#include "server/parsed_request.hpp"

#include <Poco/Net/HTTPChunkedStream.h>
#include <Poco/Net/HTTPFixedLengthStream.h>

namespace mosaic::server {

ParsedRequest::ParsedRequest(Poco::Net::HTTPServerResponse& response,
                             Poco::Net::HTTPServerSession& session,
                             const Poco::Net::HTTPServerParams& params)
    : response_(response), session_(session), params_(params) {}

ParsedRequest::~ParsedRequest() = default;

bool ParsedRequest::has_body() const {
  return getChunkedTransferEncoding() || (hasContentLength() && getContentLength64() > 0);
}

std::istream& ParsedRequest::stream() {
  if (!body_) {
    if (getChunkedTransferEncoding()) {
      body_ = std::make_unique<Poco::Net::HTTPChunkedInputStream>(session_);
    } else {
      // parse_request_head() let only a decimal Content-Length through.
      body_ = std::make_unique<Poco::Net::HTTPFixedLengthInputStream>(
          session_, hasContentLength() ? getContentLength64() : 0);
    }
  }
  return *body_;
}

const Poco::Net::SocketAddress& ParsedRequest::clientAddress() const {
  if (!client_) client_ = session_.clientAddress();
  return *client_;
}

const Poco::Net::SocketAddress& ParsedRequest::serverAddress() const {
  if (!server_) server_ = session_.serverAddress();
  return *server_;
}

bool ParsedRequest::secure() const {
  return session_.socket().secure();
}

bool ParsedRequest::finish_body(std::size_t limit) {
  if (!body_ && !has_body()) return true;
  std::istream& in = stream();
  char buffer[8192];
  std::size_t dropped = 0;
  while (in && dropped <= limit) {
    in.read(buffer, sizeof buffer);
    dropped += static_cast<std::size_t>(in.gcount());
  }
  return in.eof() && !in.bad() && dropped <= limit;
}

}  // namespace mosaic::server
