// src/commands/help_reply.h — the reply of "<COMMAND> HELP": a header line naming the command,
// the given lines, then the HELP entry itself, each as a status string, the way Redis formats
// it (clients print it line by line; nothing parses it).
#pragma once

#include <initializer_list>
#include <string_view>

#include "resp/writer.h"

namespace cairn::server {

// command: upper-case name ("CONFIG"). lines: alternating usage and indented description.
void ReplyHelp(resp::Writer& w, std::string_view command,
               std::initializer_list<std::string_view> lines);

}  // namespace cairn::server
