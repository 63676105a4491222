// src/base/string_hash.h — a hash for unordered maps keyed by std::string that are looked up
// by std::string_view without building a std::string (one allocation saved per lookup on hot
// paths: PUBLISH, EVALSHA, tracking). Use with std::equal_to<>.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace cairn {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace cairn
