#pragma once
// The keep-alive pool behind one PooledHttpClient: at most `max_connections` sockets exist at
// once (in use, being opened, or idle), at most `max_idle` of them idle. A caller that finds no
// slot waits until one is returned, its deadline passes, or it is woken because it was cancelled.
// Connections are handed back only after a call that read a whole response; anything else
// discards them.
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "mosaic/call_context.hpp"

namespace mosaic::downstream {

class HttpConnectionPool;

// A socket timeout that ends at `deadline`: the time left rounded up, and never under 1 ms (0
// means "no timeout" to Poco), so it fires at or after the deadline, never just before it.
Poco::Timespan socket_timeout_until(Clock::time_point deadline);

// One open socket to the downstream. Closing (destruction) is counted by the pool.
class HttpConnection {
 public:
  HttpConnection(Poco::Net::StreamSocket socket, std::atomic<std::size_t>& open_counter);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  Poco::Net::StreamSocket& socket() { return socket_; }

  // True when the peer closed (or sent something unasked) while the connection was idle.
  bool stale();

  // I/O bounded by a deadline: past it, Poco::TimeoutException. A shut-down socket (a cancel)
  // fails the send and reads as end of stream (receive returns 0, as when the peer closed).
  void send_all(std::string_view data, Clock::time_point deadline);
  std::size_t receive(char* data, std::size_t size, Clock::time_point deadline);

  // The socket now carries TLS (sends go through it; see send_all).
  void mark_secure() { secure_ = true; }

  bool reused() const { return uses_ > 0; }
  void count_use() { ++uses_; }

 private:
  friend class HttpConnectionPool;
  Poco::Net::StreamSocket socket_;
  std::atomic<std::size_t>& open_counter_;
  std::chrono::microseconds timeout_{0};  // the socket's SO_RCVTIMEO; 0: not known
  bool secure_ = false;
  Clock::time_point idle_since_{};
  std::size_t uses_ = 0;
};

struct HttpPoolLimits {
  std::size_t max_connections = 50;
  std::size_t max_idle = 50;
  std::chrono::milliseconds idle_timeout{30000};
};

struct HttpPoolStats {
  std::size_t open = 0;          // sockets open now (in use + idle)
  std::size_t idle = 0;          // of which idle
  std::size_t in_use = 0;        // slots held by calls (a slot may be connecting)
  std::size_t opened_total = 0;  // sockets ever opened
  std::size_t reused_total = 0;  // calls served on an idle keep-alive connection
  std::size_t discarded_total =
      0;                          // connections closed instead of returned (failure, cancel, close)
  std::size_t waited_total = 0;   // calls that had to wait for a slot
  std::size_t wait_timeouts = 0;  // calls whose deadline passed while waiting for a slot
};

class HttpConnectionPool {
 public:
  // A slot in the pool, held for one call; it may carry a connection (taken from the idle list
  // or opened by the caller). Destroying a lease discards its connection unless keep() was called.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    bool held() const { return pool_ != nullptr; }
    HttpConnection* connection() const { return connection_.get(); }
    void set_connection(std::unique_ptr<HttpConnection> connection);
    void discard_connection();     // closes the connection and keeps the slot
    void keep() { keep_ = true; }  // hand the connection back to the idle list on release
    void release();

   private:
    friend class HttpConnectionPool;
    HttpConnectionPool* pool_ = nullptr;
    std::unique_ptr<HttpConnection> connection_;
    bool keep_ = false;
  };

  enum class AcquireResult { kAcquired, kDeadline, kInterrupted };

  explicit HttpConnectionPool(HttpPoolLimits limits);
  ~HttpConnectionPool();
  HttpConnectionPool(const HttpConnectionPool&) = delete;
  HttpConnectionPool& operator=(const HttpConnectionPool&) = delete;

  // Takes a slot, with the most recently used live idle connection when there is one. Waits for
  // a slot until `deadline`; `interrupted` is checked under the pool's lock, so it must be quick
  // and must not lock anything that a wake_waiters() caller may hold.
  AcquireResult acquire(Lease& lease, Clock::time_point deadline,
                        const std::function<bool()>& interrupted);

  // Makes waiters re-check `interrupted` (called from cancel callbacks).
  void wake_waiters();

  // A new, unconnected socket of the given family, counted as open until its connection closes.
  std::unique_ptr<HttpConnection> new_connection(Poco::Net::SocketAddress::Family family);

  std::size_t open_connections() const { return open_.load(std::memory_order_relaxed); }
  HttpPoolStats stats() const;
  const HttpPoolLimits& limits() const { return limits_; }

 private:
  void give_back(std::unique_ptr<HttpConnection> connection, bool keep);

  const HttpPoolLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::deque<std::unique_ptr<HttpConnection>> idle_;  // oldest first
  std::size_t in_use_ = 0;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> opened_total_{0};
  std::atomic<std::size_t> reused_total_{0};
  std::atomic<std::size_t> discarded_total_{0};
  std::atomic<std::size_t> waited_total_{0};
  std::atomic<std::size_t> wait_timeouts_{0};
};

}  // namespace mosaic::downstream
