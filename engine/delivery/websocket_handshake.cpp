#include "delivery/websocket_handshake.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Net/WebSocketImpl.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>

#include <sstream>

#include "server/parsed_request.hpp"

namespace mosaic::delivery {

using Poco::Net::WebSocket;
using Poco::Net::WebSocketException;

std::string websocket_accept_value(const std::string& key) {
  Poco::SHA1Engine sha1;
  sha1.update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");  // RFC 6455's GUID
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder base64(out);
  base64.write(reinterpret_cast<const char*>(digest.data()),
               static_cast<std::streamsize>(digest.size()));
  base64.close();
  return out.str();
}

std::unique_ptr<WebSocket> accept_websocket(Poco::Net::HTTPServerRequest& request,
                                            Poco::Net::HTTPServerResponse& response) {
  auto* parsed = dynamic_cast<server::ParsedRequest*>(&request);
  if (parsed == nullptr) return std::make_unique<WebSocket>(request, response);
  if (!request.hasToken("Connection", "upgrade") ||
      Poco::icompare(request.get("Upgrade", ""), "websocket") != 0) {
    throw WebSocketException("No WebSocket handshake", WebSocket::WS_ERR_NO_HANDSHAKE);
  }
  const std::string version = request.get("Sec-WebSocket-Version", "");
  if (version.empty()) {
    throw WebSocketException("Missing Sec-WebSocket-Version in handshake request",
                             WebSocket::WS_ERR_HANDSHAKE_NO_VERSION);
  }
  if (version != WebSocket::WEBSOCKET_VERSION) {
    throw WebSocketException("Unsupported WebSocket version requested", version,
                             WebSocket::WS_ERR_HANDSHAKE_UNSUPPORTED_VERSION);
  }
  const std::string key = Poco::trim(request.get("Sec-WebSocket-Key", ""));
  if (key.empty()) {
    throw WebSocketException("Missing Sec-WebSocket-Key in handshake request",
                             WebSocket::WS_ERR_HANDSHAKE_NO_KEY);
  }
  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", websocket_accept_value(key));
  response.setContentLength(0);
  response.send().flush();
  Poco::Net::HTTPServerSession& session = parsed->session();
  Poco::Net::StreamSocket socket = session.detachSocket();
  // The impl takes what the session has read past the head (a client must not send frames
  // before the answer, RFC 6455 4.1, but one that does loses nothing).
  auto* impl = new Poco::Net::WebSocketImpl(
      static_cast<Poco::Net::StreamSocketImpl*>(socket.impl()), session, false);
  return std::make_unique<WebSocket>(Poco::Net::StreamSocket(impl));
}

}  // namespace mosaic::delivery
