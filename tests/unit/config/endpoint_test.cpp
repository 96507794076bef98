#include "config/endpoint.hpp"

#include <gtest/gtest.h>

namespace mosaic::config {
namespace {

TEST(Endpoint, KeepsMethodAndPathAsWritten) {
  auto spec = parse_endpoint("GET /dashboard/{userId}/orders");
  EXPECT_EQ(spec.error, "");
  EXPECT_EQ(spec.method, "GET");
  EXPECT_EQ(spec.path, "/dashboard/{userId}/orders");
}

TEST(Endpoint, AcceptsEveryMethodAndTheRootPath) {
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    EXPECT_EQ(parse_endpoint(std::string(method) + " /").error, "") << method;
  }
  EXPECT_EQ(parse_endpoint("GET /a/{b}/c/{d_e-f}").error, "");
}

TEST(Endpoint, RejectsBadMethodsPathsAndParameters) {
  struct Case {
    const char* text;
    const char* error_part;
  };
  const Case cases[] = {
      {"GET", "expected 'METHOD /path'"},
      {"GTE /x", "unknown method 'GTE'"},
      {"get /x", "unknown method 'get'"},
      {"GET x", "must start with '/'"},
      {"GET  /x", "must start with '/'"},
      {"GET /a b", "must not contain spaces"},
      {"GET /a?b=1", "query string"},
      {"GET /a//b", "empty path segment"},
      {"GET /a/", "trailing '/'"},
      {"GET /a/x{id}", "whole path segment"},
      {"GET /a/{id}x", "whole path segment"},
      {"GET /a/{id", "whole path segment"},
      {"GET /a/id}", "whole path segment"},
      {"GET /a/{{id}}", "whole path segment"},
      {"GET /a/{}", "bad path parameter name ''"},
      {"GET /a/{1d}", "bad path parameter name '1d'"},
      {"GET /a/{id}/b/{id}", "duplicate path parameter 'id'"},
  };
  for (const auto& c : cases) {
    auto spec = parse_endpoint(c.text);
    EXPECT_NE(spec.error.find(c.error_part), std::string::npos) << c.text << " -> " << spec.error;
  }
}

}  // namespace
}  // namespace mosaic::config
