#pragma once
// GET /_mosaic/results/{requestId}: what the background steps of a request produced so far and
// what is still pending; 404 for an unknown or expired id.
#include <Poco/Net/HTTPRequestHandler.h>

#include "delivery/result_store.hpp"

namespace mosaic::delivery {

inline constexpr std::string_view kResultsPrefix = "/_mosaic/results/";
inline constexpr std::string_view kWebSocketPath = "/_mosaic/ws";
inline constexpr std::string_view kReservedPrefix = "/_mosaic/";

class ResultsHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ResultsHandler(ResultStore& store) : store_(store) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  ResultStore& store_;
};

}  // namespace mosaic::delivery
