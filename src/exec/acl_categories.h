// src/exec/acl_categories.h — the ACL categories of Redis 7.0 (@read, @write, @keyspace, ...)
// and which ones each command belongs to.
//
// The command table carries flags and a documentation group but no categories, so they are
// derived the way Redis derives its implicit ones (write -> @write, admin -> @admin
// @dangerous, not fast -> @slow, blocking -> @blocking ...) plus the group's category and the
// few that Redis declares explicitly. COMMAND INFO, ACL CAT and the ACL rules +@cat / -@cat
// all read them from here, so they agree. Thread-safe (no state).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cairn::server {

struct CommandSpec;

// In Redis's order (the order COMMAND INFO and ACL CAT list them in).
enum AclCategory : uint32_t {
  kCatKeyspace,
  kCatRead,
  kCatWrite,
  kCatSet,
  kCatSortedSet,
  kCatList,
  kCatHash,
  kCatString,
  kCatBitmap,
  kCatHyperLogLog,
  kCatGeo,
  kCatStream,
  kCatPubSub,
  kCatAdmin,
  kCatFast,
  kCatSlow,
  kCatBlocking,
  kCatDangerous,
  kCatConnection,
  kCatTransaction,
  kCatScripting,
  kCatCount
};

inline constexpr std::array<std::string_view, kCatCount> kAclCategoryNames = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

// The category named name (without '@', any case), or nullopt.
std::optional<AclCategory> FindAclCategory(std::string_view name);

// The categories of a command or subcommand, one bit per AclCategory.
uint32_t AclCategories(const CommandSpec& spec);

}  // namespace cairn::server
