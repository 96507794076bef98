#pragma once
// Turns a step's rendered `with:` ({method, path, query, headers, body}) into an HttpRequest.
// Request data can only ever fill values: the host comes from base_url, the path is checked,
// query keys and values are percent-encoded here, header values may not break a line.
#include <string>

#include "mosaic/sdk.hpp"

namespace mosaic_http {

// The method a `with:` asks for (GET when absent), or "" when it is not a string.
std::string method_of(const mosaic::Json& input);

// A request, or a kBadInput failure saying what is wrong.
mosaic::Outcome<mosaic::HttpRequest> build_request(const mosaic::Json& input,
                                                   const mosaic::HeaderList& static_headers);

// "?a=1&b=x%20y" for a `query:` object ("" when empty); arrays repeat the key, nulls are left out.
mosaic::Outcome<std::string> build_query(const mosaic::Json& query);

}  // namespace mosaic_http
