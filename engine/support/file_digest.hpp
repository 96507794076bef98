#pragma once
// A digest of files' content, to tell that a file was replaced (a renewed certificate) whatever
// happened to its size, mtime or inode: a copy that keeps the mtime, or two writes of the same
// size within the file system's timestamp granularity, change it too.
#include <string>
#include <vector>

namespace mosaic::support {

// SHA-256 (hex) over each path and its content, in order. An empty path counts as absent; a file
// that cannot be read counts as unreadable, so that its later repair changes the digest (the
// caller's own load reports why it could not be read).
std::string files_digest(const std::vector<std::string>& paths);

}  // namespace mosaic::support
