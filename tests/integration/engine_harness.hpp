#pragma once
// Starts the whole engine in-process on a free loopback port from a config written to a temp
// folder, and talks to it over real sockets with Poco's HTTP client.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "mosaic/json.hpp"
#include "runtime/engine.hpp"

namespace mosaic::testing {

class TempFolder {
 public:
  // A new, empty folder every time (mkdtemp): a name made of the pid could be a folder a killed
  // earlier process with the same pid left behind, whose pipeline files the engine would load.
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mosaic-it-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  Json json() const { return json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline HttpReply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = {},
                           std::map<std::string, std::string> headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty()) {
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setContentType("application/json");
    session.sendRequest(request) << body;
  } else {
    session.sendRequest(request);
  }
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  for (const auto& [k, v] : response) reply.headers[k] = v;
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

// The engine with `downstreams_yaml` (the `downstreams:` mapping, indented by two) and the given
// pipeline files. The plugin search path is the build's plugin folder; the admin listener is on a
// free loopback port (`admin_yaml` replaces the whole `admin:` line; `server_yaml` the `server:`
// line, and may add other top-level sections such as `cache:`).
class EngineUnderTest {
 public:
  static constexpr const char* kServerYaml = "server: { listen: 127.0.0.1:0, threads: 32 }\n";
  EngineUnderTest(const std::string& downstreams_yaml,
                  const std::map<std::string, std::string>& pipelines,
                  const std::string& admin_yaml = "admin: { listen: 127.0.0.1:0 }\n",
                  const std::string& server_yaml = kServerYaml) {
    for (const auto& [name, text] : pipelines) folder_.write("pipelines/" + name, text);
    config_ = folder_.write("mosaic.yaml", config_text(downstreams_yaml, admin_yaml, server_yaml));
    config::Diagnostics diagnostics;
    runtime::EngineOptions options;
    options.log.off = true;
    engine_ = runtime::Engine::create(config_, diagnostics, options);
    if (!engine_) throw std::runtime_error("engine did not start:\n" + diagnostics.str());
    engine_->start();
  }
  static std::string config_text(const std::string& downstreams_yaml,
                                 const std::string& admin_yaml = "admin: { listen: 127.0.0.1:0 }\n",
                                 const std::string& server_yaml = kServerYaml) {
    return server_yaml + admin_yaml + "plugins: { paths: [" MOSAIC_PLUGIN_DIR "] }\n" +
           "downstreams:\n" + downstreams_yaml + "pipelines: [pipelines/*.yaml]\n";
  }
  std::uint16_t port() const { return engine_->port(); }
  std::uint16_t admin_port() const { return engine_->admin_port(); }
  HttpReply get(const std::string& target, std::map<std::string, std::string> headers = {}) const {
    return http_call(port(), "GET", target, {}, std::move(headers));
  }
  HttpReply admin(const std::string& method, const std::string& target,
                  std::map<std::string, std::string> headers = {}) const {
    return http_call(admin_port(), method, target, {}, std::move(headers));
  }
  // One sample of the admin listener's /metrics, named with its labels as the text writes them
  // (`mosaic_queue_wait_seconds_count{queue="admission"}`); nullopt when it is not there yet.
  std::optional<double> metric(const std::string& sample) const {
    const std::string text = admin("GET", "/metrics").body;
    const std::string line_start = "\n" + sample + " ";  // the sample, not its # HELP line
    const auto at = text.find(line_start);
    if (at == std::string::npos) return std::nullopt;
    return std::stod(text.substr(at + line_start.size()));
  }
  runtime::Engine& engine() { return *engine_; }
  const TempFolder& folder() const { return folder_; }
  const std::string& config_path() const { return config_; }

 private:
  TempFolder folder_;
  std::string config_;
  std::unique_ptr<runtime::Engine> engine_;
};

inline std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace mosaic::testing
