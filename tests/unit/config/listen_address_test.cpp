#include "config/listen_address.hpp"

#include <gtest/gtest.h>

namespace mosaic::config {
namespace {

TEST(ListenAddress, AcceptsIpv4NameAndBracketedIpv6) {
  std::string error;
  auto v4 = parse_listen_address("0.0.0.0:8080", error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->host, "0.0.0.0");
  EXPECT_EQ(v4->port, 8080);

  auto name = parse_listen_address("api-1.internal:65535", error);
  ASSERT_TRUE(name) << error;
  EXPECT_EQ(name->host, "api-1.internal");
  EXPECT_EQ(name->port, 65535);

  auto v6 = parse_listen_address("[::1]:9901", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "::1");  // without brackets, ready for a resolver
  EXPECT_EQ(v6->str(), "[::1]:9901");
}

TEST(ListenAddress, PortZeroMeansEphemeral) {
  std::string error;
  auto address = parse_listen_address("127.0.0.1:0", error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->port, 0);
}

TEST(ListenAddress, RejectsMalformedAddresses) {
  struct Case {
    const char* text;
    const char* error_part;
  };
  const Case cases[] = {
      {"127.0.0.1", "expected host:port"},
      {"127.0.0.1:", "port must be a number from 0 to 65535"},
      {"127.0.0.1:65536", "port must be a number from 0 to 65535"},
      {"127.0.0.1:-1", "port must be a number from 0 to 65535"},
      {"127.0.0.1:80x", "port must be a number from 0 to 65535"},
      {":8080", "missing host"},
      {"300.1.1.1:80", "neither an IPv4 address nor a host name"},
      {"bad_host!:80", "neither an IPv4 address nor a host name"},
      {"-lead.example:80", "neither an IPv4 address nor a host name"},
      {"::1:80", "must be in brackets"},
      {"[::1]80", "expected [ipv6]:port"},
      {"[nope]:80", "not an IPv6 address"},
      {"", "expected host:port"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_listen_address(c.text, error)) << c.text;
    EXPECT_NE(error.find(c.error_part), std::string::npos) << c.text << " -> " << error;
  }
}

}  // namespace
}  // namespace mosaic::config
