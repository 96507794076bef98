#pragma once
// The public listener's connection loop. Poco's own HTTPServerConnection has gaps on the public
// edge: its header timeout is per receive (a client trickling one byte a second holds a server
// thread forever), a head over its fixed limits is answered with an empty 400, and it reads the
// head through an istream at a cost of a fifth of a small request. GuardedConnection runs the same
// loop, but
//   - a HeaderWatchdog gives each request's header block one deadline (server.header_timeout from
//     the start of the read; after a response, keep_alive_timeout + header_timeout), and shuts the
//     socket down when it passes, so the blocked read returns and the thread is freed;
//   - the head is read and checked by server/request_head into a ParsedRequest; one it refuses
//     (400, 414, 431, 501, 505) gets a JSON error with a request id, is counted in
//     mosaic_request_heads_refused_total, and the connection closes;
//   - a body the handler left unread is dropped (up to 64 KiB, else the connection closes), so
//     that it is never read as the next request.
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace mosaic::server {

class HeaderWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  HeaderWatchdog();
  ~HeaderWatchdog();
  HeaderWatchdog(const HeaderWatchdog&) = delete;
  HeaderWatchdog& operator=(const HeaderWatchdog&) = delete;

  std::uint64_t enroll(const Poco::Net::StreamSocket& socket, Clock::time_point deadline);
  void arm(std::uint64_t id, Clock::time_point deadline);
  void disarm(std::uint64_t id);
  void leave(std::uint64_t id);
  std::uint64_t closed() const { return closed_.load(); }  // connections shut down for slow headers

 private:
  struct Entry {
    Poco::Net::StreamSocket socket;
    Clock::time_point deadline;
    bool armed = true;
  };
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 1;
  // When the loop will next look, if it is waiting (max: no deadline armed); min while it scans.
  Clock::time_point next_wake_ = Clock::time_point::min();
  bool stop_ = false;
  std::atomic<std::uint64_t> closed_{0};
  std::thread thread_;
};

struct GuardSettings {
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds keep_alive_timeout{15000};
};

class GuardedConnection;

// The live connections, so a stop can reach them (Poco's own serverStopped event is protected).
class ConnectionRegistry {
 public:
  void add(GuardedConnection* connection);
  void remove(GuardedConnection* connection);
  void stop_all(bool abort_current);

 private:
  std::mutex mutex_;
  std::set<GuardedConnection*> connections_;
  bool stopped_ = false;
};

class GuardedConnection : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr factory, HeaderWatchdog& watchdog,
                    ConnectionRegistry& registry, GuardSettings settings);
  ~GuardedConnection() override;
  void run() override;
  void on_server_stopped(bool abort_current);

 private:
  ConnectionRegistry& registry_;

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  HeaderWatchdog& watchdog_;
  GuardSettings settings_;
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;  // held while a request is handled, so a graceful stop waits for it
};

class GuardedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                           GuardSettings settings)
      : params_(std::move(params)), factory_(std::move(factory)), settings_(settings) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, factory_, watchdog_, registry_, settings_);
  }
  // What Poco's HTTPServer::stopAll does after stop(): each connection closes (abort) or closes
  // once its current request is answered.
  void stop_connections(bool abort_current) { registry_.stop_all(abort_current); }
  const HeaderWatchdog& watchdog() const { return watchdog_; }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  GuardSettings settings_;
  HeaderWatchdog watchdog_;
  ConnectionRegistry registry_;
};

}  // namespace mosaic::server
