#pragma once
// One HTTP request: request id, route, body limits and JSON, then the pipeline, then the answer.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "config/engine_config.hpp"
#include "execution/executor.hpp"
#include "logging/log_writer.hpp"
#include "server/http_server.hpp"

namespace mosaic::server {

struct HandlerShared {
  config::ServerConfig config;
  GenerationSource generation;
  const exec::Executor* executor = nullptr;
  logging::LogWriter* log = nullptr;
};

class PipelineHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit PipelineHandler(const HandlerShared& shared) : shared_(shared) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  const HandlerShared& shared_;
};

class PipelineHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit PipelineHandlerFactory(HandlerShared shared) : shared_(std::move(shared)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new PipelineHandler(shared_);
  }

 private:
  HandlerShared shared_;
};

}  // namespace mosaic::server
