#pragma once
// Thrown by a plugin while it reads its downstream's `config:`. `path` is relative to that node
// ("base_url", "headers.x-api-key"); the engine turns it into file:line:col.
#include <stdexcept>
#include <string>

namespace mosaic {

// Default visibility: plugins are built with hidden visibility, and the engine must still be able
// to catch this type by name when it is thrown inside a plugin.
class __attribute__((visibility("default"))) ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string path, const std::string& message)
      : std::runtime_error(message), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mosaic
