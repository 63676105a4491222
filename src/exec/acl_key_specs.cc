// src/exec/acl_key_specs.cc — see acl_key_specs.h. Finding keys follows Redis's key spec
// semantics: a keyword search from the end runs backwards; a range's negative lastkey counts
// from the end (divided among "limit" groups when limit > 1); a keynum spec reads the key
// count from an argument. A spec whose keys run past the arguments finds none.
#include "src/exec/acl_key_specs.h"

#include <algorithm>

#include "resp/number.h"
#include "src/exec/command.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

constexpr AclKeySpec kSpecs[] = {
#include "src/exec/acl_key_specs_table.inc"
};

// The index of the spec's first key, or -1 when the arguments do not have one.
int64_t BeginIndex(const AclKeySpec& spec, std::span<const std::string_view> args) {
  int64_t argc = static_cast<int64_t>(args.size());
  if (spec.begin == AclKeySpec::kIndex) return spec.start < argc ? spec.start : -1;
  int64_t step = spec.start < 0 ? -1 : 1;
  for (int64_t i = spec.start < 0 ? argc + spec.start : spec.start; i > 0 && i < argc; i += step) {
    if (EqualsIgnoreCase(args[static_cast<size_t>(i)], spec.keyword)) return i + 1;
  }
  return -1;
}

// SET and BITFIELD declare variable flags: whether SET reads its key (GET) and whether
// BITFIELD writes it depends on the arguments, found as Redis's setGetKeys and
// bitfieldGetKeys find it.
bool SetReads(std::span<const std::string_view> args) {
  // Options follow "SET key value": a value that reads "get" is only a value.
  return args.size() > 3 && std::any_of(args.begin() + 3, args.end(), [](std::string_view a) {
           return EqualsIgnoreCase(a, "get");
         });
}
// Walks BITFIELD's operations as Redis's bitfieldGetKeys does: only GET and OVERFLOW with
// their arguments leave it read-only; SET, INCRBY or anything malformed count as a write.
bool BitfieldWrites(std::span<const std::string_view> args) {
  for (size_t i = 2; i < args.size(); ++i) {
    size_t rest = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "get") && rest >= 2) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "overflow") && rest >= 1) {
      i += 1;
    } else {
      return true;
    }
  }
  return false;
}

// Visits (visit(index)) the keys of one spec; false when it cannot find them (an unknown spec).
template <typename Visit>
bool VisitSpec(const AclKeySpec& spec, std::span<const std::string_view> args, Visit visit) {
  if (spec.begin == AclKeySpec::kUnknown || spec.find == AclKeySpec::kUnknownFind) return false;
  int64_t argc = static_cast<int64_t>(args.size());
  int64_t first = BeginIndex(spec, args);
  if (first < 0) return true;
  int64_t last = 0, step = 1;
  if (spec.find == AclKeySpec::kRange) {
    step = spec.b;
    if (spec.a >= 0) {
      last = first + spec.a;
    } else if (spec.c <= 1) {
      last = argc + spec.a;
    } else {
      last = first + (argc - first) / spec.c + spec.a;
    }
  } else {
    int64_t numkeys = 0;
    int64_t at = first + spec.a;
    if (at >= argc || !resp::ParseInt64(args[static_cast<size_t>(at)], &numkeys)) return true;
    step = spec.c;
    first += spec.b;
    last = first + (numkeys - 1) * step;
  }
  if (step <= 0) step = 1;
  // More keys than arguments (EVAL "" 3 k): none, as Redis finds none; the command itself
  // reports the error.
  if (last >= argc) return true;
  for (int64_t i = first; i <= last; i += step) visit(static_cast<size_t>(i));
  return true;
}

// The flags Redis's own key-finding code reports for SET and BITFIELD, whose specs declare
// variable flags.
uint16_t VariableFlags(std::string_view name, std::span<const std::string_view> args,
                       uint16_t flags) {
  if (name == "set") {
    return SetReads(args) ? kSpecRW | kSpecAccess | kSpecUpdate : kSpecOW | kSpecUpdate;
  }
  if (name == "bitfield") {
    return BitfieldWrites(args) ? kSpecRW | kSpecAccess | kSpecUpdate : kSpecRO | kSpecAccess;
  }
  return flags;
}

// Visits the arguments the command's key positions name: visit(index, first), first telling
// whether it is the first key.
template <typename Visit>
void VisitKeyPositions(const CommandSpec& spec, std::span<const std::string_view> args,
                       Visit visit) {
  bool first = true;
  spec.ForEachKey(args, [&](std::string_view key) {
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].data() != key.data() || args[i].size() != key.size()) continue;
      visit(i, first);
      break;
    }
    first = false;
  });
}

// Whether one of the command's key specs is incomplete (MIGRATE's).
bool HasIncompleteSpec(const CommandSpec& spec) {
  return std::any_of(spec.acl_key_specs.begin(), spec.acl_key_specs.end(),
                     [](const AclKeySpec& k) { return (k.flags & kSpecIncomplete) != 0; });
}

// The ACL access a key's flags grant: reading its value ("access") and changing it.
uint8_t AccessOf(uint16_t flags) {
  uint8_t access = (flags & kSpecAccess) ? kKeyRead : 0;
  if (flags & (kSpecUpdate | kSpecInsert | kSpecDelete)) access |= kKeyWrite;
  return access;
}

}  // namespace

std::span<const AclKeySpec> FindAclKeySpecs(std::string_view full_name) {
  AclKeySpec probe{.command = full_name};
  auto [lo, hi] = std::equal_range(
      std::begin(kSpecs), std::end(kSpecs), probe,
      [](const AclKeySpec& x, const AclKeySpec& y) { return x.command < y.command; });
  return {lo, hi};
}

std::vector<std::string_view> KeySpecFlagNames(uint16_t flags) {
  static constexpr std::string_view kNames[] = {"RO",     "RW",     "OW",      "RM",
                                                "access", "update", "insert",  "delete",
                                                "not_key", "incomplete", "variable_flags"};
  std::vector<std::string_view> names;
  for (size_t bit = 0; bit < std::size(kNames); ++bit) {
    if (flags & (1u << bit)) names.push_back(kNames[bit]);
  }
  return names;
}

void ForEachAclKey(const CommandSpec& spec, std::span<const std::string_view> args,
                   AclKeyVisitor visit, void* context) {
  ForEachKeyAndFlags(spec, args,
                     [&](size_t i, uint16_t flags) { visit(context, i, AccessOf(flags)); });
}

void ForEachKeyAndFlags(const CommandSpec& spec, std::span<const std::string_view> args,
                        KeyFlagsVisitor visit, void* context) {
  // MIGRATE: its KEYS spec may take a password for the keyword, and its first spec names the
  // empty key of the KEYS form; its key positions know both cases. Flags as Redis's
  // migrateGetKeys reports them.
  if (HasIncompleteSpec(spec)) {
    VisitKeyPositions(spec, args, [&](size_t i, bool) {
      visit(context, i, kSpecRW | kSpecAccess | kSpecDelete);
    });
    return;
  }
  bool known = true;
  for (const AclKeySpec& key_spec : spec.acl_key_specs) {
    if (key_spec.flags & kSpecNotKey) continue;
    uint16_t flags = VariableFlags(spec.name, args, key_spec.flags);
    known = VisitSpec(key_spec, args, [&](size_t i) { visit(context, i, flags); }) && known;
  }
  if (known && !spec.acl_key_specs.empty()) return;
  // Keys Redis finds by running code (SORT ... STORE dest): the key positions, the first key
  // read and the others written by a write command, as Redis's sortGetKeys reports them.
  bool writes = spec.flags & kWrite;
  VisitKeyPositions(spec, args, [&](size_t i, bool first) {
    visit(context, i, first || !writes ? kSpecRO | kSpecAccess : kSpecOW | kSpecUpdate);
  });
}

}  // namespace cairn::server
