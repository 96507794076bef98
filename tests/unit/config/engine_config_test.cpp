// load_engine_config: mosaic.yaml's fields and defaults, globs, and where each error is reported.
#include "config/engine_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "config_test_support.hpp"

namespace mosaic::config {
namespace {

using namespace std::chrono_literals;
using testing::HasError;
using testing::TempDir;

constexpr const char* kPipeline = "endpoint: GET /{name}\nsteps: { a: { call: users } }\n";

constexpr const char* kFull = R"(server:
  listen: 0.0.0.0:0
  threads: 8
  queue: 32
  max_body: 64KiB
  header_timeout: 2s
  keep_alive_timeout: 1m
  drain_timeout: 0ms
  max_active: 16
  admission_wait: 250ms
  send_timeout: 45s
admin: { listen: "[::1]:9901" }
plugins: { paths: [plugins] }
downstreams:
  users:
    plugin: http
    timeout: 800ms
    config: { base_url: "http://127.0.0.1:18080", max_connections: 50 }
  catalog:
    plugin: mock
pipelines: [pipelines/*.yaml]
)";

TEST(EngineConfig, LoadsEveryField) {
  TempDir dir;
  dir.mkdir("plugins");
  const std::string b = dir.write("pipelines/b.yaml", kPipeline);
  const std::string a = dir.write("pipelines/a.yaml", kPipeline);
  dir.write("pipelines/notes.txt", "not a pipeline");
  const std::string file = dir.write("mosaic.yaml", kFull);

  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_TRUE(diagnostics.ok());
  EXPECT_EQ(config->file, file);

  const ServerConfig& server = config->server;
  EXPECT_EQ(server.listen.host, "0.0.0.0");
  EXPECT_EQ(server.listen.port, 0);
  EXPECT_EQ(server.threads, 8);
  EXPECT_EQ(server.queue, 32);
  EXPECT_EQ(server.max_body, 64u * 1024u);
  EXPECT_EQ(server.header_timeout, 2s);
  EXPECT_EQ(server.keep_alive_timeout, 1min);
  EXPECT_EQ(server.drain_timeout, 0ms);
  EXPECT_EQ(server.max_active, 16);
  EXPECT_EQ(server.admission_wait, 250ms);
  EXPECT_EQ(server.send_timeout, 45s);

  EXPECT_EQ(config->admin.listen.host, "::1");
  EXPECT_EQ(config->admin.listen.port, 9901);

  EXPECT_EQ(config->plugin_paths, std::vector<std::string>{dir.path("plugins")});
  EXPECT_EQ(config->plugins_where.str(), file + ":13:19");

  ASSERT_EQ(config->downstreams.size(), 2u);
  const DownstreamConfig& users = config->downstreams[0];
  EXPECT_EQ(users.name, "users");
  EXPECT_EQ(users.where.str(), file + ":15:3");
  EXPECT_EQ(users.plugin, "http");
  EXPECT_EQ(users.plugin_where.str(), file + ":16:13");
  EXPECT_EQ(users.timeout, 800ms);
  EXPECT_EQ(users.file, file);
  ASSERT_TRUE(users.config.is_object());
  EXPECT_EQ(users.config.at("base_url").as_string(), "http://127.0.0.1:18080");
  EXPECT_EQ(users.config.at("max_connections").to_number<int>(), 50);
  const YAML::Node& node = users.config_node;
  ASSERT_TRUE(node.IsMap());
  EXPECT_EQ(SourceLocation::of(file, node["max_connections"]).str(), file + ":18:68");

  const DownstreamConfig& catalog = config->downstreams[1];
  EXPECT_EQ(catalog.name, "catalog");
  EXPECT_EQ(catalog.plugin, "mock");
  EXPECT_EQ(catalog.timeout, 1000ms);
  EXPECT_TRUE(catalog.config.is_null());

  ASSERT_EQ(config->pipelines.size(), 2u);
  EXPECT_EQ(config->pipelines[0].file, a);  // sorted, whatever order glob or the disk gives
  EXPECT_EQ(config->pipelines[1].file, b);
  EXPECT_EQ(config->pipelines[0].path, "/{name}");
  EXPECT_EQ(config->pipelines_where.str(), file + ":21:12");
}

TEST(EngineConfig, DefaultsForAnEmptyFile) {
  TempDir dir;
  for (const char* text : {"", "server:\nadmin:\ndownstreams:\npipelines:\n"}) {
    const std::string file = dir.write("mosaic.yaml", text);
    Diagnostics diagnostics;
    auto config = load_engine_config(file, diagnostics);
    ASSERT_TRUE(config) << diagnostics.str();
    EXPECT_EQ(config->server.listen.str(), "127.0.0.1:8080");
    EXPECT_EQ(config->server.threads, 64);
    EXPECT_EQ(config->server.queue, 256);
    EXPECT_EQ(config->server.max_body, 1024u * 1024u);
    EXPECT_EQ(config->server.header_timeout, 10s);
    EXPECT_EQ(config->server.keep_alive_timeout, 15s);
    EXPECT_EQ(config->server.drain_timeout, 10s);
    EXPECT_EQ(config->server.max_active, 0);  // no limit
    EXPECT_EQ(config->server.admission_wait, 1s);
    EXPECT_EQ(config->server.send_timeout, 30s);
    EXPECT_EQ(config->admin.listen.str(), "127.0.0.1:9901");
    EXPECT_TRUE(config->plugin_paths.empty());
    EXPECT_TRUE(config->downstreams.empty());
    EXPECT_TRUE(config->pipelines.empty());
  }
}

TEST(EngineConfig, UnknownKeysAtEachLevel) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(server: { listen: 127.0.0.1:0, thread: 4 }
admin: { port: 9901 }
plugins: { path: [x] }
downstreams:
  users: { plugin: http, timeot: 5ms }
cache: { size: 1MiB }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 5u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(),
            file +
                ":1:32: unknown key 'thread' in server (expected one of: listen, threads, "
                "queue, max_body, header_timeout, keep_alive_timeout, send_timeout, drain_timeout, "
                "max_active, admission_wait, tls)");
  EXPECT_TRUE(HasError(diagnostics, file, 2, 10, "unknown key 'port' in admin"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 12, "unknown key 'path' in plugins"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 26, "unknown key 'timeot' in downstream 'users'"));
  EXPECT_EQ(diagnostics.items()[4].str(),
            file +
                ":6:10: unknown key 'size' in cache (expected one of: backend, max_bytes, servers, "
                "timeout, prefix)");
}

TEST(EngineConfig, BadServerValues) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(server:
  listen: localhost
  threads: 0
  queue: 70000
  max_body: 1MB
  header_timeout: 10
  keep_alive_timeout: soon
  drain_timeout: -1s
  send_timeout: 0s
admin:
  listen: 127.0.0.1:99999
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 9u) << diagnostics.str();
  EXPECT_TRUE(
      HasError(diagnostics, file, 2, 11, "bad address 'localhost' for listen: expected host:port"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 12, "threads must be an integer from 1 to 4096"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 10, "queue must be an integer from 1 to 65536"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 13,
                       "bad size '1MB' for max_body: expected bytes or a size such as 64KiB"));
  EXPECT_EQ(diagnostics.items()[4].str(),
            file +
                ":6:19: bad duration '10' for header_timeout: expected a duration such as "
                "250ms, 2s or 1m (a bare number has no unit)");
  EXPECT_TRUE(HasError(diagnostics, file, 7, 23, "bad duration 'soon' for keep_alive_timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 8, 18, "bad duration '-1s' for drain_timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 9, 17, "send_timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 11, 11, "port must be a number from 0 to 65535"));
}

TEST(EngineConfig, BadAdmissionValues) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(server:
  max_active: -1
  admission_wait: 0ms
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 2u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 2, 15, "max_active must be an integer from 0 to 65536"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 19, "admission_wait"));
}

TEST(EngineConfig, ThreadAndQueueBounds) {
  TempDir dir;
  struct Case {
    const char* threads;
    bool ok;
  };
  const Case cases[] = {{"1", true},    {"4096", true},  {"4097", false}, {"-1", false},
                        {"1.5", false}, {"many", false}, {"[4]", false}};
  for (const auto& c : cases) {
    const std::string file =
        dir.write("mosaic.yaml", std::string("server:\n  threads: ") + c.threads + "\n");
    Diagnostics diagnostics;
    auto config = load_engine_config(file, diagnostics);
    EXPECT_EQ(config.has_value(), c.ok) << c.threads << ": " << diagnostics.str();
    if (!c.ok) {
      EXPECT_TRUE(HasError(diagnostics, file, 2, 12, "threads must be an integer")) << c.threads;
    }
  }
  const std::string file = dir.write("mosaic.yaml", "server: { queue: 65536 }\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->server.queue, 65536);
}

TEST(EngineConfig, BadDownstreams) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(downstreams:
  9users: { plugin: http }
  orders: { timeout: 50ms }
  catalog: { plugin: "mock plugin" }
  slow: { plugin: http, timeout: 11m }
  fast: { plugin: http, timeout: 0s }
  bare: { plugin: http, timeout: 800 }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 6u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 2, 3, "bad downstream name '9users'"));
  EXPECT_TRUE(
      HasError(diagnostics, file, 3, 3, "missing required key 'plugin' in downstream 'orders'"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 22, "bad name 'mock plugin' for plugin"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 34, "timeout must be at most 600000ms"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 34, "timeout must be greater than 0"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 34, "expected a duration such as 250ms, 2s or 1m"));
}

TEST(EngineConfig, DuplicateKeys) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", R"(server:
  threads: 4
  threads: 8
downstreams:
  users: { plugin: http }
  users: { plugin: mock }
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 2u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(),
            file + ":3:3: duplicate key 'threads' in server (first at line 2)");
  EXPECT_EQ(diagnostics.items()[1].str(),
            file + ":6:3: duplicate key 'users' in downstreams (first at line 5)");
}

TEST(EngineConfig, SyntaxErrorHasItsPosition) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", "server:\n  threads: 4\n  queue: 8: 9\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
  EXPECT_EQ(diagnostics.items()[0].str(), file + ":3:11: YAML syntax error: illegal map value");
}

TEST(EngineConfig, MissingFileNamesTheFile) {
  TempDir dir;
  const std::string file = dir.path("nowhere/mosaic.yaml");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].str(), file + ": cannot read file: No such file or directory");
}

TEST(EngineConfig, GlobMatchingNothingIsAnErrorAtThePattern) {
  TempDir dir;
  dir.write("pipelines/a.yaml", kPipeline);
  const std::string file = dir.write("mosaic.yaml", R"(pipelines:
  - pipelines/*.yaml
  - missing/*.yaml
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u) << diagnostics.str();
  const std::string base = std::filesystem::path(file).parent_path().string();
  EXPECT_EQ(diagnostics.items()[0].str(),
            file + ":3:5: no file matches 'missing/*.yaml' (relative to " + base + ")");
}

TEST(EngineConfig, PluginPathsKeepTheirOrderAndMayNotExistYet) {
  TempDir dir;
  dir.write("pipelines/a.yaml", kPipeline);
  const std::string file =
      dir.write("mosaic.yaml", R"(plugins: { paths: [zeta, /opt/absent, alpha] }
pipelines: [pipelines/*.yaml]
)");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->plugin_paths,
            (std::vector<std::string>{dir.path("zeta"), "/opt/absent", dir.path("alpha")}));
}

TEST(EngineConfig, GlobsAreDeduplicatedAndAbsolutePathsKept) {
  TempDir dir;
  TempDir elsewhere;
  const std::string a = dir.write("pipelines/a.yaml", kPipeline);
  const std::string other = elsewhere.write("other.yaml", kPipeline);
  const std::string file =
      dir.write("mosaic.yaml", "pipelines: [pipelines/*.yaml, pipelines/a.yaml, " + other + "]\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  std::vector<std::string> files;
  for (const auto& p : config->pipelines) files.push_back(p.file);
  std::vector<std::string> expected{a, other};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(files, expected);
}

TEST(EngineConfig, PipelinesMayBeOneString) {
  TempDir dir;
  dir.write("pipelines/a.yaml", kPipeline);
  const std::string file = dir.write("mosaic.yaml", "pipelines: pipelines/a.yaml\n");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  ASSERT_EQ(config->pipelines.size(), 1u);
  EXPECT_EQ(config->pipelines_where.str(), file + ":1:12");
}

TEST(EngineConfig, PathsAreRelativeToTheConfigFileNotTheWorkingDirectory) {
  // A relative config path from the test's working directory, in a folder whose name holds
  // glob characters that must be taken literally.
  TempDir dir;
  const std::string a = dir.write("conf[1]/pipelines/a.yaml", kPipeline);
  const std::string absolute = dir.write("conf[1]/mosaic.yaml", "pipelines: [pipelines/*.yaml]\n");
  const std::string relative =
      std::filesystem::relative(absolute, std::filesystem::current_path()).string();
  ASSERT_NE(relative.front(), '/');
  Diagnostics diagnostics;
  auto config = load_engine_config(relative, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  ASSERT_EQ(config->pipelines.size(), 1u);
  EXPECT_TRUE(std::filesystem::equivalent(config->pipelines[0].file, a));
}

TEST(EngineConfig, PipelineFileErrorsAreIncluded) {
  TempDir dir;
  const std::string bad =
      dir.write("pipelines/bad.yaml", "endpoint: GET /x\nsteps: { a: { cal: u } }\n");
  dir.write("pipelines/good.yaml", kPipeline);
  const std::string file = dir.write("mosaic.yaml", "pipelines: [pipelines/*.yaml]\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 2u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, bad, 2, 15, "unknown key 'cal' in step 'a'"));
  EXPECT_TRUE(HasError(diagnostics, bad, 2, 10, "missing required key 'call' in step 'a'"));
}

TEST(EngineConfig, ReportsSeveralErrorsInOneLoad) {
  TempDir dir;
  dir.write("pipelines/p.yaml", "endpoint: GET /x//y\nsteps: { a: { call: u } }\n");
  const std::string file = dir.write("mosaic.yaml", R"(server:
  listen: 127.0.0.1
  header_timeout: 5
  listen: 127.0.0.1:1
logging: { level: loud }
downstreams:
  users: { timeout: 1s }
pipelines: [pipelines/*.yaml, routes/*.yaml]
)");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 7u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 2, 11, "bad address '127.0.0.1'"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 19, "bad duration '5' for header_timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 3, "duplicate key 'listen'"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 19, "bad level 'loud' for level"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 3, "missing required key 'plugin'"));
  EXPECT_TRUE(HasError(diagnostics, file, 8, 31, "no file matches 'routes/*.yaml'"));
  EXPECT_TRUE(HasError(diagnostics, dir.path("pipelines/p.yaml"), 1, 11, "empty path segment"));
}

TEST(EngineConfig, SectionOfTheWrongType) {
  TempDir dir;
  const std::string file =
      dir.write("mosaic.yaml", "server: 8080\ndownstreams: [users]\npipelines: { a: b }\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 3u) << diagnostics.str();
  EXPECT_TRUE(HasError(diagnostics, file, 1, 9, "expected a mapping for server"));
  EXPECT_TRUE(HasError(diagnostics, file, 2, 14, "expected a mapping for downstreams"));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 12, "expected a string or a list of strings"));
}

}  // namespace
}  // namespace mosaic::config
