#pragma once
// The admin listener's access check: `Authorization: Bearer <token>` against admin.token_file's
// token, compared in constant time so the answer's timing says nothing about how much matched.
#include <string_view>

namespace mosaic::admin {

// Equal contents, in time that depends only on the lengths.
bool constant_time_equals(std::string_view a, std::string_view b);

// True when no token is configured, or when `authorization` is "Bearer <token>" (the scheme is
// case-insensitive, as RFC 7235 says).
bool authorized(std::string_view authorization, std::string_view token);

}  // namespace mosaic::admin
