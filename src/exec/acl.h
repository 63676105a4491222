// src/exec/acl.h — the ACL user registry: every user by name, the "default" user every new
// connection starts as, and the version counter that tells connections their user changed.
//
// Users are immutable values shared by pointer: ACL SETUSER builds a changed copy and swaps
// it in, so a check on another thread never sees a half-applied rule. Each change bumps
// version(); a connection caches its user and re-reads it only when the version moved, and
// a connection whose user allows everything skips the checks entirely (dispatch.cc), which
// keeps the default user's hot path to one compare. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "src/exec/acl_user.h"

namespace cairn::server {

class Acl {
 public:
  explicit Acl(const CommandTable& table);

  // The user named name, or nullptr.
  std::shared_ptr<const AclUser> Find(std::string_view name) const;
  // Creates the user if needed and applies rules to a copy; publishes it only if every rule
  // applied (ACL SETUSER's error text otherwise).
  [[nodiscard]] Status SetUser(std::string_view name, std::span<const std::string> rules);
  // Removes the user; false if there was none. The default user cannot be removed (caller).
  bool DeleteUser(std::string_view name);
  // Every user, by name.
  std::vector<std::shared_ptr<const AclUser>> Users() const;
  // Replaces every user (ACL LOAD, the aclfile at startup); users must include "default".
  void ReplaceAll(std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users);
  // requirepass: the default user gets exactly this password, or nopass when it is empty.
  void SetRequirePass(std::string_view password);
  // acl-pubsub-default: whether users and selectors made from now on start with allchannels.
  void SetPubSubDefault(bool all_channels) { pubsub_all_.store(all_channels); }
  bool PubSubDefault() const { return pubsub_all_.load(); }
  // Whether a new connection must authenticate: the default user has a password or is off.
  bool AuthRequired() const { return auth_required_.load(std::memory_order_relaxed); }
  // Whether the default user is nopass (protected mode applies then).
  bool DefaultNoPass() const { return default_nopass_.load(std::memory_order_relaxed); }
  // Moves on every change; connections compare it with the version they last looked at.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  const CommandTable& table() const { return table_; }

 private:
  void PublishLocked();  // after a change: version and auth_required

  const CommandTable& table_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users_;
  std::atomic<uint64_t> version_{1};
  std::atomic<bool> auth_required_{false};
  std::atomic<bool> default_nopass_{true};
  std::atomic<bool> pubsub_all_{false};
};

}  // namespace cairn::server
