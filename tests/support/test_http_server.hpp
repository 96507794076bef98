#pragma once
// A real HTTP/1.1 server on 127.0.0.1 (port 0), on raw sockets so that it can also misbehave:
// hang until the client goes away, trickle bytes, reset mid-body, answer garbage. It records
// every connection (accepted, and whether the client closed it) and every request, so a test can
// assert what really happened on the wire: one connection for N keep-alive calls, a socket that
// was really shut down after a timeout, never more than max_connections sockets.
//
// Built-in routes (exact path, query ignored; route() adds or replaces):
//   /json             200 {"ok":true}
//   /status/<code>    <code> {"status":<code>}
//   /empty            204, no body              /empty200   200 with an empty body
//   /text             200 text/plain (not JSON)
//   /echo             200 {"method","target","headers":{lower-case names},"body"}
//   /hang             never answers; waits until the client closes (or release_hangs())
//   /slow             Content-Length 20, one byte every 50 ms
//   /reset            Content-Length 1000, 10 bytes, then a TCP reset
//   /garbage          bytes that are not HTTP, then close
//   /close            200 {"ok":true}, then closes without saying "Connection: close"
//   /big/<n>          200 a JSON string of n bytes (Content-Length)
//   /chunked/<n>      200 the same, chunked
//   /delay/<ms>       200 {"ok":true} after <ms>
//   anything else     404 {"error":"not found"}
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mosaic/json.hpp"

namespace mosaic::testing {

struct RecordedRequest {
  std::size_t connection = 0;  // 1-based, in accept order
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;
  std::string query;                           // without '?'
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(std::string name) const {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(const std::string& name) const { return !header(name).empty(); }
};

class TestHttpServer {
 public:
  enum class Behavior {
    kRespond,           // status, headers, body
    kHang,              // say nothing until the client closes, release_hangs() or stop()
    kSlowBody,          // headers with Content-Length, then the body one byte per `interval`
    kResetMidBody,      // headers with Content-Length body.size()*100, part of the body, TCP RST
    kGarbage,           // the body bytes as is (not HTTP), then close
    kRaw,               // the body bytes as is (a hand-written answer), then the next request
    kCloseWithoutReply  // close right after reading the request
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    Behavior behavior = Behavior::kRespond;
    std::chrono::milliseconds delay{0};      // before anything is sent
    std::chrono::milliseconds interval{50};  // kSlowBody
    bool chunked = false;
    bool close_after = false;       // close after replying, without "Connection: close"
    bool connection_close = false;  // say "Connection: close", then close
  };
  using Handler = std::function<Reply(const RecordedRequest&)>;

  TestHttpServer() {
    ::signal(SIGPIPE, SIG_IGN);  // a client that went away must not end the test process
    listener_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    listener_.listen(256);
    port_ = listener_.address().port();
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestHttpServer() { stop(); }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Adds or replaces the handler for an exact path.
  void route(const std::string& path, Handler handler) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(handler);
  }

  // Connections accepted so far / still open on the server side / open at the same time, at most.
  std::size_t accepted() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }
  std::size_t open_connections() const {
    std::lock_guard lock(mutex_);
    return open_;
  }
  std::size_t peak_open_connections() const {
    std::lock_guard lock(mutex_);
    return peak_open_;
  }
  // Connections the client closed (EOF or reset seen by the server).
  std::size_t closed_by_client() const {
    std::lock_guard lock(mutex_);
    return closed_by_client_;
  }
  bool wait_for_closed_by_client(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return closed_by_client_ >= count; });
  }
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }
  // Requests currently held by a hanging route.
  std::size_t hanging() const {
    std::lock_guard lock(mutex_);
    return hanging_;
  }
  bool wait_for_hanging(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return hanging_ >= count; });
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::optional<RecordedRequest> last_request() const {
    std::lock_guard lock(mutex_);
    if (requests_.empty()) return std::nullopt;
    return requests_.back();
  }

  // Hanging requests (now and later) answer 200 {"released":true}.
  void release_hangs() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    changed_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    try {
      listener_.close();
    } catch (...) {
    }
  }

 private:
  static constexpr std::chrono::milliseconds kTick{20};

  bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void accept_loop() {
    while (!stopping()) {
      try {
        if (!listener_.poll(Poco::Timespan(kTick.count() * 1000), Poco::Net::Socket::SELECT_READ))
          continue;
        Poco::Net::StreamSocket socket = listener_.acceptConnection();
        std::lock_guard lock(mutex_);
        connections_.push_back(false);
        std::size_t id = connections_.size();
        ++open_;
        peak_open_ = std::max(peak_open_, open_);
        workers_.emplace_back([this, socket, id]() mutable { serve(socket, id); });
      } catch (const Poco::Exception&) {
      }
    }
  }

  void connection_ended(std::size_t id, bool by_client) {
    {
      std::lock_guard lock(mutex_);
      --open_;
      if (by_client) {
        connections_[id - 1] = true;
        ++closed_by_client_;
      }
    }
    changed_.notify_all();
  }

  // Reads more bytes into `buffer`. Returns false when the client closed or reset (recorded),
  // or the server stops.
  // With `once`, gives up after one tick without data (kNothing), so a caller can look around.
  enum class ReadResult { kData, kClientClosed, kStopping, kNothing };
  ReadResult read_more(Poco::Net::StreamSocket& socket, std::string& buffer, bool once = false) {
    for (;;) {
      if (stopping()) return ReadResult::kStopping;
      try {
        if (!socket.poll(Poco::Timespan(kTick.count() * 1000),
                         Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
          if (once) return ReadResult::kNothing;
          continue;
        }
        char chunk[8192];
        int n = socket.receiveBytes(chunk, sizeof chunk);
        if (n <= 0) return ReadResult::kClientClosed;
        buffer.append(chunk, static_cast<std::size_t>(n));
        return ReadResult::kData;
      } catch (const Poco::TimeoutException&) {
        continue;
      } catch (const Poco::Exception&) {
        return ReadResult::kClientClosed;  // reset by the client
      }
    }
  }

  static bool send_all(Poco::Net::StreamSocket& socket, const std::string& data) {
    try {
      std::size_t sent = 0;
      while (sent < data.size()) {
        int n = socket.sendBytes(data.data() + sent, static_cast<int>(data.size() - sent));
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
      }
      return true;
    } catch (const Poco::Exception&) {
      return false;
    }
  }

  // Sleeps up to `d`; false when the server stops meanwhile.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, d, [&] { return stopping_; });
  }

  static std::optional<RecordedRequest> parse_head(const std::string& head) {
    RecordedRequest r;
    std::size_t line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return std::nullopt;
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string h = head.substr(pos, end - pos);
      pos = end + 2;
      std::size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string name = h.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      r.headers[name] = value;
    }
    return r;
  }

  static std::string reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 204:
        return "No Content";
      case 404:
        return "Not Found";
      case 500:
        return "Internal Server Error";
      case 502:
        return "Bad Gateway";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }

  static std::string head_of(const Reply& reply, std::optional<std::size_t> content_length) {
    std::string out =
        "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    if (!reply.content_type.empty() && reply.status != 204)
      out += "Content-Type: " + reply.content_type + "\r\n";
    for (const auto& [n, v] : reply.headers) out += n + ": " + v + "\r\n";
    if (reply.chunked)
      out += "Transfer-Encoding: chunked\r\n";
    else if (content_length)
      out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    if (reply.connection_close) out += "Connection: close\r\n";
    return out + "\r\n";
  }

  Reply builtin(const RecordedRequest& r) const {
    Reply reply;
    auto number_after = [&](const std::string& prefix) -> std::optional<long> {
      if (r.path.rfind(prefix, 0) != 0) return std::nullopt;
      try {
        return std::stol(r.path.substr(prefix.size()));
      } catch (...) {
        return std::nullopt;
      }
    };
    if (r.path == "/json") {
      reply.body = R"({"ok":true})";
    } else if (auto code = number_after("/status/")) {
      reply.status = static_cast<int>(*code);
      reply.body = "{\"status\":" + std::to_string(*code) + "}";
    } else if (r.path == "/empty") {
      reply.status = 204;
    } else if (r.path == "/empty200") {
      reply.body = "";
    } else if (r.path == "/text") {
      reply.content_type = "text/plain";
      reply.body = "hello, this is not JSON";
    } else if (r.path == "/echo") {
      json::object headers;
      for (const auto& [n, v] : r.headers) headers[n] = v;
      reply.body = json::serialize(json::object{
          {"method", r.method}, {"target", r.target}, {"headers", headers}, {"body", r.body}});
    } else if (r.path == "/hang") {
      reply.behavior = Behavior::kHang;
    } else if (r.path == "/slow") {
      reply.behavior = Behavior::kSlowBody;
      reply.body = R"({"slow":"aaaaaaaa"})";
      reply.body.resize(20, ' ');
    } else if (r.path == "/reset") {
      reply.behavior = Behavior::kResetMidBody;
      reply.body = R"({"partial":)";
    } else if (r.path == "/garbage") {
      reply.behavior = Behavior::kGarbage;
      reply.body = "THIS IS NOT HTTP\r\n\r\n";
    } else if (r.path == "/close") {
      reply.body = R"({"ok":true})";
      reply.close_after = true;
    } else if (auto n = number_after("/big/")) {
      reply.body = "\"" + std::string(static_cast<std::size_t>(std::max(0L, *n - 2)), 'x') + "\"";
    } else if (auto c = number_after("/chunked/")) {
      reply.body = "\"" + std::string(static_cast<std::size_t>(std::max(0L, *c - 2)), 'x') + "\"";
      reply.chunked = true;
    } else if (auto ms = number_after("/delay/")) {
      reply.delay = std::chrono::milliseconds(*ms);
      reply.body = R"({"ok":true})";
    } else {
      reply.status = 404;
      reply.body = R"({"error":"not found"})";
    }
    return reply;
  }

  enum class After { kKeepOpen, kServerClose, kClientClosed };

  After answer(Poco::Net::StreamSocket& socket, const Reply& reply, std::string& buffer) {
    if (reply.delay.count() > 0 && !pause(reply.delay)) return After::kServerClose;
    switch (reply.behavior) {
      case Behavior::kHang:
        return hang(socket, buffer);
      case Behavior::kSlowBody: {
        // A failed send means the client went away (reset after its close).
        if (!send_all(socket, head_of(reply, reply.body.size()))) return After::kClientClosed;
        for (char c : reply.body) {
          if (!pause(reply.interval)) return After::kServerClose;
          if (!send_all(socket, std::string(1, c))) return After::kClientClosed;
        }
        return After::kKeepOpen;
      }
      case Behavior::kResetMidBody:
        send_all(socket, head_of(reply, reply.body.size() * 100) + reply.body);
        pause(std::chrono::milliseconds(20));
        socket.setLinger(true, 0);  // close() now sends RST
        return After::kServerClose;
      case Behavior::kGarbage:
        send_all(socket, reply.body);
        return After::kServerClose;
      case Behavior::kRaw:
        return send_all(socket, reply.body) ? After::kKeepOpen : After::kClientClosed;
      case Behavior::kCloseWithoutReply:
        return After::kServerClose;
      case Behavior::kRespond:
        break;
    }
    std::string out = head_of(reply, reply.body.size());
    if (reply.chunked) {
      const std::size_t piece = 1000;
      for (std::size_t i = 0; i < reply.body.size(); i += piece) {
        std::string part = reply.body.substr(i, piece);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", part.size());
        out += size + part + "\r\n";
      }
      out += "0\r\n\r\n";
    } else {
      out += reply.body;
    }
    if (!send_all(socket, out)) return After::kClientClosed;
    return reply.close_after || reply.connection_close ? After::kServerClose : After::kKeepOpen;
  }

  // Says nothing until the client closes, release_hangs() or stop().
  After hang(Poco::Net::StreamSocket& socket, std::string& buffer) {
    {
      std::lock_guard lock(mutex_);
      ++hanging_;
    }
    changed_.notify_all();
    After after = After::kServerClose;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (released_) {
          after = After::kKeepOpen;
          break;
        }
      }
      auto result =
          read_more(socket, buffer, /*once=*/true);  // back each tick to see release_hangs()
      if (result == ReadResult::kClientClosed) {
        after = After::kClientClosed;
        break;
      }
      if (result == ReadResult::kStopping) break;
    }
    {
      std::lock_guard lock(mutex_);
      --hanging_;
    }
    if (after != After::kKeepOpen) return after;
    Reply ok;
    ok.body = R"({"released":true})";
    return send_all(socket, head_of(ok, ok.body.size()) + ok.body) ? After::kKeepOpen
                                                                   : After::kServerClose;
  }

  // Reads one request into `request`; kKeepOpen when there is one.
  After read_request(Poco::Net::StreamSocket& socket, std::string& buffer,
                     RecordedRequest& request) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      auto result = read_more(socket, buffer);
      if (result != ReadResult::kData) {
        return result == ReadResult::kClientClosed ? After::kClientClosed : After::kServerClose;
      }
    }
    auto parsed = parse_head(buffer.substr(0, head_end));
    buffer.erase(0, head_end + 4);
    if (!parsed) return After::kServerClose;
    request = std::move(*parsed);
    std::size_t length = 0;
    if (auto cl = request.header("content-length"); !cl.empty()) length = std::stoul(cl);
    while (buffer.size() < length) {
      auto result = read_more(socket, buffer);
      if (result != ReadResult::kData) {
        return result == ReadResult::kClientClosed ? After::kClientClosed : After::kServerClose;
      }
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return After::kKeepOpen;
  }

  void serve(Poco::Net::StreamSocket socket, std::size_t id) {
    std::string buffer;
    After after = After::kKeepOpen;
    while (after == After::kKeepOpen) {
      RecordedRequest request;
      after = read_request(socket, buffer, request);
      if (after != After::kKeepOpen) break;
      request.connection = id;
      Handler handler;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        if (auto it = routes_.find(request.path); it != routes_.end()) handler = it->second;
      }
      changed_.notify_all();
      after = answer(socket, handler ? handler(request) : builtin(request), buffer);
    }
    try {
      socket.close();
    } catch (...) {
    }
    connection_ended(id, after == After::kClientClosed);
  }

  Poco::Net::ServerSocket listener_;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  bool released_ = false;
  std::vector<bool> connections_;  // closed by the client?
  std::size_t open_ = 0;
  std::size_t peak_open_ = 0;
  std::size_t closed_by_client_ = 0;
  std::size_t hanging_ = 0;
  std::vector<RecordedRequest> requests_;
  std::map<std::string, Handler> routes_;
  std::vector<std::thread> workers_;
};

}  // namespace mosaic::testing
