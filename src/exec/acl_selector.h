// src/exec/acl_selector.h — one ACL selector: which commands, keys and channels it allows.
//
// A user has a root selector and any number of extra "(...)" selectors (acl_user.h); a
// command may run when one of them allows all of it. Rules are Redis 7.0's: +cmd, -cmd,
// +cmd|sub, +cmd|firstarg, +@category, -@category, allcommands / +@all, nocommands / -@all,
// ~pattern, %R~ / %W~ / %RW~ pattern, allkeys / ~*, resetkeys, &pattern, allchannels / &*,
// resetchannels. Commands are bits indexed by the command table's slot ids, so a check is a
// bit test. A selector is a value: ACL SETUSER edits a copy and publishes it (acl.h).
// Thread: const methods from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::server {

struct CommandSpec;
class CommandTable;

// Why a command was refused, ordered as Redis ranks them when several selectors refuse it
// (the highest is reported).
enum class AclDenial : uint8_t { kNone = 0, kCommand = 1, kKey = 2, kChannel = 4 };

struct AclVerdict {
  AclDenial denial = AclDenial::kNone;
  size_t arg_index = 0;  // the refused key or channel argument
};

class AclSelector {
 public:
  struct KeyPattern {
    std::string pattern;
    uint8_t access;  // KeyAccess bits (acl_key_specs.h): what the pattern grants
  };

  // all_channels: the selector starts with allchannels (acl-pubsub-default), else with none.
  explicit AclSelector(const CommandTable& table, bool all_channels = false);

  // Applies one rule; on error leaves the selector as it may have been changed part way (the
  // caller works on a copy) and returns Redis's text for the problem ("Syntax error").
  [[nodiscard]] Status Apply(const CommandTable& table, std::string_view rule);

  // Whether this selector lets args (args[0] the name) run as spec.
  AclVerdict Check(const CommandSpec& spec, std::span<const std::string_view> args) const;
  bool AllowsCommand(const CommandSpec& spec, std::span<const std::string_view> args) const;
  // Whether every command, key and channel is allowed (the default user's usual state).
  bool Unrestricted() const { return all_keys_ && all_channels_ && AllCommands(); }

  // Whether a subscription may exist: a channel must match an allowed pattern, a pattern
  // (is_pattern, PSUBSCRIBE) must equal one.
  bool ChannelAllowed(std::string_view channel, bool is_pattern) const;
  // Whether the selector reads any key ("*" as a key is allowed for reading): SORT BY/GET.
  bool ReadsAllKeys() const;
  bool all_channels() const { return all_channels_; }
  const std::vector<std::string>& channels() const { return channels_; }

  // Redis's descriptions, as ACL LIST / GETUSER show them.
  std::string DescribeCommands(const CommandTable& table) const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;  // "&*" or the &patterns, space separated
  // "~keys resetchannels &ch -@all +get": the rules that rebuild this selector.
  std::string Describe(const CommandTable& table) const;

 private:
  bool Allowed(size_t id) const { return (bits_[id / 64] >> (id % 64)) & 1; }
  void SetBit(size_t id, bool on);
  void SetCommand(const CommandSpec& spec, bool on);  // with its subcommands
  bool AllCommands() const;
  bool KeyAllowed(std::string_view key, uint8_t access) const;
  AclDenial CheckChannels(const CommandSpec& spec, std::span<const std::string_view> args,
                          size_t* index) const;
  [[nodiscard]] Status ApplyCommandRule(const CommandTable& table, std::string_view rule);
  [[nodiscard]] Status ApplyKeyRule(std::string_view rule);

  std::vector<uint64_t> bits_;    // one bit per command slot id
  bool future_commands_ = false;  // +@all: commands added later are allowed too
  std::map<size_t, std::vector<std::string>> first_args_;  // +select|0: id -> allowed args
  bool all_keys_ = false;
  bool all_channels_ = false;
  std::vector<KeyPattern> keys_;
  std::vector<std::string> channels_;
};

}  // namespace cairn::server
