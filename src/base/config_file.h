// src/base/config_file.h — how configuration values are written into a config file so that
// reading the file back yields exactly the same values, and how the file is replaced.
//
// The quoting is redis.conf's: a double-quoted word may hold \n \r \t \a \b \" \\ and \xHH
// escapes, which SplitConfigLine (config.h) decodes. A quoted value therefore never contains
// a raw newline, so no value can add a directive to the file. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "store/base/status.h"

namespace cairn::server {

// value in double quotes with every byte that is not a printable ASCII character, and every
// quote and backslash, escaped (\n, \r, \t, \a, \b, \", \\, else \xHH in lower case), as
// Redis writes string options. "" for the empty value.
std::string QuoteConfigValue(std::string_view value);

// value as it is when it is a non-empty run of printable ASCII characters other than
// quotes and backslashes (one word that needs no quoting), else QuoteConfigValue(value).
std::string ConfigWord(std::string_view value);

// Replaces the file at path with contents so that after a crash the file holds either its
// old or its new contents, never a mix: a temporary file in the same directory is written
// and fsync'ed, renamed over path, and the directory fsync'ed. The new file keeps the old
// one's permission bits (0644 if there was none). On failure path is unchanged, the
// temporary file is removed, and the status says which step failed and why.
[[nodiscard]] Status ReplaceFileAtomically(const std::string& path, std::string_view contents);

}  // namespace cairn::server
