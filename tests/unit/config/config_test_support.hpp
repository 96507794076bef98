#pragma once
// Shared by the config tests: a scratch folder for YAML files, and an assertion that a load
// reported one specific error at one specific file:line:col.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/source_location.hpp"

namespace mosaic::config::testing {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mosaic-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& name) const { return (root_ / name).string(); }

  // Writes `text` to `name` (parent folders created) and returns the file's full path.
  std::string write(const std::string& name, const std::string& text) const {
    std::filesystem::path file = root_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

  void mkdir(const std::string& name) const { std::filesystem::create_directories(root_ / name); }

 private:
  std::filesystem::path root_;
};

// True when some diagnostic sits exactly at file:line:col and its message contains `part`; the
// failure message lists everything that was reported, so a wrong position is easy to see.
inline ::testing::AssertionResult HasError(const Diagnostics& diagnostics, const std::string& file,
                                           int line, int col, const std::string& part) {
  for (const auto& d : diagnostics.items()) {
    if (d.where.file == file && d.where.line == line && d.where.col == col &&
        d.message.find(part) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error at " << file << ":" << line << ":" << col
                                       << " containing '" << part << "'; got:\n"
                                       << diagnostics.str();
}

}  // namespace mosaic::config::testing
