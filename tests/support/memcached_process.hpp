#pragma once
// A real memcached for tests, started on a free loopback port by the test itself and killed when
// it goes out of scope: `memcached -l 127.0.0.1 -p PORT -U 0`. If the test process dies first,
// memcached dies with the thread that started it (create it on the test's main thread).
// freeze() / thaw() send SIGSTOP / SIGCONT: a frozen memcached still completes TCP handshakes
// (the kernel does that) but never answers, like a hung server.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mosaic::testing {

class MemcachedProcess {
 public:
  explicit MemcachedProcess(std::uint16_t port = 0, std::size_t memory_mb = 64)
      : memory_mb_(memory_mb) {
    port_ = port != 0 ? port : free_port();
    start();
  }
  ~MemcachedProcess() { stop(); }
  MemcachedProcess(const MemcachedProcess&) = delete;
  MemcachedProcess& operator=(const MemcachedProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  // SIGKILL: connections are reset, new ones refused.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a frozen process still dies on SIGKILL, but be tidy
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    frozen_ = false;
  }
  void stop() { kill(); }
  // Both return once the change has happened: a signal is delivered asynchronously, and a
  // memcached still running for a moment after kill() answered a request a test sent next
  // (seen under ThreadSanitizer on a loaded machine).
  void freeze() {
    if (pid_ <= 0 || frozen_) return;
    ::kill(pid_, SIGSTOP);
    int status = 0;
    ::waitpid(pid_, &status, WUNTRACED);
    frozen_ = true;
  }
  void thaw() {
    if (pid_ <= 0 || !frozen_) return;
    ::kill(pid_, SIGCONT);
    int status = 0;
    ::waitpid(pid_, &status, WCONTINUED);
    frozen_ = false;
  }
  // Starts again on the same port (empty).
  void restart() {
    kill();
    start();
  }

  static std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
  }

 private:
  void start() {
    std::vector<std::string> args = {"memcached",
                                     "-l",
                                     "127.0.0.1",
                                     "-p",
                                     std::to_string(port_),
                                     "-U",
                                     "0",
                                     "-m",
                                     std::to_string(memory_mb_),
                                     "-c",
                                     "4096",
                                     "-t",
                                     "2"};
    if (::geteuid() == 0) {
      // memcached refuses root without -u; "-u root" keeps the credentials unchanged, which keeps
      // PR_SET_PDEATHSIG (dropping to another user would clear it).
      args.push_back("-u");
      args.push_back("root");
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test process that dies
    // (a crash, a sanitizer abort) takes its memcached with it. Its chatter (a frozen-then-
    // thawed memcached complains about dropped peers) goes to /dev/null. Between fork and exec
    // only async-signal-safe calls.
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot fork for memcached");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent is already gone
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execvp("memcached", argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      if (connectable()) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("memcached exited at start on port " + std::to_string(port_) +
                                 " (is it installed? scripts/install-deps.sh)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill();
    throw std::runtime_error("memcached did not listen on port " + std::to_string(port_));
  }

  bool connectable() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::uint16_t port_ = 0;
  std::size_t memory_mb_;
  pid_t pid_ = -1;
  bool frozen_ = false;  // SIGSTOPped by freeze()
};

}  // namespace mosaic::testing
