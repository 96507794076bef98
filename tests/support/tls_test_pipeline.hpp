#pragma once
// What the TLS integration tests share: a pipeline whose one critical step calls the https
// downstream `svc`, that downstream's YAML, and an HTTPS GET of that pipeline from the engine's
// listener that reports the certificate it was shown.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/StreamCopier.h>

#include <cstdint>
#include <map>
#include <string>

namespace mosaic::testing {

// GET /secure -> the step `a`: svc's answer at /json.
inline const std::map<std::string, std::string> kSecurePipeline = {
    {"p.yaml",
     "endpoint: GET /secure\nsteps:\n  a: { call: svc, class: critical, with: { path: \"/json\" } "
     "}\n"}};

// The `downstreams:` entry for svc: the http plugin at `base_url`, trusting `ca_file`.
inline std::string https_downstream(const std::string& base_url, const std::string& ca_file) {
  return "  svc:\n    plugin: http\n    config:\n      base_url: \"" + base_url +
         "\"\n      tls: { ca_file: \"" + ca_file + "\" }\n";
}

struct HttpsReply {
  int status = 0;
  std::string body;
  std::string common_name;  // of the certificate the server showed
  std::string serial;
};

// GET /secure on a new connection to 127.0.0.1:`port` (a new context: no session to resume).
// With `ca_file`, the certificate is verified against it and a refusal throws; without, any
// certificate is accepted and inspected.
inline HttpsReply fetch_over_tls(std::uint16_t port, const std::string& ca_file = {}) {
  Poco::Net::Context::Ptr context = new Poco::Net::Context(
      Poco::Net::Context::TLS_CLIENT_USE, ca_file,
      ca_file.empty() ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED);
  Poco::Net::HTTPSClientSession session("127.0.0.1", port, context);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("GET", "/secure", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  HttpsReply reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
  reply.status = static_cast<int>(response.getStatus());
  const Poco::Net::X509Certificate cert = session.serverCertificate();
  reply.common_name = cert.commonName();
  reply.serial = cert.serialNumber();
  return reply;
}

}  // namespace mosaic::testing
