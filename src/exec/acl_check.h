// src/exec/acl_check.h — applying ACL users to connections: logging in (AUTH, HELLO AUTH) and
// the per-command permission check dispatch runs, with Redis 7.0's NOPERM texts and ACL LOG
// entries. Thread: the client's owner thread.
#pragma once

#include <span>
#include <string_view>

#include "resp/writer.h"
#include "src/exec/client.h"

namespace cairn::server {

struct ServerState;
struct CommandSpec;

// Whether the ACL check may be skipped: the client's user allows everything and no user has
// changed since that was established. The default user's whole cost on the hot path.
inline bool AclCheckSkippable(const ClientState& client, uint64_t acl_version) {
  return client.acl_unrestricted_version == acl_version;
}

// Checks that client's user may run args as spec (command, keys, channels). When not,
// writes the NOPERM error, adds an ACL LOG entry and returns true.
bool AclRefuses(ServerState& server, ClientState& client, const CommandSpec& spec,
                std::span<const std::string_view> args, resp::Writer& w);

// Whether client's user may run args as spec: the check AclRefuses makes, without a reply
// or an ACL LOG entry (redis.acl_check_cmd).
bool AclPermits(ServerState& server, ClientState& client, const CommandSpec& spec,
                std::span<const std::string_view> args);

// Whether client's user may read every key (SORT's BY and GET patterns). Clients never
// checked (in-process ones) may.
bool AclReadsAllKeys(const ClientState& client);

// Logs client in as user with password: true when the user exists, is on and the password
// opens it (any password for a nopass user). A failure adds an "auth" ACL LOG entry.
bool AclLogin(ServerState& server, ClientState& client, std::string_view user,
              std::string_view password);

// Makes client the default user again, unauthenticated when the default user needs a
// password (RESET, a new connection).
void AclResetClient(ServerState& server, ClientState& client);

}  // namespace cairn::server
