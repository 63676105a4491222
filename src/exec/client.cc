// src/exec/client.cc — see client.h.
#include "src/exec/client.h"

namespace cairn::server {

void ClientRegistry::Add(ClientState* client) {
  if (client->id == 0) client->id = NextId();
  std::lock_guard lock(mu_);
  clients_[client->id] = client;
}

void ClientRegistry::Remove(ClientState* client) {
  std::lock_guard lock(mu_);
  clients_.erase(client->id);
}

size_t ClientRegistry::count() {
  std::lock_guard lock(mu_);
  return clients_.size();
}

void ClientRegistry::ForEach(const std::function<void(ClientState&)>& fn) {
  std::lock_guard lock(mu_);
  for (auto& [id, client] : clients_) fn(*client);
}

bool ClientRegistry::WithClient(uint64_t id, const std::function<void(ClientState&)>& fn) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return false;
  fn(*it->second);
  return true;
}

}  // namespace cairn::server
