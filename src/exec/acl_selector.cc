// src/exec/acl_selector.cc — see acl_selector.h.
#include "src/exec/acl_selector.h"

#include <algorithm>

#include "src/base/glob.h"
#include "src/exec/acl_categories.h"
#include "src/exec/acl_key_specs.h"
#include "src/exec/command_table.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

constexpr std::string_view kSyntaxError = "Syntax error";
constexpr std::string_view kUnknownName = "Unknown command or category name in ACL";
constexpr std::string_view kKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kFirstArgOfSub = "Allowing first-arg of a subcommand is not supported";

bool HasSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

Status Invalid(std::string_view text) { return Status::Invalid(std::string(text)); }

// The channel arguments of the commands whose channels ACL rules govern: publishing and
// subscribing (unsubscribing needs no permission). is_pattern: PSUBSCRIBE's patterns, which
// must equal an allowed pattern rather than match it.
struct ChannelArgs {
  size_t first = 0, last = 0;  // argument range, 0 when the command names no channels
  bool is_pattern = false;
};

ChannelArgs ChannelsOf(std::string_view name, size_t argc) {
  if (name == "publish" || name == "spublish") return {1, 1, false};
  if (name == "subscribe" || name == "ssubscribe") return {1, argc - 1, false};
  if (name == "psubscribe") return {1, argc - 1, true};
  return {};
}

}  // namespace

AclSelector::AclSelector(const CommandTable& table, bool all_channels)
    : bits_((table.slot_count() + 63) / 64), all_channels_(all_channels) {}

void AclSelector::SetBit(size_t id, bool on) {
  if (on) {
    bits_[id / 64] |= uint64_t{1} << (id % 64);
  } else {
    bits_[id / 64] &= ~(uint64_t{1} << (id % 64));
  }
}

void AclSelector::SetCommand(const CommandSpec& spec, bool on) {
  SetBit(spec.id, on);
  first_args_.erase(spec.id);
  for (const CommandSpec& sub : spec.subcommands) SetCommand(sub, on);
}

bool AclSelector::AllCommands() const {
  if (!future_commands_) return false;
  return std::all_of(bits_.begin(), bits_.end(), [](uint64_t w) { return w == ~0ull; });
}

Status AclSelector::Apply(const CommandTable& table, std::string_view rule) {
  if (EqualsIgnoreCase(rule, "allkeys") || rule == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (EqualsIgnoreCase(rule, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (EqualsIgnoreCase(rule, "allchannels") || rule == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (EqualsIgnoreCase(rule, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (!rule.empty() && (rule[0] == '~' || rule[0] == '%')) {
    return ApplyKeyRule(rule);
  } else if (!rule.empty() && rule[0] == '&') {
    if (all_channels_) return Invalid(kChannelsAfterAll);
    std::string_view pattern = rule.substr(1);
    if (HasSpace(pattern)) return Invalid(kSyntaxError);
    if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) {
      channels_.emplace_back(pattern);
    }
  } else {
    return ApplyCommandRule(table, rule);
  }
  return Status::Ok();
}

Status AclSelector::ApplyKeyRule(std::string_view rule) {
  if (all_keys_) return Invalid(kKeysAfterAll);
  uint8_t access = kKeyRead | kKeyWrite;
  size_t offset = 1;
  if (rule[0] == '%') {
    access = 0;
    for (; offset < rule.size(); ++offset) {
      char c = static_cast<char>(std::toupper(static_cast<unsigned char>(rule[offset])));
      if (c == 'R' && !(access & kKeyRead)) {
        access |= kKeyRead;
      } else if (c == 'W' && !(access & kKeyWrite)) {
        access |= kKeyWrite;
      } else if (c == '~') {
        ++offset;
        break;
      } else {
        return Invalid(kSyntaxError);
      }
    }
  }
  std::string_view pattern = rule.substr(std::min(offset, rule.size()));
  if (HasSpace(pattern)) return Invalid(kSyntaxError);
  auto same = std::find_if(keys_.begin(), keys_.end(),
                           [&](const KeyPattern& k) { return k.pattern == pattern; });
  if (same == keys_.end()) {
    keys_.push_back({std::string(pattern), access});
  } else {
    same->access |= access;
  }
  return Status::Ok();
}

Status AclSelector::ApplyCommandRule(const CommandTable& table, std::string_view rule) {
  if (EqualsIgnoreCase(rule, "allcommands") || EqualsIgnoreCase(rule, "+@all") ||
      EqualsIgnoreCase(rule, "nocommands") || EqualsIgnoreCase(rule, "-@all")) {
    bool on = rule[0] != 'n' && rule[0] != 'N' && rule[0] != '-';
    std::fill(bits_.begin(), bits_.end(), on ? ~0ull : 0);
    future_commands_ = on;
    first_args_.clear();
    return Status::Ok();
  }
  if (rule.size() < 2 || (rule[0] != '+' && rule[0] != '-')) return Invalid(kSyntaxError);
  bool on = rule[0] == '+';
  if (rule[1] == '@') {
    std::optional<AclCategory> cat = FindAclCategory(rule.substr(2));
    if (!cat) return Invalid(kUnknownName);
    for (const CommandSpec& cmd : table.all()) {
      if (cmd.acl_categories & (1u << *cat)) SetCommand(cmd, on);
      for (const CommandSpec& sub : cmd.subcommands) {
        if (sub.acl_categories & (1u << *cat)) SetCommand(sub, on);
      }
    }
    return Status::Ok();
  }
  std::string_view name = rule.substr(1);
  size_t bar = name.rfind('|');
  if (!on || bar == std::string_view::npos) {
    const CommandSpec* cmd = table.FindFull(name);
    if (cmd == nullptr) return Invalid(kUnknownName);
    SetCommand(*cmd, on);
    return Status::Ok();
  }
  const CommandSpec* parent = table.FindFull(name.substr(0, bar));
  if (parent == nullptr) return Invalid(kUnknownName);
  if (parent->name.find('|') != std::string_view::npos) return Invalid(kFirstArgOfSub);
  std::string_view sub = name.substr(bar + 1);
  if (sub.empty()) return Invalid(kSyntaxError);
  if (!parent->subcommands.empty()) {
    const CommandSpec* found = CommandTable::FindSub(*parent, sub);
    if (found == nullptr) return Invalid(kUnknownName);
    SetCommand(*found, true);
    return Status::Ok();
  }
  // A first argument of a command without subcommands (SELECT 0): Redis still allows it.
  std::string lower(sub);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string>& args = first_args_[parent->id];
  if (std::find(args.begin(), args.end(), lower) == args.end()) args.push_back(lower);
  return Status::Ok();
}

bool AclSelector::AllowsCommand(const CommandSpec& spec,
                                std::span<const std::string_view> args) const {
  if (Allowed(spec.id) || (spec.flags & kNoAuth)) return true;
  auto it = first_args_.find(spec.id);
  if (it == first_args_.end() || args.size() < 2) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& a) { return EqualsIgnoreCase(a, args[1]); });
}

bool AclSelector::KeyAllowed(std::string_view key, uint8_t access) const {
  if (all_keys_) return true;
  access &= kKeyRead | kKeyWrite;
  return std::any_of(keys_.begin(), keys_.end(), [&](const KeyPattern& k) {
    return (k.access & access) == access && GlobMatch(k.pattern, key);
  });
}

bool AclSelector::ChannelAllowed(std::string_view channel, bool is_pattern) const {
  if (all_channels_) return true;
  return std::any_of(channels_.begin(), channels_.end(), [&](const std::string& p) {
    return is_pattern ? p == channel : GlobMatch(p, channel);
  });
}

bool AclSelector::ReadsAllKeys() const { return KeyAllowed("*", kKeyRead); }

AclDenial AclSelector::CheckChannels(const CommandSpec& spec,
                                     std::span<const std::string_view> args, size_t* index) const {
  ChannelArgs ch = ChannelsOf(spec.name, args.size());
  for (size_t i = ch.first; ch.first > 0 && i <= ch.last && i < args.size(); ++i) {
    if (!ChannelAllowed(args[i], ch.is_pattern)) {
      *index = i;
      return AclDenial::kChannel;
    }
  }
  return AclDenial::kNone;
}

AclVerdict AclSelector::Check(const CommandSpec& spec,
                              std::span<const std::string_view> args) const {
  if (!AllowsCommand(spec, args)) return {AclDenial::kCommand, 0};
  AclVerdict verdict;
  if (!all_keys_) {
    ForEachAclKey(spec, args, [&](size_t index, uint8_t access) {
      if (verdict.denial == AclDenial::kNone && !KeyAllowed(args[index], access)) {
        verdict = {AclDenial::kKey, index};
      }
    });
    if (verdict.denial != AclDenial::kNone) return verdict;
  }
  if (!all_channels_) verdict.denial = CheckChannels(spec, args, &verdict.arg_index);
  return verdict;
}

}  // namespace cairn::server
