// src/exec/acl_user.h — one ACL user: enabled or not, its passwords (kept only as SHA-256
// digests), and its selectors (the root one first).
//
// User-level rules: on, off, nopass, resetpass, >password, <password, #<sha256 hex>,
// !<sha256 hex>, (selector rules...), clearselectors, reset, sanitize-payload,
// skip-sanitize-payload; every other rule goes to the root selector (acl_selector.h). A user
// is a value: ACL SETUSER edits a copy and publishes it whole (acl.h). Thread: const methods
// from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/acl_selector.h"
#include "store/base/status.h"

namespace cairn::server {

class AclUser {
 public:
  // A new user: off, no passwords (not nopass), no commands or keys, and every channel when
  // all_channels (acl-pubsub-default allchannels) else none.
  AclUser(std::string name, const CommandTable& table, bool all_channels = false);

  // Applies one rule; Redis's problem text on error (the user may be changed part way).
  [[nodiscard]] Status Apply(const CommandTable& table, std::string_view rule);
  // Applies rules in order, merging a selector written across several arguments ("(~x"
  // "+get)") as Redis does. On error names the offending rule as ACL SETUSER reports it:
  // "Error in ACL SETUSER modifier '<rule>': <problem>" or the unmatched-parenthesis text.
  [[nodiscard]] Status ApplyAll(const CommandTable& table, std::span<const std::string> rules);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& password_hashes() const { return passwords_; }
  const std::vector<AclSelector>& selectors() const { return selectors_; }
  // Whether password opens this user (nopass, or one of the digests matches). A disabled
  // user never authenticates; that check is the caller's.
  bool PasswordMatches(std::string_view password) const;
  // Every command, key and channel allowed by the root selector: checks can be skipped.
  bool Unrestricted() const { return selectors_[0].Unrestricted(); }

  // acl-pubsub-default as it is now: the channels of selectors that "reset" and "(...)" make.
  void set_pubsub_default(bool all_channels) { pubsub_all_channels_ = all_channels; }
  // Whether a client of this user may stay subscribed to name (a pattern when is_pattern).
  bool ChannelAllowed(std::string_view name, bool is_pattern) const;
  // Whether some selector may read every key: SORT's BY and GET options need it.
  bool ReadsAllKeys() const;

  // The selector verdict Redis reports: allowed if any selector allows, else the most
  // relevant refusal (acl_selector.h's order; among equals, the latest argument).
  AclVerdict Check(const CommandSpec& spec, std::span<const std::string_view> args) const;

  // "on #<hash> ~* &* +@all (...)": ACL LIST's text without the "user <name> " prefix.
  std::string Describe(const CommandTable& table) const;
  // The flags GETUSER lists: "on"/"off", "nopass", the sanitize-payload flags.
  std::vector<std::string_view> Flags() const;

 private:
  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  enum class Sanitize : uint8_t { kUnset, kSanitize, kSkip } sanitize_ = Sanitize::kUnset;
  std::vector<std::string> passwords_;  // SHA-256 hex digests, in the order added
  std::vector<AclSelector> selectors_;  // [0] is the root selector
  bool pubsub_all_channels_ = false;
};

// Whether changing a user from before to after may take away a channel some client is
// subscribed to: after allows no longer every channel, or drops a channel rule before had.
// (A client's subscriptions are then checked one by one.)
bool ChannelsNarrowed(const AclUser& before, const AclUser& after);

// Whether s is a valid "#" password digest: 64 lower-case hex digits.
bool IsPasswordDigest(std::string_view s);

}  // namespace cairn::server
