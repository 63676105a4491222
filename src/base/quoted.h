// src/base/quoted.h — bytes quoted as Redis shows them to people (MONITOR lines, the Lua
// debugger's values): in double quotes, printable ASCII as it is, \\ \" \n \r \t \a \b escaped,
// anything else as \xHH.
#pragma once

#include <string>
#include <string_view>

namespace cairn {

void AppendQuoted(std::string* out, std::string_view bytes);

}  // namespace cairn
