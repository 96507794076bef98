#pragma once
// The response object of the public listener's connections: Poco's, except that sendBuffer()
// writes the head and the body in one system call. Poco 1.11 writes them through a 4 KB stream
// buffer: a 100 KB answer went out in 25 sends, each one the loopback's (or the NIC's) whole
// transmit path and a wake-up of the reader; now one sendmsg(2) with the body in place, no copy.
// send_pieces() does the same for a body in pieces (a page with large results spliced in, each
// sent from where it lies). The head is written by server/response_head, not through a stream.
// Bodies from send() (a stream) still go through Poco's buffer.
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace mosaic::server {

class OneWriteResponse final : public Poco::Net::HTTPServerResponseImpl {
 public:
  explicit OneWriteResponse(Poco::Net::HTTPServerSession& session);

  // The request is a HEAD: sendBuffer() sends the head alone (Content-Length still the body's),
  // as Poco's does. Set once the request's head is read.
  void set_head_request(bool head) { head_request_ = head; }

  void sendBuffer(const void* body, std::size_t length) override;
  // The body is the pieces one after the other (Content-Length their total).
  void send_pieces(std::span<const std::string_view> body);
  bool sent() const override;

 private:
  void write_all(std::span<const std::string_view> pieces);

  Poco::Net::HTTPServerSession& session_;
  bool head_request_ = false;
  bool sent_ = false;
};

}  // namespace mosaic::server
