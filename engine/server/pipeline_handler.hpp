#pragma once
// One HTTP request: request id, route, body limits and JSON, then the pipeline, then the answer.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>

#include "config/engine_config.hpp"
#include "delivery/results_handler.hpp"
#include "delivery/websocket_session.hpp"
#include "execution/executor.hpp"
#include "logging/log_writer.hpp"
#include "server/admission_gate.hpp"
#include "server/http_server.hpp"

namespace mosaic::server {

struct HandlerShared {
  config::ServerConfig config;
  GenerationSource generation;
  const exec::Executor* executor = nullptr;
  logging::LogWriter* log = nullptr;
  delivery::ResultStore* results = nullptr;      // /_mosaic/results/{id}; null: not served
  delivery::WebSocketHub* websockets = nullptr;  // /_mosaic/ws; null: not served
  AdmissionGate* admission = nullptr;            // server.max_active; null: no limit
};

class PipelineHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit PipelineHandler(const HandlerShared& shared) : shared_(shared) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const HandlerShared& shared_;
};

class PipelineHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit PipelineHandlerFactory(HandlerShared shared) : shared_(std::move(shared)) {}
  // /_mosaic/ is the engine's own (pipelines cannot declare endpoints there).
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override {
    const std::string& uri = request.getURI();
    if (uri.rfind(delivery::kReservedPrefix, 0) == 0) {
      const std::string_view path = std::string_view(uri).substr(0, uri.find('?'));
      if (path == delivery::kWebSocketPath && shared_.websockets)
        return new delivery::WebSocketHandler(*shared_.websockets);
      if (path.rfind(delivery::kResultsPrefix, 0) == 0 && shared_.results) {
        return new delivery::ResultsHandler(*shared_.results);
      }
    }
    return new PipelineHandler(shared_);
  }

 private:
  HandlerShared shared_;
};

}  // namespace mosaic::server
