// src/exec/client_pause.cc — see client_pause.h.
#include "src/exec/client_pause.h"

#include <string>
#include <vector>

#include "src/exec/client.h"
#include "src/exec/server_state.h"

namespace cairn::server {

namespace {

// The declared flags of the script an EVAL, EVALSHA or FCALL would run; kScriptCompat when it
// has none (no shebang) or is not known.
uint32_t DeclaredScriptFlags(const ServerState& server, const CommandSpec& spec,
                             std::span<const std::string_view> args) {
  if (args.size() < 2) return kScriptCompat;
  if (spec.name == "fcall") {
    std::shared_ptr<FunctionInfo> fn = server.functions.FindFunction(args[1]);
    return fn == nullptr ? kScriptCompat : fn->flags;
  }
  std::shared_ptr<Script> script =
      spec.name == "evalsha" ? server.scripts.Find(args[1]) : nullptr;
  if (script != nullptr) return script->header.flags;
  if (spec.name != "eval") return kScriptCompat;
  Result<ScriptHeader> header = ParseShebang(args[1]);
  return header.ok() ? header->flags : kScriptCompat;
}

bool Holds(const ServerState& server, const CommandSpec& spec,
           std::span<const std::string_view> args) {
  if (spec.flags & (kWrite | kMayReplicate)) return true;
  if (spec.name != "eval" && spec.name != "evalsha" && spec.name != "fcall") return false;
  uint32_t flags = DeclaredScriptFlags(server, spec, args);
  return (flags & kScriptCompat) || !(flags & kScriptNoWrites);
}

}  // namespace

bool WritePauseHolds(const ServerState& server, const ClientState& client,
                     const CommandSpec& spec, std::span<const std::string_view> args) {
  if (spec.name != "exec" || !client.multi.active) return Holds(server, spec, args);
  for (const std::vector<std::string>& queued : client.multi.queued) {
    const CommandSpec* q = server.commands.Find(queued[0]);
    if (q == nullptr) continue;
    std::vector<std::string_view> views(queued.begin(), queued.end());
    if (Holds(server, *q, views)) return true;
  }
  return false;
}

}  // namespace cairn::server
