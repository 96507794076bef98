#include "logging/log_sink.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mosaic::logging {

namespace {

int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

bool is_stream(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return true;
  return !S_ISREG(st.st_mode);
}

}  // namespace

LogSink::LogSink(int fd, bool owned, std::string path, std::string description)
    : fd_(fd),
      owned_(owned),
      stream_(is_stream(fd)),
      path_(std::move(path)),
      description_(std::move(description)) {}

LogSink::~LogSink() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

std::unique_ptr<LogSink> LogSink::open(const std::string& spec) {
  if (spec == "stdout") return std::unique_ptr<LogSink>(new LogSink(1, false, {}, "stdout"));
  if (spec == "stderr" || spec.empty())
    return std::unique_ptr<LogSink>(new LogSink(2, false, {}, "stderr"));
  if (spec.rfind("file:", 0) == 0) {
    std::string path = spec.substr(5);
    const int fd = open_append(path);
    if (fd < 0)
      throw std::runtime_error("cannot open log file '" + path + "': " + std::strerror(errno));
    return std::unique_ptr<LogSink>(new LogSink(fd, true, path, spec));
  }
  throw std::runtime_error("bad log sink '" + spec + "' (expected stdout, stderr or file:/path)");
}

std::unique_ptr<LogSink> LogSink::borrow(int fd) {
  return std::unique_ptr<LogSink>(new LogSink(fd, false, {}, "fd " + std::to_string(fd)));
}

void LogSink::reopen_now() {
  if (path_.empty()) return;
  const int fd = open_append(path_);
  if (fd < 0) return;  // keep writing to the old file rather than nowhere
  ::close(fd_);
  fd_ = fd;
  stream_ = is_stream(fd_);
}

bool LogSink::write(std::string_view data,
                    const std::function<bool(std::chrono::milliseconds)>& give_up) {
  if (reopen_requested_.exchange(false, std::memory_order_relaxed)) reopen_now();
  std::chrono::milliseconds stalled{0};
  while (!data.empty()) {
    std::size_t chunk = data.size();
    if (stream_) {
      pollfd p{fd_, POLLOUT, 0};
      const int ready = ::poll(&p, 1, 100);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        stalled += std::chrono::milliseconds(100);
        if (give_up(stalled)) return false;
        continue;
      }
      if (ready < 0 || (p.revents & (POLLERR | POLLNVAL))) return false;
      chunk = std::min<std::size_t>(chunk, PIPE_BUF);
    }
    const ssize_t n = ::write(fd_, data.data(), chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;  // a broken sink loses the batch; it never stops the process
    stalled = std::chrono::milliseconds(0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace mosaic::logging
