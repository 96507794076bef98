#include "ctl/watch.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <set>

#include "mosaic/json.hpp"
#include "mosaic/json_text.hpp"
#include "mosaic/units.hpp"

namespace mosaic::ctl {

const char* const kWatchUsage =
    "usage: mosaicctl watch [--url URL] [--timeout DURATION] REQUEST_ID...\n"
    "\n"
    "Connects to URL/_mosaic/ws (default http://127.0.0.1:8080), subscribes to the request ids\n"
    "(from a response's X-Request-Id) and prints each background result as one JSON line:\n"
    "  {\"request_id\", \"step\", \"status\": \"ok\"|\"failed\"|\"shed\", \"value\"|\"reason\"}\n"
    "then {\"request_id\", \"status\": \"done\"} per request. Stops when every request is done.\n"
    "\n"
    "exit codes: 0 all done, 1 unknown id, connection lost or --timeout (default 60s) passed,\n"
    "2 usage error.\n";

int watch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string url = "http://127.0.0.1:8080";
  std::chrono::milliseconds timeout{60000};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out << kWatchUsage;
      return 0;
    }
    if ((arg == "--url" || arg == "--timeout") && i + 1 < args.size()) {
      const std::string& value = args[++i];
      if (arg == "--url") {
        url = value;
      } else if (auto d = parse_duration(value)) {
        timeout = *d;
      } else {
        err << "mosaicctl watch: --timeout takes a duration such as 30s\n";
        return 2;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      err << "mosaicctl watch: unknown option '" << arg << "'\n" << kWatchUsage;
      return 2;
    } else {
      ids.push_back(arg);
    }
  }
  if (ids.empty()) {
    err << kWatchUsage;
    return 2;
  }
  try {
    Poco::URI uri(url);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/_mosaic/ws",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse response;
    Poco::Net::WebSocket socket(session, request, response);
    json::array list;
    for (const auto& id : ids) list.emplace_back(id);
    const std::string subscribe = to_json_text(json::object{{"subscribe", std::move(list)}});
    socket.sendFrame(subscribe.data(), static_cast<int>(subscribe.size()),
                     Poco::Net::WebSocket::FRAME_TEXT);

    std::set<std::string> waiting(ids.begin(), ids.end());
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::string buffer(1 << 20, '\0');
    while (!waiting.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        err << "mosaicctl watch: timed out waiting for " << waiting.size() << " request(s)\n";
        return 1;
      }
      socket.setReceiveTimeout(Poco::Timespan(left.count()));
      int flags = 0;
      const int n = socket.receiveFrame(buffer.data(), static_cast<int>(buffer.size()), flags);
      if (n <= 0 || (flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) ==
                        Poco::Net::WebSocket::FRAME_OP_CLOSE) {
        err << "mosaicctl watch: the server closed the connection\n";
        return 1;
      }
      const std::string text(buffer.data(), static_cast<std::size_t>(n));
      out << text << "\n" << std::flush;
      boost::system::error_code ec;
      Json message = json::parse(text, ec);
      if (ec || !message.is_object()) continue;
      const auto& m = message.as_object();
      const auto* id = m.if_contains("request_id");
      if (!id || !id->is_string()) continue;
      const std::string rid(id->as_string());
      if (m.contains("error")) {
        err << "mosaicctl watch: no results for " << rid << " (unknown or expired)\n";
        return 1;
      }
      if (const auto* status = m.if_contains("status"); status && *status == "done")
        waiting.erase(rid);
    }
    return 0;
  } catch (const Poco::Exception& e) {
    err << "mosaicctl watch: " << url << ": " << e.displayText() << "\n";
    return 1;
  }
}

}  // namespace mosaic::ctl
