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

// The access SET and BITFIELD really need, which depends on their arguments.
uint8_t VariableAccess(std::string_view name, std::span<const std::string_view> args,
                       uint8_t access) {
  if (name == "set") {
    // Options follow "SET key value": a value that reads "get" is only a value.
    bool get = args.size() > 3 && std::any_of(args.begin() + 3, args.end(), [](std::string_view a) {
                 return EqualsIgnoreCase(a, "get");
               });
    return get ? access : static_cast<uint8_t>(access & ~kKeyRead);
  }
  if (name == "bitfield") {
    bool writes =
        args.size() > 2 && std::any_of(args.begin() + 2, args.end(), [](std::string_view a) {
          return EqualsIgnoreCase(a, "set") || EqualsIgnoreCase(a, "incrby");
        });
    return writes ? access : static_cast<uint8_t>(kKeyRead);
  }
  return access;
}

// Visits the keys of one spec; false when it cannot find them (an unknown spec).
bool VisitSpec(const AclKeySpec& spec, std::span<const std::string_view> args, uint8_t access,
               AclKeyVisitor visit, void* context) {
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
  for (int64_t i = first; i <= last; i += step) {
    visit(context, static_cast<size_t>(i), access);
  }
  return true;
}

// Visits the arguments the command's key positions name; access_of(first) gives the access
// of a key, first telling whether it is the first one.
template <typename AccessOf>
void VisitKeyPositions(const CommandSpec& spec, std::span<const std::string_view> args,
                       AccessOf access_of, AclKeyVisitor visit, void* context) {
  bool first = true;
  spec.ForEachKey(args, [&](std::string_view key) {
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].data() != key.data() || args[i].size() != key.size()) continue;
      visit(context, i, access_of(first));
      break;
    }
    first = false;
  });
}

// The access of every spec together when one of them is incomplete, else 0.
uint8_t IncompleteSpecsAccess(const CommandSpec& spec) {
  uint8_t access = 0;
  bool incomplete = false;
  for (const AclKeySpec& key_spec : spec.acl_key_specs) {
    access |= key_spec.access & (kKeyRead | kKeyWrite);
    incomplete = incomplete || (key_spec.access & kKeyIncomplete);
  }
  return incomplete ? access : 0;
}

}  // namespace

std::span<const AclKeySpec> FindAclKeySpecs(std::string_view full_name) {
  AclKeySpec probe{.command = full_name};
  auto [lo, hi] = std::equal_range(
      std::begin(kSpecs), std::end(kSpecs), probe,
      [](const AclKeySpec& x, const AclKeySpec& y) { return x.command < y.command; });
  return {lo, hi};
}

void ForEachAclKey(const CommandSpec& spec, std::span<const std::string_view> args,
                   AclKeyVisitor visit, void* context) {
  // MIGRATE: its KEYS spec may take a password for the keyword, and its first spec names the
  // empty key of the KEYS form; its key positions know both cases.
  if (uint8_t access = IncompleteSpecsAccess(spec); access != 0) {
    VisitKeyPositions(spec, args, [access](bool) { return access; }, visit, context);
    return;
  }
  bool known = true;
  for (const AclKeySpec& key_spec : spec.acl_key_specs) {
    if (key_spec.access & kKeyNotKey) continue;
    uint8_t access = VariableAccess(spec.name, args, key_spec.access);
    known = VisitSpec(key_spec, args, access, visit, context) && known;
  }
  if (known && !spec.acl_key_specs.empty()) return;
  // Keys Redis finds by running code (SORT ... STORE dest): the key positions, the first key
  // read and the others written by a write command.
  bool writes = spec.flags & kWrite;
  VisitKeyPositions(
      spec, args,
      [writes](bool first) { return first || !writes ? kKeyRead : kKeyWrite; },
      visit, context);
}

}  // namespace cairn::server
