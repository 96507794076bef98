#include "config/path_globs.hpp"

#include <glob.h>

#include <algorithm>

namespace mosaic::config {

namespace {

// The folder is a literal path; a '[' or '*' in its name must not act as a wildcard.
std::string escape_glob(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string resolve(const std::string& pattern, const std::string& base_dir) {
  if (base_dir.empty() || (!pattern.empty() && pattern.front() == '/')) return pattern;
  std::string base = escape_glob(base_dir);
  return base.back() == '/' ? base + pattern : base + "/" + pattern;
}

}  // namespace

std::vector<std::string> expand_globs(const std::vector<NameRef>& patterns,
                                      const std::string& base_dir, Diagnostics& diagnostics) {
  std::vector<std::string> paths;
  for (const auto& pattern : patterns) {
    glob_t matches{};
    int rc = ::glob(resolve(pattern.name, base_dir).c_str(), 0, nullptr, &matches);
    if (rc == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    } else if (rc == GLOB_NOMATCH) {
      bool relative = !base_dir.empty() && pattern.name.front() != '/';
      diagnostics.error(pattern.where, "no file matches '" + pattern.name + "'" +
                                           (relative ? " (relative to " + base_dir + ")" : ""));
    } else {
      diagnostics.error(pattern.where, "cannot expand '" + pattern.name + "'");
    }
    ::globfree(&matches);
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

}  // namespace mosaic::config
