// resp/inline_split.h — splits an inline command line into arguments, as redis-cli and telnet
// users type them: spaces separate arguments; "double quotes" accept \n \r \t \b \a \\ \" and
// \xHH escapes; 'single quotes' accept only \'. A closing quote must be followed by a space or
// the end of the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {

// Fills args with views into *scratch (which is overwritten and owns the decoded bytes).
// Returns false on unbalanced quotes. Thread-compatible (no shared state).
[[nodiscard]] bool SplitInline(std::string_view line, std::string* scratch,
                               std::vector<std::string_view>* args);

}  // namespace cairn::resp
