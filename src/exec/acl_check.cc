// src/exec/acl_check.cc — see acl_check.h.
#include "src/exec/acl_check.h"

#include <mutex>

#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kNoPermKey =
    "NOPERM this user has no permissions to access one of the keys used as arguments";
constexpr std::string_view kNoPermChannel =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

// Re-reads the client's user from the registry when any user changed since the last look.
// A deleted user's clients are being disconnected; until then they keep the last rules.
void RefreshUser(ServerState& server, ClientState& client, uint64_t version) {
  if (client.acl_user_version == version && client.user != nullptr) return;
  std::string name;
  {
    std::lock_guard lock(server.clients.mu());
    name = client.user_name;
  }
  if (auto user = server.acl.Find(name)) client.user = std::move(user);
  client.acl_user_version = version;
}

std::string InfoLine(ServerState& server, const ClientState& client, const CommandSpec* spec) {
  std::lock_guard lock(server.clients.mu());
  int multi = client.multi.active ? static_cast<int>(client.multi.queued.size()) : -1;
  return ClientListLine(client, spec, multi, WallMs());
}

std::string Context(const ClientState& client) {
  if (client.script) return "lua";
  return client.multi.active || client.in_exec ? "multi" : "toplevel";
}

void LogRefusal(ServerState& server, ClientState& client, const CommandSpec& spec,
                std::string_view reason, std::string_view object) {
  AclLogEntry entry{std::string(reason), Context(client), std::string(object), client.user->name(),
                    InfoLine(server, client, &spec)};
  server.acl_log.Add(std::move(entry), WallMs());
}

}  // namespace

bool AclRefuses(ServerState& server, ClientState& client, const CommandSpec& spec,
                std::span<const std::string_view> args, resp::Writer& w) {
  uint64_t version = server.acl.version();
  RefreshUser(server, client, version);
  if (client.user == nullptr) return false;
  if (client.user->Unrestricted()) {
    client.acl_unrestricted_version = version;
    return false;
  }
  AclVerdict verdict = client.user->Check(spec, args);
  switch (verdict.denial) {
    case AclDenial::kNone:
      return false;
    case AclDenial::kCommand:
      LogRefusal(server, client, spec, "command", spec.name);
      w.WriteError("NOPERM this user has no permissions to run the '" + std::string(spec.name) +
                   "' command");
      return true;
    case AclDenial::kKey:
      LogRefusal(server, client, spec, "key", args[verdict.arg_index]);
      w.WriteError(kNoPermKey);
      return true;
    case AclDenial::kChannel:
      LogRefusal(server, client, spec, "channel", args[verdict.arg_index]);
      w.WriteError(kNoPermChannel);
      return true;
  }
  return false;
}

bool AclPermits(ServerState& server, ClientState& client, const CommandSpec& spec,
                std::span<const std::string_view> args) {
  RefreshUser(server, client, server.acl.version());
  if (client.user == nullptr || client.user->Unrestricted()) return true;
  return client.user->Check(spec, args).denial == AclDenial::kNone;
}

bool AclReadsAllKeys(const ClientState& client) {
  return client.user == nullptr || client.user->ReadsAllKeys();
}

bool AclLogin(ServerState& server, ClientState& client, std::string_view user,
              std::string_view password) {
  std::shared_ptr<const AclUser> found = server.acl.Find(user);
  if (found == nullptr || !found->enabled() || !found->PasswordMatches(password)) {
    AclLogEntry entry{"auth", Context(client), "AUTH", std::string(user),
                      InfoLine(server, client, nullptr)};
    server.acl_log.Add(std::move(entry), WallMs());
    return false;
  }
  {
    std::lock_guard lock(server.clients.mu());
    client.user_name = found->name();
  }
  client.user = std::move(found);
  client.acl_user_version = 0;  // re-read, and re-decide whether checks may be skipped
  client.acl_unrestricted_version = 0;
  client.authenticated = true;
  return true;
}

void AclResetClient(ServerState& server, ClientState& client) {
  {
    std::lock_guard lock(server.clients.mu());
    client.user_name = "default";
  }
  client.user = nullptr;
  client.acl_user_version = 0;
  client.acl_unrestricted_version = 0;
  client.authenticated = !server.acl.AuthRequired();
}

}  // namespace cairn::server
