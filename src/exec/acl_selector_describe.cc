// src/exec/acl_selector_describe.cc — AclSelector's descriptions (acl_selector.h): the rules
// ACL LIST, ACL GETUSER and the aclfile show, which rebuild the selector when applied.
//
// Commands are described as Redis does: start from +@all (when future commands are allowed)
// or -@all, add or remove whole categories greedily while a category has more commands that
// agree with the selector than that disagree, then name the single commands still different.
#include <array>

#include "src/exec/acl_categories.h"
#include "src/exec/acl_key_specs.h"
#include "src/exec/acl_selector.h"
#include "src/exec/command_table.h"

namespace cairn::server {
namespace {

// Calls fn(spec) for every command and subcommand of the table.
template <typename Fn>
void ForEachCommand(const CommandTable& table, Fn&& fn) {
  for (const CommandSpec& cmd : table.all()) {
    fn(cmd);
    for (const CommandSpec& sub : cmd.subcommands) fn(sub);
  }
}

}  // namespace

std::string AclSelector::DescribeCommands(const CommandTable& table) const {
  bool additive = !future_commands_;
  std::string rules = additive ? "-@all " : "+@all ";
  AclSelector fake(table);
  (void)fake.Apply(table, additive ? "-@all" : "+@all");
  AclSelector temp = *this;  // the commands no chosen category accounts for yet
  std::array<bool, kCatCount> applied{};
  for (;;) {
    int best = -1;
    size_t min_diff = SIZE_MAX, max_same = 0;
    for (uint32_t c = 0; c < kCatCount; ++c) {
      if (applied[c]) continue;
      size_t on = 0, off = 0;
      ForEachCommand(table, [&](const CommandSpec& spec) {
        if (spec.acl_categories & (1u << c)) (temp.Allowed(spec.id) ? on : off)++;
      });
      size_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = static_cast<int>(c);
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    std::string name(kAclCategoryNames[static_cast<size_t>(best)]);
    (void)fake.Apply(table, (additive ? "+@" : "-@") + name);
    (void)temp.Apply(table, (additive ? "-@" : "+@") + name);
    rules += (additive ? "+@" : "-@") + name + " ";
    applied[static_cast<size_t>(best)] = true;
  }
  ForEachCommand(table, [&](const CommandSpec& spec) {
    bool user_bit = Allowed(spec.id);
    if (user_bit != fake.Allowed(spec.id)) {
      rules += (user_bit ? "+" : "-") + std::string(spec.name) + " ";
      fake.SetCommand(spec, user_bit);
    }
    auto it = first_args_.find(spec.id);
    if (user_bit || it == first_args_.end()) return;
    for (const std::string& arg : it->second)
      rules += "+" + std::string(spec.name) + "|" + arg + " ";
  });
  rules.pop_back();
  return rules;
}

std::string AclSelector::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const KeyPattern& k : keys_) {
    if (!out.empty()) out += ' ';
    if (k.access == kKeyRead) {
      out += "%R";
    } else if (k.access == kKeyWrite) {
      out += "%W";
    }
    out += "~" + k.pattern;
  }
  return out;
}

std::string AclSelector::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const std::string& c : channels_) {
    if (!out.empty()) out += ' ';
    out += "&" + c;
  }
  return out;
}

std::string AclSelector::Describe(const CommandTable& table) const {
  std::string out = DescribeKeys();
  if (!out.empty()) out += ' ';
  if (!all_channels_) out += "resetchannels ";
  std::string channels = DescribeChannels();
  if (!channels.empty()) out += channels + " ";
  return out + DescribeCommands(table);
}

}  // namespace cairn::server
