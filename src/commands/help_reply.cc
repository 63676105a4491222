// src/commands/help_reply.cc — see help_reply.h.
#include "src/commands/help_reply.h"

#include <string>

namespace cairn::server {

void ReplyHelp(resp::Writer& w, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  w.WriteArrayLen(static_cast<int64_t>(lines.size()) + 3);
  w.WriteSimple(std::string(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : lines) w.WriteSimple(line);
  w.WriteSimple("HELP");
  w.WriteSimple("    Prints this help.");
}

}  // namespace cairn::server
