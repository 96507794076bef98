#pragma once
// The engine's pooled HTTP/1.1 client, offered to every plugin. It keeps a keep-alive pool per
// downstream, stops a call for real when its deadline passes or it is cancelled (the socket is
// shut down and never reused), and tells the downstream how long the caller will wait.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mosaic/call_context.hpp"
#include "mosaic/outcome.hpp"

namespace mosaic {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already percent-encoded
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  HeaderList headers;
  std::string body;
};

// TLS for an https:// base_url. Certificate and host name are verified by default against the
// system's CA store; files are PEM, read when the client is built (a renewed file needs a new
// client: a config reload).
struct HttpTlsOptions {
  std::string ca_file;    // trust these CAs instead of the system store
  std::string cert_file;  // client certificate (mutual TLS), with key_file
  std::string key_file;
  std::string server_name;  // SNI and the name the certificate must carry; default: the URL's host
  bool verify = true;       // false: any certificate is accepted (the engine warns at load)
};

struct HttpClientOptions {
  std::string base_url;  // scheme://host:port[/prefix]; only from config, never from a request
  std::size_t max_connections = 50;
  std::size_t max_idle = 50;
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds connect_timeout{200};
  std::size_t max_response = 8u << 20;
  // Sent on every call with the milliseconds the caller will still wait. Empty: not sent.
  std::string deadline_header = "X-Request-Timeout-Ms";
  HttpTlsOptions tls;  // ABI 3; used only for https://
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` to base_url + request.target. Adds X-Request-Id and the deadline header.
  // A status is not a failure here: the caller decides what a status means.
  virtual Outcome<HttpResponse> send(const HttpRequest& request, CallContext& context) = 0;
};

}  // namespace mosaic
