// admin: listen (loopback by default) and token_file (read at load, so a bad one is an error at
// its line).
#include <gtest/gtest.h>

#include "config/engine_config.hpp"
#include "config_test_support.hpp"

namespace mosaic::config {
namespace {

using testing::HasError;
using testing::TempDir;

TEST(AdminConfig, DefaultsToLoopbackWithoutAToken) {
  TempDir dir;
  const std::string path = dir.write("mosaic.yaml", "server: { listen: 0.0.0.0:8080 }\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(path, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->admin.listen.str(), "127.0.0.1:9901");
  EXPECT_TRUE(config->admin.token.empty());
}

TEST(AdminConfig, TheTokenFileIsReadRelativeToTheConfigAndTrimmed) {
  TempDir dir;
  dir.write("secrets/admin.token", "  0123456789abcdef-token\n\n");
  const std::string path = dir.write(
      "mosaic.yaml", "admin:\n  listen: 127.0.0.1:9999\n  token_file: secrets/admin.token\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(path, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->admin.token, "0123456789abcdef-token");
  EXPECT_EQ(config->admin.token_file, dir.path("secrets/admin.token"));
  EXPECT_EQ(config->admin.listen.port, 9999);
}

TEST(AdminConfig, AMissingShortOrSpacedTokenIsAnErrorAtItsLine) {
  TempDir dir;
  dir.write("short.token", "abc\n");
  dir.write("spaced.token", "0123456789 abcdef0123\n");
  for (const auto& [file, message] : std::vector<std::pair<std::string, std::string>>{
           {"missing.token", "cannot read token_file"},
           {"short.token", "must hold one token of at least 16 characters"},
           {"spaced.token", "must hold one token of at least 16 characters"}}) {
    const std::string path = dir.write("mosaic.yaml", "admin:\n  token_file: " + file + "\n");
    Diagnostics diagnostics;
    EXPECT_FALSE(load_engine_config(path, diagnostics));
    EXPECT_TRUE(HasError(diagnostics, path, 2, 15, message)) << file;
  }
}

TEST(AdminConfig, AnUnknownAdminKeyListsTheKnownOnes) {
  TempDir dir;
  const std::string path = dir.write("mosaic.yaml", "admin: { token: x }\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(path, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, path, 1, 10,
                       "unknown key 'token' in admin (expected one of: listen, token_file)"));
}

}  // namespace
}  // namespace mosaic::config
