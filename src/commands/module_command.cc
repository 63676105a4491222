// src/commands/module_command.cc — MODULE as a server that has no modules answers it. cairn
// cannot load Redis modules (they link against Redis's own internals), so LIST is always
// empty, and LOAD/LOADEX fail the way a module that does not load fails in Redis, after the
// same enable-module-command gate (dispatch.cc); the log says why.
#include "src/base/log.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

void CmdModule(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "module"); }

void CmdModuleList(CommandContext& ctx) { ctx.reply.WriteArrayLen(0); }

void CmdModuleLoad(CommandContext& ctx) {
  std::string path(ctx.args[2]);
  Log(LogLevel::kWarning, "Module %s failed to load: cairn does not load Redis modules",
      path.c_str());
  ctx.reply.WriteError(errors::kModuleLoadFailed);
}

void CmdModuleUnload(CommandContext& ctx) {
  ctx.reply.WriteError(errors::kNoSuchModule);
}

void CmdModuleHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "MODULE",
            {
                "LIST",
                "    Return a list of loaded modules.",
                "LOAD <path> [<arg> ...]",
                "    Load a module library from <path>, passing to it any optional arguments.",
                "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                "    Load a module library from <path>, while passing it module configurations "
                "and optional arguments.",
                "UNLOAD <name>",
                "    Unload a module.",
            });
}

}  // namespace

void RegisterModuleCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  constexpr uint32_t kLoader = kAdmin | kNoScript | kNoAsyncLoading | kProtected;
  table.Add({
      {.name = "module", .arity = -2, .handler = CmdModule, .group = kGroup, .since = "4.0.0",
       .summary = "A container for module commands", .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "module|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdModuleHelp, .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands",
            .complexity = "O(1)"},
           {.name = "module|list", .arity = 2, .flags = kAdmin | kNoScript,
            .handler = CmdModuleList, .group = kGroup, .since = "4.0.0",
            .summary = "List all modules loaded by the server",
            .complexity = "O(N) where N is the number of loaded modules."},
           {.name = "module|load", .arity = -3, .flags = kLoader, .handler = CmdModuleLoad,
            .group = kGroup, .since = "4.0.0", .summary = "Load a module",
            .complexity = "O(1)", .syntax = "path [arg [arg ...]]"},
           {.name = "module|loadex", .arity = -3, .flags = kLoader, .handler = CmdModuleLoad,
            .group = kGroup, .since = "7.0.0", .summary = "Load a module with extended parameters",
            .complexity = "O(1)",
            .syntax = "path [CONFIG name value [CONFIG name value ...]] [ARGS args [args ...]]"},
           {.name = "module|unload", .arity = 3, .flags = kLoader, .handler = CmdModuleUnload,
            .group = kGroup, .since = "4.0.0", .summary = "Unload a module",
            .complexity = "O(1)", .syntax = "name"},
       }},
  });
}

}  // namespace cairn::server
