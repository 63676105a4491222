// src/commands/client_attrs.h — the per-connection attributes a client sets about itself
// (CLIENT SETNAME, HELLO SETNAME, CLIENT SETINFO) and the rule they share.
//
// CLIENT LIST prints attributes as space-separated field=value pairs, so a value with a
// space, newline or other non-printable byte would break every tool that splits the line:
// such values are rejected. The fields live in ClientState guarded by the registry mutex,
// because CLIENT LIST on another thread reads them.
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>

#include "src/exec/client.h"

namespace cairn::server {

// Printable ASCII without spaces ('!'..'~'); the empty string is valid (it clears).
inline bool IsValidClientAttr(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= '!' && c <= '~'; });
}

// Sets one of client's registry-guarded string fields (name, lib_name, lib_ver).
inline void SetClientAttr(ClientRegistry& clients, std::string& field, std::string_view value) {
  std::lock_guard lock(clients.mu());
  field.assign(value);
}

}  // namespace cairn::server
