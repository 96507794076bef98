#include "server/pipeline_handler.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <algorithm>
#include <chrono>
#include <istream>
#include <memory>

#include "logging/context_logger.hpp"
#include "metrics/series.hpp"
#include "response/error_body.hpp"
#include "server/access_log_line.hpp"
#include "server/connection_wait.hpp"
#include "server/one_write_response.hpp"
#include "server/query_string.hpp"
#include "server/request_id.hpp"
#include "trace/trace_context.hpp"

namespace mosaic::server {

namespace {

using Poco::Net::HTTPResponse;
using response::ErrorBody;

void send_json(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               int status, const std::string& request_id, const std::string& body) {
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.set("X-Request-Id", request_id);
  if (request.getMethod() == "HEAD") {
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send();
  } else {
    response.sendBuffer(body.data(), body.size());  // sets the length itself
  }
}

// A page. With large results spliced in, its pieces go out in one gather write on the
// listener's own connections; elsewhere (the handler tested alone) as one buffer.
void send_answer(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                 const std::string& request_id, const response::AnswerText& answer) {
  auto* one_write = dynamic_cast<OneWriteResponse*>(&response);
  if (answer.splices() == 0 || one_write == nullptr) {
    return send_json(request, response, 200, request_id,
                     answer.splices() == 0 ? answer.own() : answer.whole());
  }
  response.setStatusAndReason(HTTPResponse::HTTP_OK);
  response.setContentType("application/json");
  response.set("X-Request-Id", request_id);
  one_write->send_pieces(answer.pieces());
}

void send_error(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                const std::string& request_id, ErrorBody error) {
  send_json(request, response, error.status, request_id,
            response::serialize_error(error, request_id));
}

// Reads at most `limit` bytes; false when the body is larger (the rest is not read).
bool read_body(Poco::Net::HTTPServerRequest& request, std::uint64_t limit, std::string& body) {
  const bool chunked = request.getChunkedTransferEncoding();
  // No body: no stream set up to say so.
  if (!chunked && (!request.hasContentLength() || request.getContentLength64() == 0)) return true;
  std::istream& in = request.stream();
  if (!chunked) {
    const auto length = static_cast<std::uint64_t>(request.getContentLength64());
    if (length > limit) return false;
    body.resize(length);
    in.read(body.data(), static_cast<std::streamsize>(length));
    body.resize(static_cast<std::size_t>(in.gcount()));
    return true;
  }
  char buffer[8192];
  while (in) {
    in.read(buffer, sizeof buffer);
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (body.size() > limit) return false;
  }
  return true;
}

// Counts the request under its pipeline (or "unmatched") with the status it was answered with,
// whichever way handleRequest leaves. It shares ownership of the pipeline's series: it records
// after the request has let go of its generation, which a reload may have made the last owner.
class RequestRecord {
 public:
  explicit RequestRecord(Poco::Net::HTTPServerResponse& response) : response_(response) {}
  ~RequestRecord() {
    (owned_ ? *owned_ : metrics::PipelineSeries::unmatched())
        .record(static_cast<int>(response_.getStatus()),
                std::chrono::steady_clock::now() - started_);
  }
  void set_series(std::shared_ptr<metrics::PipelineSeries> series) {
    if (series) owned_ = std::move(series);
  }

 private:
  Poco::Net::HTTPServerResponse& response_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::shared_ptr<metrics::PipelineSeries> owned_;  // null: unmatched
};

}  // namespace

void PipelineHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                    Poco::Net::HTTPServerResponse& response) {
  RequestRecord record(response);
  // A copy: without the header, Poco returns a reference to its default argument, a temporary
  // gone at the end of this line.
  const std::string offered = request.get("X-Request-Id", "");
  const std::string request_id = is_valid_request_id(offered) ? offered : generate_request_id();

  auto generation = shared_.generation();
  const std::string& uri = request.getURI();
  const std::size_t question = uri.find('?');
  const std::string_view path = std::string_view(uri).substr(0, question);
  const std::string_view raw_query = question == std::string::npos
                                         ? std::string_view()
                                         : std::string_view(uri).substr(question + 1);
  AccessLogLine access(shared_.log, response, request_id, request.getMethod(), std::string(path));
  ConnectionWait::instance()->first_request(request);
  trace::TraceContext trace =
      trace::continue_or_start(request.get("traceparent", ""), request.get("tracestate", ""));
  access.set_trace_id(trace.trace_id);

  routing::RouteMatch match = generation->router.match(request.getMethod(), path);
  switch (match.status) {
    case routing::RouteMatch::Status::kNotFound:
      return send_error(request, response, request_id,
                        {404, "not_found", "no endpoint matches this path", {}, {}});
    case routing::RouteMatch::Status::kMethodNotAllowed:
      response.set("Allow", match.allowed);
      return send_error(
          request, response, request_id,
          {405, "method_not_allowed", "the endpoint does not accept this method", {}, {}});
    case routing::RouteMatch::Status::kBadPath:
      return send_error(
          request, response, request_id,
          {400, "bad_request", "malformed percent-encoding (or not UTF-8) in the path", {}, {}});
    case routing::RouteMatch::Status::kFound:
      break;
  }
  record.set_series(match.pipeline->series);

  exec::RequestInput input;
  input.request_id = request_id;
  input.client_supplied_id = request_id == offered;
  input.log_scope = access.scope(match.pipeline->endpoint());
  input.trace = std::move(trace);
  input.params = std::move(match.params);
  auto query = parse_query(raw_query);
  if (!query) {
    return send_error(
        request, response, request_id,
        {400, "bad_request", "malformed percent-encoding (or not UTF-8) in the query", {}, {}});
  }
  input.query = std::move(*query);

  std::string body;
  if (!read_body(request, generation->config.server.max_body, body)) {
    response.setKeepAlive(false);  // the unread rest of the body makes the connection unusable
    return send_error(
        request, response, request_id,
        {413, "payload_too_large", "the request body exceeds server.max_body", {}, {}});
  }
  if (!body.empty()) {
    boost::system::error_code ec;
    Json parsed = json::parse(body, ec);
    if (ec) {
      return send_error(request, response, request_id,
                        {400, "bad_request", "the request body is not valid JSON", {}, {}});
    }
    if (!all_numbers_finite(parsed)) {
      return send_error(request, response, request_id,
                        {400,
                         "bad_request",
                         "a number in the request body is beyond the range of a double",
                         {},
                         {}});
    }
    input.body = std::move(parsed);
  }
  input.headers.reserve(request.size());
  for (const auto& [name, value] : request) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    input.headers.emplace_back(std::move(lower), value);
  }

  // The pipeline pointer shares ownership of its generation: steps still running after the
  // response (background ones) keep the whole configuration they started with alive.
  std::shared_ptr<const pipeline::CompiledPipeline> pipeline(generation, match.pipeline);
  // server.max_active: wait for a turn, at most admission_wait and never past the deadline, which
  // counts from here. The turn is held while the pipeline runs, not while the answer is sent.
  AdmissionGate::Turn turn;
  if (shared_.admission) {
    const auto now = std::chrono::steady_clock::now();
    input.deadline_from = now;
    turn = shared_.admission->enter(
        now + std::min(shared_.config.admission_wait, match.pipeline->deadline));
    if (!turn) {
      return send_error(request, response, request_id,
                        {503,
                         "overloaded",
                         "server.max_active requests were running and none finished in time",
                         {},
                         {}});
    }
  }
  exec::ExecutionResult result = shared_.executor->run(std::move(pipeline), std::move(input));
  turn = AdmissionGate::Turn();

  switch (result.status) {
    case exec::ExecutionResult::Status::kOk:
      if (result.partial) response.set("X-Mosaic-Partial", "true");
      access.set_degraded(result.degraded_steps);
      return send_answer(request, response, request_id, result.answer);
    case exec::ExecutionResult::Status::kDependencyFailed:
      return send_error(request, response, request_id,
                        {502, "dependency_failed", "a critical dependency failed",
                         result.failed_step, result.reason});
    case exec::ExecutionResult::Status::kDeadlineExceeded:
      return send_error(request, response, request_id,
                        {504, "deadline_exceeded", "the request deadline passed",
                         result.failed_step, result.reason});
    case exec::ExecutionResult::Status::kOverloaded:
      return send_error(request, response, request_id,
                        {503, "overloaded", "the server is overloaded", {}, {}});
  }
}

}  // namespace mosaic::server
