#include "server/http_server.hpp"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <thread>

#include "server/connection_wait.hpp"
#include "server/guarded_connection.hpp"
#include "server/idle_thread_reaper.hpp"
#include "server/listening_socket.hpp"
#include "server/pipeline_handler.hpp"
#include "server/tls_listener.hpp"

namespace mosaic::server {

HttpServer::HttpServer(const config::ServerConfig& config, GenerationSource generation,
                       const exec::Executor& executor, logging::LogWriter* log,
                       std::shared_ptr<const ListenerTls> tls)
    : config_(config),
      generation_(std::move(generation)),
      executor_(executor),
      log_(log),
      tls_(std::move(tls)) {}

HttpServer::~HttpServer() {
  reaper_.reset();
  if (server_) {
    server_->stop();
    connections_->stop_connections(true);
    pool_->joinAll();
  }
}

void HttpServer::start() {
  // With server.tls too a plain socket: TlsConnectionFactory wraps each accepted connection in
  // the context current at that moment (server/tls_listener.hpp), and its handshake runs on its
  // own connection thread at the first read, never on the accepting thread.
  ListeningSocket socket(config_.send_timeout);  // and connections keep their addresses
  socket.bind(Poco::Net::SocketAddress(config_.listen.host, config_.listen.port), true);
  socket.listen(config_.queue);
  port_ = socket.address().port();

  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(config_.threads);
  params->setMaxQueued(config_.queue);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setKeepAliveTimeout(Poco::Timespan(config_.keep_alive_timeout.count() * 1000));
  params->setTimeout(Poco::Timespan(config_.header_timeout.count() * 1000));
  params->setServerName("mosaic");

  // An explicit pool: without it Poco uses its 16-thread default pool whatever maxThreads says.
  // Threads idle for 30 s leave (like the step pools'), collected every 5 s.
  pool_ = std::make_unique<Poco::ThreadPool>(2, config_.threads, 30);
  reaper_ = std::make_unique<IdleThreadReaper>(*pool_, std::chrono::seconds(5));
  if (config_.max_active > 0)
    admission_ = std::make_unique<AdmissionGate>(static_cast<std::size_t>(config_.max_active));
  HandlerShared shared{config_,  generation_, &executor_,      log_,
                       results_, websockets_, admission_.get()};
  // GuardedConnection instead of Poco's HTTPServer connection: one header deadline per request
  // (slowloris) and JSON 431/414 for headers over Poco's limits (server/guarded_connection.hpp).
  Poco::Net::HTTPServerParams::Ptr params_ptr(params);
  connections_ =
      new GuardedConnectionFactory(params_ptr, new PipelineHandlerFactory(std::move(shared)),
                                   {config_.header_timeout, config_.keep_alive_timeout});
  Poco::Net::TCPServerConnectionFactory::Ptr factory(connections_);
  if (tls_) factory = new TlsConnectionFactory(tls_, factory);
  server_ = std::make_unique<Poco::Net::TCPServer>(factory, *pool_, socket, params_ptr);
  server_->setConnectionFilter(ConnectionWait::instance());  // stamps accepts: queue wait metric
  server_->start();
}

std::uint16_t HttpServer::port() const {
  return port_;
}

bool HttpServer::drain(std::chrono::milliseconds bound) {
  if (!server_) return true;
  server_->stop();                        // no new connections
  connections_->stop_connections(false);  // keep-alive connections end after their request
  const auto until = std::chrono::steady_clock::now() + bound;
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool clean = server_->currentConnections() == 0;
  if (!clean) connections_->stop_connections(true);
  reaper_.reset();
  pool_->joinAll();
  server_.reset();
  return clean;
}

}  // namespace mosaic::server
