// src/exec/acl_categories.cc — see acl_categories.h.
#include "src/exec/acl_categories.h"

#include "src/exec/command.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

constexpr uint32_t Bit(AclCategory c) { return 1u << c; }

uint32_t GroupCategory(std::string_view group) {
  struct Entry {
    std::string_view group;
    AclCategory category;
  };
  static constexpr Entry kGroups[] = {{"generic", kCatKeyspace},
                                      {"string", kCatString},
                                      {"list", kCatList},
                                      {"hash", kCatHash},
                                      {"set", kCatSet},
                                      {"sorted-set", kCatSortedSet},
                                      {"bitmap", kCatBitmap},
                                      {"hyperloglog", kCatHyperLogLog},
                                      {"geo", kCatGeo},
                                      {"stream", kCatStream},
                                      {"pubsub", kCatPubSub},
                                      {"connection", kCatConnection},
                                      {"transactions", kCatTransaction},
                                      {"scripting", kCatScripting}};
  for (const Entry& e : kGroups) {
    if (e.group == group) return Bit(e.category);
  }
  return 0;
}

// Categories Redis declares explicitly that flags and group do not imply.
uint32_t DeclaredCategories(std::string_view name) {
  if (name == "flushdb" || name == "flushall" || name == "swapdb") {
    return Bit(kCatKeyspace) | Bit(kCatDangerous);
  }
  if (name == "dbsize") return Bit(kCatKeyspace);
  if (name == "readonly" || name == "readwrite" || name == "asking") return Bit(kCatConnection);
  if (name == "restore-asking") return Bit(kCatKeyspace) | Bit(kCatDangerous);  // "server" group
  if (name == "keys" || name == "info" || name == "restore" || name == "migrate") {
    return Bit(kCatDangerous);
  }
  if (name == "lastsave" || name == "role") return Bit(kCatAdmin) | Bit(kCatDangerous);
  // COMMAND is in the "server" group but Redis files it (and its subcommands) under
  // @connection: any client may introspect the table.
  if (name == "command" || name.starts_with("command|")) return Bit(kCatConnection);
  return 0;
}

// Commands whose declared categories replace their group's: SORT is in the "generic" group
// but Redis files it under the types it sorts, not @keyspace; WAIT under @connection; PUBSUB
// HELP declares none.
bool ReplacesGroupCategory(std::string_view name, uint32_t* cats) {
  if (name == "pubsub|help") {
    *cats = 0;
    return true;
  }
  if (name == "wait") {  // "generic", but about the connection's writes, not keys
    *cats = Bit(kCatConnection);
    return true;
  }
  if (name != "sort" && name != "sort_ro") return false;
  *cats = Bit(kCatSet) | Bit(kCatSortedSet) | Bit(kCatList) | Bit(kCatDangerous);
  return true;
}

}  // namespace

std::optional<AclCategory> FindAclCategory(std::string_view name) {
  for (uint32_t c = 0; c < kCatCount; ++c) {
    std::string_view known = kAclCategoryNames[c];
    if (EqualsIgnoreCase(known, name)) {
      return static_cast<AclCategory>(c);
    }
  }
  return std::nullopt;
}

uint32_t AclCategories(const CommandSpec& spec) {
  // A container is only ever run through a subcommand: Redis gives it @slow and what it
  // declares, nothing implied.
  if (spec.handler == nullptr || !spec.subcommands.empty()) {
    return Bit(kCatSlow) | DeclaredCategories(spec.name);
  }
  uint32_t cats = 0;
  if (!ReplacesGroupCategory(spec.name, &cats)) {
    cats = GroupCategory(spec.group) | DeclaredCategories(spec.name);
  }
  if (spec.flags & kWrite) cats |= Bit(kCatWrite);
  // Read-only scripts are not @read: what they read depends on the script.
  if ((spec.flags & kReadOnly) && !(cats & Bit(kCatScripting))) cats |= Bit(kCatRead);
  if (spec.flags & kAdmin) cats |= Bit(kCatAdmin) | Bit(kCatDangerous);
  if (spec.flags & kBlocking) cats |= Bit(kCatBlocking);
  cats |= (spec.flags & kFast) ? Bit(kCatFast) : Bit(kCatSlow);
  return cats;
}

}  // namespace cairn::server
