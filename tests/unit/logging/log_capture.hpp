#pragma once
// A LogWriter writing into a temp file, and the lines read back as JSON.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "logging/log_writer.hpp"
#include "mosaic/json.hpp"

namespace mosaic::testing {

class LogFile {
 public:
  LogFile() {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() / ("mosaic-log-" + std::to_string(::getpid()) +
                                                       "-" + std::to_string(counter++) + ".log"))
                .string();
    std::filesystem::remove(path_);
  }
  ~LogFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sink() const { return "file:" + path_; }

  static std::vector<json::object> read(const std::string& path) {
    std::vector<json::object> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) lines.push_back(json::parse(line).as_object());
    return lines;
  }
  std::vector<json::object> lines() const { return read(path_); }

 private:
  std::string path_;
};

inline std::string str(const json::object& line, const char* key) {
  const auto* v = line.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace mosaic::testing
