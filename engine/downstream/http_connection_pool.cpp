#include "downstream/http_connection_pool.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/Socket.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace mosaic::downstream {

HttpConnection::HttpConnection(Poco::Net::StreamSocket socket,
                               std::atomic<std::size_t>& open_counter)
    : socket_(std::move(socket)), open_counter_(open_counter) {
  open_counter_.fetch_add(1, std::memory_order_relaxed);
}

HttpConnection::~HttpConnection() {
  try {
    socket_.close();
  } catch (...) {  // closing never reports anything useful here
  }
  open_counter_.fetch_sub(1, std::memory_order_relaxed);
}

bool HttpConnection::stale() {
  // An idle keep-alive connection has nothing to read; readable means EOF (the server closed
  // it, e.g. its own keep-alive timeout) or unasked bytes. Either way it cannot carry a call.
  // poll(2) on the descriptor itself: Poco's Socket::poll builds an epoll instance per call
  // (four system calls where one does).
  pollfd entry{};
  entry.fd = socket_.impl()->sockfd();
  entry.events = POLLIN;
  const int ready = ::poll(&entry, 1, 0);
  return ready != 0;  // readable, hung up, in error, or poll itself failed
}

namespace {

std::chrono::microseconds time_left(Clock::time_point deadline) {
  return std::chrono::ceil<std::chrono::microseconds>(deadline - Clock::now());
}

}  // namespace

Poco::Timespan socket_timeout_until(Clock::time_point deadline) {
  return Poco::Timespan(std::max<Poco::Timespan::TimeDiff>(time_left(deadline).count(), 1000));
}

void HttpConnection::send_all(std::string_view data, Clock::time_point deadline) {
  if (secure_) {
    // Through the TLS layer, with a timeout that ends at the deadline. (Poco loses the count of a
    // partly written buffer on a timeout, so a TLS send is never waited for again.)
    socket_.setSendTimeout(socket_timeout_until(deadline));
    while (!data.empty()) {
      const int n = socket_.sendBytes(
          data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
      if (n <= 0) throw Poco::Net::ConnectionResetException("the peer stopped reading");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return;
  }
  // A plain socket: a non-blocking send, and poll(2) only when the peer's window is full. No
  // timeout to set, and no SIGPIPE.
  const int fd = socket_.impl()->sockfd();
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const int error = n < 0 ? errno : EPIPE;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) throw Poco::TimeoutException("deadline passed while sending");
      pollfd entry{fd, POLLOUT, 0};
      ::poll(&entry, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      continue;  // writable, failed (the next send says how) or out of time (checked above)
    }
    if (error == EPIPE || error == ECONNRESET)
      throw Poco::Net::ConnectionResetException(std::strerror(error));
    throw Poco::IOException(std::string("send: ") + std::strerror(error));
  }
}

std::size_t HttpConnection::receive(char* data, std::size_t size, Clock::time_point deadline) {
  for (;;) {
    const auto left = time_left(deadline);
    if (left.count() <= 0) throw Poco::TimeoutException("deadline passed while receiving");
    // SO_RCVTIMEO is set only when the time left is shorter than what the socket has (a longer
    // timeout would outlive the deadline) or far longer (a wait ending early for nothing): calls
    // with deadlines alike, the usual case, make no system call for it. Set a little short of
    // the time left so that the next call finds it short enough already; a wait that ends
    // before the deadline this way is simply waited again.
    if (timeout_.count() == 0 || left < timeout_ || timeout_ < left / 2) {
      timeout_ = std::max(std::chrono::microseconds(1000), left - left / 16);
      socket_.setReceiveTimeout(Poco::Timespan(timeout_.count()));  // >= 1 ms
    }
    try {
      const int n =
          socket_.receiveBytes(data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
      return static_cast<std::size_t>(std::max(n, 0));
    } catch (const Poco::TimeoutException&) {
      if (Clock::now() >= deadline) throw;
    }
  }
}

HttpConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      keep_(std::exchange(other.keep_, false)) {}

HttpConnectionPool::Lease& HttpConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    keep_ = std::exchange(other.keep_, false);
  }
  return *this;
}

void HttpConnectionPool::Lease::set_connection(std::unique_ptr<HttpConnection> connection) {
  connection_ = std::move(connection);
  keep_ = false;
}

void HttpConnectionPool::Lease::discard_connection() {
  if (connection_ && pool_) pool_->discarded_total_.fetch_add(1, std::memory_order_relaxed);
  connection_.reset();
  keep_ = false;
}

void HttpConnectionPool::Lease::release() {
  if (!pool_) return;
  std::exchange(pool_, nullptr)->give_back(std::move(connection_), std::exchange(keep_, false));
}

HttpConnectionPool::HttpConnectionPool(HttpPoolLimits limits) : limits_(limits) {}

HttpConnectionPool::~HttpConnectionPool() {
  std::lock_guard lock(mutex_);
  idle_.clear();
}

HttpConnectionPool::AcquireResult HttpConnectionPool::acquire(
    Lease& lease, Clock::time_point deadline, const std::function<bool()>& interrupted) {
  lease.release();
  std::vector<std::unique_ptr<HttpConnection>> expired;  // closed outside the lock
  std::unique_ptr<HttpConnection> taken;
  {
    std::unique_lock lock(mutex_);
    bool waited = false;
    for (;;) {
      auto now = Clock::now();
      bool give_up_interrupted = interrupted();
      if (give_up_interrupted || now >= deadline) {
        // Pass on a wake-up this caller may have consumed, so a free slot is not left unseen.
        if (!idle_.empty() || in_use_ + idle_.size() < limits_.max_connections)
          slot_freed_.notify_one();
        if (!give_up_interrupted && waited) wait_timeouts_.fetch_add(1, std::memory_order_relaxed);
        return give_up_interrupted ? AcquireResult::kInterrupted : AcquireResult::kDeadline;
      }
      while (!idle_.empty() && now - idle_.front()->idle_since_ >= limits_.idle_timeout) {
        expired.push_back(std::move(idle_.front()));
        idle_.pop_front();
      }
      if (!idle_.empty()) {
        taken = std::move(idle_.back());
        idle_.pop_back();
        ++in_use_;
        break;
      }
      if (in_use_ < limits_.max_connections) {
        ++in_use_;
        break;
      }
      if (!waited) waited_total_.fetch_add(1, std::memory_order_relaxed);
      waited = true;
      slot_freed_.wait_until(lock, deadline);
    }
  }
  expired.clear();
  lease.pool_ = this;
  if (taken && taken->stale()) taken.reset();  // keep the slot; the caller opens a new socket
  if (taken) reused_total_.fetch_add(1, std::memory_order_relaxed);
  lease.connection_ = std::move(taken);
  lease.keep_ = false;
  return AcquireResult::kAcquired;
}

void HttpConnectionPool::wake_waiters() {
  { std::lock_guard lock(mutex_); }  // a waiter is either before its check or inside wait
  slot_freed_.notify_all();
}

std::unique_ptr<HttpConnection> HttpConnectionPool::new_connection(
    Poco::Net::SocketAddress::Family family) {
  auto connection = std::make_unique<HttpConnection>(Poco::Net::StreamSocket(family), open_);
  opened_total_.fetch_add(1, std::memory_order_relaxed);
  return connection;
}

void HttpConnectionPool::give_back(std::unique_ptr<HttpConnection> connection, bool keep) {
  if (connection && !keep) discarded_total_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (connection && keep && idle_.size() < limits_.max_idle) {
      connection->idle_since_ = Clock::now();
      connection->count_use();
      idle_.push_back(std::move(connection));
    }
  }
  slot_freed_.notify_one();
  // `connection`, when not kept, closes here, outside the lock.
}

HttpPoolStats HttpConnectionPool::stats() const {
  HttpPoolStats s;
  {
    std::lock_guard lock(mutex_);
    s.idle = idle_.size();
    s.in_use = in_use_;
  }
  s.open = open_.load(std::memory_order_relaxed);
  s.opened_total = opened_total_.load(std::memory_order_relaxed);
  s.reused_total = reused_total_.load(std::memory_order_relaxed);
  s.discarded_total = discarded_total_.load(std::memory_order_relaxed);
  s.waited_total = waited_total_.load(std::memory_order_relaxed);
  s.wait_timeouts = wait_timeouts_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace mosaic::downstream
