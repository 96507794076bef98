#include <gtest/gtest.h>

#include "runtime/reload.hpp"

namespace mosaic::runtime {
namespace {

TEST(ReloadCheck, ListenersAndTheirSettingsNeedARestart) {
  config::EngineConfig running;
  running.file = "mosaic.yaml";
  config::EngineConfig next = running;
  config::Diagnostics none;
  check_restart_only_settings(running, next, none);
  EXPECT_TRUE(none.ok());

  next.server.listen.port = 9090;
  next.server.threads = 8;
  next.server.queue = 10;
  next.server.header_timeout = std::chrono::milliseconds(1);
  next.server.keep_alive_timeout = std::chrono::milliseconds(2);
  next.server.max_active = 4;
  next.server.admission_wait = std::chrono::milliseconds(3);
  next.server.send_timeout = std::chrono::milliseconds(4);
  next.admin.listen.port = 1;
  config::Diagnostics all;
  check_restart_only_settings(running, next, all);
  ASSERT_EQ(all.items().size(), 9u);
  EXPECT_EQ(all.items()[0].str(),
            "mosaic.yaml: server.listen cannot change on reload (running: 127.0.0.1:8080, new: "
            "127.0.0.1:9090); "
            "restart mosaicd to apply it");
  EXPECT_NE(all.items()[3].message.find("server.max_active"), std::string::npos);
  EXPECT_NE(all.items()[4].message.find("server.admission_wait"), std::string::npos);
  EXPECT_NE(all.items()[7].message.find("server.send_timeout"), std::string::npos);
  EXPECT_NE(all.items()[8].message.find("admin.listen"), std::string::npos);
}

TEST(ReloadCheck, EverythingElseMayChange) {
  config::EngineConfig running;
  config::EngineConfig next = running;
  next.server.max_body = 1;
  next.server.drain_timeout = std::chrono::milliseconds(1);
  next.admin.token = "another-token-0123456789";
  next.plugin_paths = {"/elsewhere"};
  config::Diagnostics diagnostics;
  check_restart_only_settings(running, next, diagnostics);
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.str();
}

}  // namespace
}  // namespace mosaic::runtime
