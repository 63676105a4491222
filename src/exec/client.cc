// src/exec/client.cc — see client.h.
#include "src/exec/client.h"

#include "src/exec/command.h"

namespace cairn::server {
namespace {

int64_t SecondsSince(int64_t since_ms, int64_t now_ms) {
  return since_ms > 0 && now_ms > since_ms ? (now_ms - since_ms) / 1000 : 0;
}

}  // namespace

std::string ClientListLine(const ClientState& c, const CommandSpec* cmd, int multi,
                           int64_t now_ms) {
  auto n = [](auto v) { return std::to_string(v); };
  size_t qbuf = c.query_buffer_bytes.load(std::memory_order_relaxed);
  size_t obl = c.output_bytes.load(std::memory_order_relaxed);
  size_t omem = c.output_memory_bytes.load(std::memory_order_relaxed);
  int64_t last_ms = c.last_interaction_ms.load(std::memory_order_relaxed);
  std::string s = "id=" + n(c.id) + " addr=" + c.addr + " laddr=" + c.laddr + " fd=" + n(c.fd);
  s += " name=" + c.name + " age=" + n(SecondsSince(c.created_ms, now_ms));
  int sub = c.pubsub.channel_count.load(std::memory_order_relaxed);
  int psub = c.pubsub.pattern_count.load(std::memory_order_relaxed);
  int ssub = c.pubsub.shard_count.load(std::memory_order_relaxed);
  // Redis's flag letters, in its order: S replica, P subscriber, x in MULTI, b blocked; N
  // for none.
  std::string flags;
  if (c.replica.load(std::memory_order_relaxed)) flags += 'S';
  if (c.is_master) flags += 'M';
  if (sub + psub + ssub > 0) flags += 'P';
  if (multi >= 0) flags += 'x';
  if (c.blocked.load(std::memory_order_relaxed)) flags += 'b';
  if (flags.empty()) flags = "N";
  s += " idle=" + n(SecondsSince(last_ms, now_ms)) + " flags=" + flags;
  s += " db=" + n(c.db.load(std::memory_order_relaxed)) + " sub=" + n(sub) + " psub=" + n(psub) +
       " ssub=" + n(ssub) + " multi=" + n(multi);
  s += " qbuf=" + n(qbuf) + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0";
  s += " obl=" + n(obl) + " oll=0 omem=" + n(omem);
  s += " tot-mem=" + n(c.memory_bytes.load(std::memory_order_relaxed));
  s += " events=r cmd=" + std::string(cmd == nullptr ? "NULL" : cmd->name);
  s += " user=" + c.user_name + " redir=-1 resp=" + n(c.protocol.load(std::memory_order_relaxed));
  if (!c.lib_name.empty() || !c.lib_ver.empty()) {
    s += " lib-name=" + c.lib_name + " lib-ver=" + c.lib_ver;
  }
  return s;
}


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
