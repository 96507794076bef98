#pragma once
// The server side of a WebSocket opening handshake (RFC 6455 4.2) on the public listener. Poco's
// WebSocket(request, response) takes the connection from the request by a static_cast to its own
// HTTPServerRequestImpl; the listener's requests are server::ParsedRequest, so the handshake is
// answered here and the connection taken from the request's session. A request of another kind
// (a handler served by Poco's own server) still goes through Poco.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/WebSocket.h>

#include <memory>
#include <string>

namespace mosaic::delivery {

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
std::string websocket_accept_value(const std::string& key);

// Answers the handshake (101) and returns the connection as a WebSocket. Throws
// Poco::Net::WebSocketException, as Poco does, when the request is not a version 13 handshake;
// nothing has been sent then.
std::unique_ptr<Poco::Net::WebSocket> accept_websocket(Poco::Net::HTTPServerRequest& request,
                                                       Poco::Net::HTTPServerResponse& response);

}  // namespace mosaic::delivery
