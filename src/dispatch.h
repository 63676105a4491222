// src/dispatch.h — runs one parsed command: lookup, authentication, arity, the handler, and
// per-command statistics. The one entry point both the network path and in-process tests use.
#pragma once

#include <span>
#include <string_view>

#include "src/command.h"

namespace cairn::server {

// Executes args as one command for client, writing the reply through writer. Thread: the
// client's owner thread.
void Execute(ServerState& server, ClientState& client, ThreadStats& stats, resp::Writer& writer,
             std::span<const std::string_view> args);

}  // namespace cairn::server
