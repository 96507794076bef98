// Ops tell mosaicd's threads apart by name (`top -H -p $(pidof mosaicd)`, `ps -L`, perf): the
// public server's threads are "connection", the step pool's "steps", the deadline timer's
// "deadlines" (docs/architecture.md, "Threads").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "engine_harness.hpp"

namespace mosaic::testing {
namespace {

std::multiset<std::string> thread_names() {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

TEST(ThreadNames, TheEnginesThreadsAreNamedAfterWhatTheyDo) {
  EngineUnderTest engine(
      "  svc:\n    plugin: mock\n    timeout: 500ms\n    config: { latency: 1ms }\n",
      {{"pair.yaml",
        "endpoint: GET /pair\n"
        "steps:\n"
        "  a: { call: svc, with: { body: 1 } }\n"
        "  b: { call: svc, with: { body: 2 } }\n"}});
  // Two parallel calls to a downstream that may overstay its deadline: both go to the step pool.
  ASSERT_EQ(engine.get("/pair").status, 200);
  ASSERT_EQ(engine.get("/pair").status, 200);  // a second connection: the name stays one
  const auto names = thread_names();
  EXPECT_GE(names.count("connection"), 1u);
  EXPECT_GE(names.count("steps"), 1u);
  EXPECT_EQ(names.count("deadlines"), 1u);
}

}  // namespace
}  // namespace mosaic::testing
