// src/exec/redaction.h — which arguments of a command are secrets that MONITOR and the slow log
// show as "(redacted)", as Redis 7.0 hides them: the passwords of AUTH, HELLO ... AUTH,
// MIGRATE ... AUTH / AUTH2 (before KEYS), the rules of ACL SETUSER, and the values of
// CONFIG SET masterauth, masteruser and requirepass.
//
// Thread-safe (pure).
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace cairn::server {

// One flag per argument of args (args[0] the command name), in one pass over them.
std::vector<bool> SecretArguments(std::span<const std::string_view> args);

}  // namespace cairn::server
