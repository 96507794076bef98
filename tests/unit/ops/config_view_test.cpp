#include "admin/config_view.hpp"

#include <gtest/gtest.h>

namespace mosaic::admin {
namespace {

TEST(Redaction, SecretLookingKeysAreHiddenAtAnyDepth) {
  for (const char* key :
       {"token", "api_token", "client_secret", "password", "db_passwd", "key", "API-Key",
        "Authorization", "x-auth", "credentials", "Cookie", "private_pem"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
  for (const char* key : {"base_url", "latency", "max_connections", "headers", "timeout"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
  Json config = json::parse(
      R"({"base_url":"http://x","headers":{"Authorization":"Bearer t","X-Trace":"on"},)"
      R"("list":[{"password":"p","user":"u"}],"nested":{"deeper":{"secret":{"a":1}}}})");
  Json redacted = redact(config);
  EXPECT_EQ(json::serialize(redacted),
            R"({"base_url":"http://x","headers":{"Authorization":"***","X-Trace":"on"},)"
            R"("list":[{"password":"***","user":"u"}],"nested":{"deeper":{"secret":"***"}}})");
}

}  // namespace
}  // namespace mosaic::admin
