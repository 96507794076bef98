#include "delivery/results_handler.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "mosaic/json_text.hpp"
#include "response/error_body.hpp"
#include "server/request_id.hpp"

namespace mosaic::delivery {

void ResultsHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  // A copy: without the header, Poco returns a reference to its default argument, a temporary
  // gone at the end of this line.
  const std::string offered = request.get("X-Request-Id", "");
  const std::string own_id =
      server::is_valid_request_id(offered) ? offered : server::generate_request_id();
  const std::string path = request.getURI().substr(0, request.getURI().find('?'));
  const std::string wanted = path.substr(std::min(path.size(), kResultsPrefix.size()));

  int status = 200;
  std::string body;
  if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
    status = 405;
    response.set("Allow", "GET, HEAD");
    body = response::serialize_error(
        {405, "method_not_allowed", "results are read with GET", {}, {}}, own_id);
  } else if (auto snapshot =
                 server::is_valid_request_id(wanted) ? store_.snapshot(wanted) : std::nullopt) {
    body = to_json_text(*snapshot);
  } else {
    status = 404;
    body = response::serialize_error(
        {404, "not_found", "no results for this request id (unknown or expired)", {}, {}}, own_id);
  }
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.set("X-Request-Id", own_id);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  if (request.getMethod() == "HEAD") {
    response.send();
  } else {
    response.sendBuffer(body.data(), body.size());
  }
}

}  // namespace mosaic::delivery
