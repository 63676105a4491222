// src/exec/command_table.cc — see command_table.h.
#include "src/exec/command_table.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "src/exec/acl_categories.h"

namespace cairn::server {
namespace {

constexpr size_t kMaxNameLen = 64;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Lower-cases ASCII into buf; returns false if name is too long to be a command.
bool LowerInto(std::string_view name, char* buf, size_t* len) {
  if (name.size() > kMaxNameLen) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = Lower(name[i]);
  }
  *len = name.size();
  return true;
}

// FNV-1a of the lower-cased name.
uint64_t FoldedHash(std::string_view name) {
  uint64_t h = 14695981039346656037ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(Lower(c))) * 1099511628211ull;
  return h;
}

// Whether name spelt in any case is lower (a registered, lower-case name).
bool FoldedEqual(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (Lower(name[i]) != lower[i]) return false;
  }
  return true;
}

// Fills in what ACL rules and checks read (command.h).
void AttachAclData(CommandSpec& spec) {
  spec.acl_categories = AclCategories(spec);
  spec.acl_key_specs = FindAclKeySpecs(spec.name);
}

}  // namespace

CommandTable::CommandTable() {
  RegisterConnectionCommands(*this);
  RegisterServerCommands(*this);
  RegisterStringCommands(*this);
  RegisterBitmapCommands(*this);
  RegisterScriptCommands(*this);
  RegisterFunctionCommands(*this);
  RegisterHyperLogLogCommands(*this);
  RegisterKeyCommands(*this);
  RegisterDumpCommands(*this);
  RegisterMigrateCommand(*this);
  RegisterSortCommands(*this);
  RegisterPersistenceCommands(*this);
  RegisterReplicationCommands(*this);
  RegisterListCommands(*this);
  RegisterHashCommands(*this);
  RegisterSetCommands(*this);
  RegisterZSetCommands(*this);
  RegisterGeoCommands(*this);
  RegisterStreamCommands(*this);
  RegisterTransactionCommands(*this);
  RegisterPubSubCommands(*this);
  RegisterMonitorCommand(*this);
}

void CommandTable::Add(std::initializer_list<CommandSpec> specs) {
  for (const CommandSpec& spec : specs) AddOne(spec);
}

void CommandTable::AddOne(CommandSpec spec) {
  spec.id = slots_++;
  AttachAclData(spec);
  for (CommandSpec& sub : spec.subcommands) {
    sub.id = slots_++;
    AttachAclData(sub);
  }
  commands_.push_back(std::move(spec));
  const CommandSpec& added = commands_.back();
  Index(&added);
  by_slot_.resize(slots_);
  by_slot_[added.id] = &added;
  for (const CommandSpec& sub : added.subcommands) by_slot_[sub.id] = &sub;
}

void CommandTable::AppendSubcommands(std::string_view parent, std::vector<CommandSpec> subs) {
  auto it = std::find_if(commands_.begin(), commands_.end(),
                         [&](const CommandSpec& c) { return c.name == parent; });
  if (it == commands_.end()) {
    std::fprintf(stderr, "%s:%d: no container command %.*s\n", __FILE__, __LINE__,
                 static_cast<int>(parent.size()), parent.data());
    std::abort();
  }
  for (CommandSpec& sub : subs) {
    sub.id = slots_++;
    AttachAclData(sub);
    it->subcommands.push_back(std::move(sub));
  }
  // The vector may have moved: point every slot of the container's subcommands again.
  by_slot_.resize(slots_);
  for (const CommandSpec& sub : it->subcommands) by_slot_[sub.id] = &sub;
}

void CommandTable::Index(const CommandSpec* spec) {
  if ((commands_.size()) * 4 > index_.size()) {
    std::vector<const CommandSpec*> old = std::move(index_);
    index_.assign(std::max<size_t>(256, old.size() * 2), nullptr);
    for (const CommandSpec* c : old) {
      if (c != nullptr) Index(c);
    }
  }
  size_t mask = index_.size() - 1;
  size_t i = FoldedHash(spec->name) & mask;
  while (index_[i] != nullptr && index_[i]->name != spec->name) i = (i + 1) & mask;
  index_[i] = spec;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  if (name.size() > kMaxNameLen || index_.empty()) return nullptr;
  size_t mask = index_.size() - 1;
  for (size_t i = FoldedHash(name) & mask;; i = (i + 1) & mask) {
    const CommandSpec* c = index_[i];
    if (c == nullptr || FoldedEqual(name, c->name)) return c;
  }
}

const CommandSpec* CommandTable::FindFull(std::string_view name) const {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Find(name);
  const CommandSpec* parent = Find(name.substr(0, bar));
  return parent == nullptr ? nullptr : FindSub(*parent, name.substr(bar + 1));
}

const CommandSpec* CommandTable::FindSub(const CommandSpec& parent, std::string_view name) {
  char buf[kMaxNameLen];
  size_t len = 0;
  if (!LowerInto(name, buf, &len)) return nullptr;
  std::string_view lower(buf, len);
  for (const CommandSpec& sub : parent.subcommands) {
    std::string_view sub_name = sub.name.substr(sub.name.find('|') + 1);
    if (sub_name == lower) return &sub;
  }
  return nullptr;
}

}  // namespace cairn::server
