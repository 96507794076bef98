#pragma once
// Checks that text a plugin handed over as JSON (mosaic::JsonText) is one JSON value that Mosaic
// may write out as is, without building a tree: the same grammar, depth limit and UTF-8 rules as
// json::parse, and no number beyond the range of a double (Boost.JSON reads 1E400 as infinity and
// would write it as `Infinity`, which is not JSON). One pass of its own, not Boost's parser: every
// body and every value read from a shared cache goes through it, and strings (most of a body) are
// crossed sixteen bytes at a time. The tests hold it to json::parse's verdicts.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mosaic::downstream {

// nullopt when `text` is valid; otherwise why not and where ("expected ':' at byte 12").
// `keep_going` is asked once a slice of kJsonCheckSlice bytes, when a value starts past it; when it
// answers false the check stops and returns "" (not a verdict).
inline constexpr std::size_t kJsonCheckSlice = 256 * 1024;
std::optional<std::string> check_json_text(std::string_view text,
                                           const std::function<bool()>& keep_going = {});

}  // namespace mosaic::downstream
