#include "logging/log_writer.hpp"

#include <unistd.h>

#include <cerrno>

namespace mosaic::logging {

LogWriter::LogWriter(Options options) : options_(options), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LogWriter::push(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(line));
  }
  wake_.notify_one();
}

void LogWriter::flush() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return (queue_.empty() && !writing_) || stop_; });
}

void LogWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (queue_.empty() && stop_) break;
    std::deque<std::string> batch;
    batch.swap(queue_);
    writing_ = true;
    lock.unlock();
    std::string buffer;
    for (auto& line : batch) {
      buffer += line;
      buffer += '\n';
    }
    const char* data = buffer.data();
    std::size_t left = buffer.size();
    while (left > 0) {
      ssize_t n = ::write(options_.fd, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // a broken sink loses the batch; it never stops the process
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    written_.fetch_add(batch.size(), std::memory_order_relaxed);
    lock.lock();
    writing_ = false;
    drained_.notify_all();
  }
  writing_ = false;
  drained_.notify_all();
}

}  // namespace mosaic::logging
