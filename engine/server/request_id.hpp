#pragma once
// Request ids: a client's X-Request-Id is kept when it is 1..128 characters of [A-Za-z0-9._-];
// otherwise (or when absent) a new one is made from 128 random bits, so generated ids cannot be
// guessed by another client.
#include <string>
#include <string_view>

namespace mosaic::server {

bool is_valid_request_id(std::string_view id);
std::string generate_request_id();  // 32 lower-case hex characters

}  // namespace mosaic::server
