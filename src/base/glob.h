// src/base/glob.h — Redis's glob-style pattern matching (KEYS, SCAN MATCH, CONFIG GET):
// * ? [abc] [^a] [a-z] and \x escapes. Pure and thread-safe.
#pragma once

#include <string_view>

namespace cairn::server {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace cairn::server
