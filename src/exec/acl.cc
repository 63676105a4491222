// src/exec/acl.cc — see acl.h.
#include "src/exec/acl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kDefaultUser = "default";

std::shared_ptr<const AclUser> NewDefaultUser(const CommandTable& table) {
  auto user = std::make_shared<AclUser>(std::string(kDefaultUser), table);
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
    (void)user->Apply(table, rule);
  }
  return user;
}

}  // namespace

Acl::Acl(const CommandTable& table) : table_(table) {
  users_.emplace(kDefaultUser, NewDefaultUser(table));
  PublishLocked();
}

void Acl::PublishLocked() {
  const AclUser& def = *users_.at(std::string(kDefaultUser));
  auth_required_.store(!def.nopass() || !def.enabled(), std::memory_order_relaxed);
  default_nopass_.store(def.nopass(), std::memory_order_relaxed);
  version_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const AclUser> Acl::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

Status Acl::SetUser(std::string_view name, std::span<const std::string> rules) {
  std::shared_ptr<const AclUser> old = Find(name);
  bool all_channels = PubSubDefault();
  auto changed = old ? std::make_shared<AclUser>(*old)
                     : std::make_shared<AclUser>(std::string(name), table_, all_channels);
  changed->set_pubsub_default(all_channels);
  Status s = changed->ApplyAll(table_, rules);
  if (!s.ok()) return s;
  std::lock_guard lock(mu_);
  users_[std::string(name)] = std::move(changed);
  PublishLocked();
  return Status::Ok();
}

bool Acl::DeleteUser(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  PublishLocked();
  return true;
}

std::vector<std::shared_ptr<const AclUser>> Acl::Users() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const AclUser>> out;
  for (const auto& [name, user] : users_) out.push_back(user);
  return out;
}

void Acl::ReplaceAll(std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users) {
  std::lock_guard lock(mu_);
  users_ = std::move(users);
  if (!users_.contains(kDefaultUser)) users_.emplace(kDefaultUser, NewDefaultUser(table_));
  PublishLocked();
}

void Acl::SetRequirePass(std::string_view password) {
  std::vector<std::string> rules{"resetpass"};
  rules.push_back(password.empty() ? std::string("nopass") : ">" + std::string(password));
  (void)SetUser(kDefaultUser, rules);
}

}  // namespace cairn::server
