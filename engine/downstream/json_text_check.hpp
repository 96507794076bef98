#pragma once
// Checks that text a plugin handed over as JSON (mosaic::JsonText) is one JSON value that Mosaic
// may write out as is, without building a tree: the same grammar, depth limit and UTF-8 rules as
// json::parse, and no number beyond the range of a double (Boost.JSON reads 1E400 as infinity and
// would write it as `Infinity`, which is not JSON).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mosaic::downstream {

// nullopt when `text` is valid; otherwise why not. `keep_going` is asked between slices of
// kJsonCheckSlice bytes; when it answers false the check stops and returns "" (not a verdict).
inline constexpr std::size_t kJsonCheckSlice = 256 * 1024;
std::optional<std::string> check_json_text(std::string_view text,
                                           const std::function<bool()>& keep_going = {});

}  // namespace mosaic::downstream
