#include "admin/admin_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <set>
#include <string>

#include "admin/bearer_token.hpp"
#include "admin/config_view.hpp"
#include "metrics/registry.hpp"
#include "mosaic/json_text.hpp"

namespace mosaic::admin {

namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

void send(HTTPServerRequest& request, HTTPServerResponse& response, int status,
          const std::string& content_type, const std::string& body) {
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType(content_type);
  response.set("Cache-Control", "no-store");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  if (request.getMethod() == "HEAD") {
    response.send();
  } else {
    response.sendBuffer(body.data(), body.size());
  }
}

void send_json(HTTPServerRequest& request, HTTPServerResponse& response, int status,
               const Json& body) {
  send(request, response, status, "application/json", to_json_text(body));
}

void send_error(HTTPServerRequest& request, HTTPServerResponse& response, int status,
                const std::string& error, const std::string& message) {
  send_json(request, response, status, json::object{{"error", error}, {"message", message}});
}

json::array diagnostics_json(const std::vector<config::Diagnostic>& errors) {
  json::array out;
  for (const auto& d : errors) {
    out.push_back(json::object{{"file", d.where.file},
                               {"line", d.where.line},
                               {"col", d.where.col},
                               {"message", d.message}});
  }
  return out;
}

Json readiness(const AdminHooks& hooks, bool& ready) {
  auto generation = hooks.generation();
  const bool loaded = generation != nullptr;
  std::set<std::string> wanted, have;
  if (generation) {
    for (const auto& d : generation->config.downstreams) wanted.insert(d.plugin);
  }
  json::array plugins;
  for (const auto& info : hooks.plugins()) {
    have.insert(info.name);
    plugins.push_back(
        json::object{{"name", info.name}, {"path", info.path}, {"sdk_version", info.sdk_version}});
  }
  bool plugins_loaded = loaded;
  for (const auto& name : wanted) plugins_loaded = plugins_loaded && have.count(name) > 0;
  const bool draining = hooks.draining();
  ready = loaded && plugins_loaded && !draining;
  json::object cache{{"backend", nullptr}, {"degraded", false}};
  if (hooks.cache) {
    // A degraded cache is reported, never a reason to take the instance out of rotation:
    // requests go on uncached.
    auto [backend, degraded] = hooks.cache();
    if (!backend.empty()) cache = {{"backend", backend}, {"degraded", degraded}};
  }
  return json::object{{"ready", ready},
                      {"cache", std::move(cache)},
                      {"generation", generation ? generation->number : 0},
                      {"checks", json::object{{"config_loaded", loaded},
                                              {"plugins_loaded", plugins_loaded},
                                              {"draining", draining}}},
                      {"plugins", std::move(plugins)}};
}

class AdminHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  AdminHandler(const config::AdminConfig& config, const AdminHooks& hooks)
      : config_(config), hooks_(hooks) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      handle(request, response);
    } catch (const std::exception& e) {
      if (!response.sent()) send_error(request, response, 500, "internal_error", e.what());
    }
  }

 private:
  void handle(HTTPServerRequest& request, HTTPServerResponse& response) {
    const std::string& uri = request.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = request.getMethod();
    const bool get = method == "GET" || method == "HEAD";

    if (path == "/healthz" || path == "/readyz") {
      if (!get) return method_not_allowed(request, response, "GET, HEAD");
      if (path == "/healthz")
        return send_json(request, response, 200, json::object{{"status", "alive"}});
      bool ready = false;
      Json body = readiness(hooks_, ready);
      return send_json(request, response, ready ? 200 : 503, body);
    }

    // The token is the running generation's, so a reload can rotate it.
    auto generation = hooks_.generation();
    const std::string token = generation ? generation->config.admin.token : config_.token;
    if (!authorized(request.get("Authorization", ""), token)) {
      response.set("WWW-Authenticate", "Bearer realm=\"mosaic-admin\"");
      return send_error(request, response, 401, "unauthorized",
                        "this admin path needs Authorization: Bearer <token> (admin.token_file)");
    }

    if (path == "/metrics") {
      if (!get) return method_not_allowed(request, response, "GET, HEAD");
      return send(request, response, 200, "text/plain; version=0.0.4; charset=utf-8",
                  metrics::Registry::global().render());
    }
    if (path == "/config" || path == "/pipelines") {
      if (!get) return method_not_allowed(request, response, "GET, HEAD");
      if (!generation)
        return send_error(request, response, 503, "not_loaded", "no config is loaded");
      return send_json(
          request, response, 200,
          path == "/config" ? effective_config(*generation) : pipelines_view(*generation));
    }
    if (path == "/reload") {
      if (method != "POST") return method_not_allowed(request, response, "POST");
      runtime::ReloadResult result = hooks_.reload();
      if (result.ok)
        return send_json(request, response, 200, json::object{{"generation", result.generation}});
      return send_json(request, response, 422,
                       json::object{{"error", "invalid_config"},
                                    {"generation", result.generation},
                                    {"errors", diagnostics_json(result.errors)}});
    }
    send_error(request, response, 404, "not_found",
               "admin paths: /healthz /readyz /metrics /config /pipelines, POST /reload");
  }

  void method_not_allowed(HTTPServerRequest& request, HTTPServerResponse& response,
                          const std::string& allow) {
    response.set("Allow", allow);
    send_error(request, response, 405, "method_not_allowed", "allowed: " + allow);
  }

  const config::AdminConfig& config_;
  const AdminHooks& hooks_;
};

class AdminHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  AdminHandlerFactory(const config::AdminConfig& config, const AdminHooks& hooks)
      : config_(config), hooks_(hooks) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new AdminHandler(config_, hooks_);
  }

 private:
  const config::AdminConfig& config_;
  const AdminHooks& hooks_;
};

}  // namespace

AdminServer::AdminServer(config::AdminConfig config, AdminHooks hooks)
    : config_(std::move(config)), hooks_(std::move(hooks)) {}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::start() {
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress(config_.listen.host, config_.listen.port), true);
  socket.listen(64);
  port_ = socket.address().port();

  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  params->setMaxQueued(64);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setTimeout(Poco::Timespan(10, 0));
  params->setServerName("mosaic-admin");
  pool_ = std::make_unique<Poco::ThreadPool>(1, 4, 60);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new AdminHandlerFactory(config_, hooks_),
                                                    *pool_, socket, params);
  server_->start();
}

void AdminServer::stop() {
  if (!server_) return;
  server_->stopAll(true);
  pool_->joinAll();
  server_.reset();
}

}  // namespace mosaic::admin
