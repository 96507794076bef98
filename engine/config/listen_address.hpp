#pragma once
// "host:port" as written for `listen:`; the host is a name, an IPv4 address or a bracketed IPv6
// address ("[::1]:8080", stored without the brackets so it can be handed to a resolver).
#include <optional>
#include <string>
#include <string_view>

#include "config/engine_config.hpp"

namespace mosaic::config {

// The address, or nullopt with `error` saying what is wrong.
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& error);

}  // namespace mosaic::config
