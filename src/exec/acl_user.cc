// src/exec/acl_user.cc — see acl_user.h.
#include "src/exec/acl_user.h"

#include <algorithm>

#include "src/base/sha256.h"
#include "src/exec/command_table.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

constexpr std::string_view kBadDigest =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";

// Compares without an early exit, so the time taken does not reveal how much matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool IsPasswordDigest(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

AclUser::AclUser(std::string name, const CommandTable& table, bool all_channels)
    : name_(std::move(name)), pubsub_all_channels_(all_channels) {
  selectors_.emplace_back(table, all_channels);
}

bool AclUser::PasswordMatches(std::string_view password) const {
  if (nopass_) return true;
  std::string digest = Sha256Hex(password);
  bool match = false;
  for (const std::string& p : passwords_) match = ConstantTimeEquals(p, digest) || match;
  return match;
}

Status AclUser::Apply(const CommandTable& table, std::string_view rule) {
  if (rule.empty()) return Status::Ok();
  if (EqualsIgnoreCase(rule, "on") || EqualsIgnoreCase(rule, "off")) {
    enabled_ = EqualsIgnoreCase(rule, "on");
  } else if (EqualsIgnoreCase(rule, "nopass") || EqualsIgnoreCase(rule, "resetpass")) {
    nopass_ = EqualsIgnoreCase(rule, "nopass");
    passwords_.clear();
  } else if (EqualsIgnoreCase(rule, "sanitize-payload") ||
             EqualsIgnoreCase(rule, "skip-sanitize-payload")) {
    sanitize_ = EqualsIgnoreCase(rule, "sanitize-payload") ? Sanitize::kSanitize : Sanitize::kSkip;
  } else if (rule[0] == '>' || rule[0] == '#' || rule[0] == '<' || rule[0] == '!') {
    bool hashed = rule[0] == '#' || rule[0] == '!';
    if (hashed && !IsPasswordDigest(rule.substr(1)))
      return Status::Invalid(std::string(kBadDigest));
    std::string digest = hashed ? std::string(rule.substr(1)) : Sha256Hex(rule.substr(1));
    auto it = std::find(passwords_.begin(), passwords_.end(), digest);
    if (rule[0] == '>' || rule[0] == '#') {
      if (it == passwords_.end()) passwords_.push_back(std::move(digest));
      nopass_ = false;
    } else if (it == passwords_.end()) {
      return Status::Invalid(std::string(kNoSuchPassword));
    } else {
      passwords_.erase(it);
    }
  } else if (rule.front() == '(' && rule.back() == ')' && rule.size() >= 2) {
    AclSelector selector(table, pubsub_all_channels_);
    std::string_view body = rule.substr(1, rule.size() - 2);
    while (!body.empty()) {
      size_t space = body.find(' ');
      std::string_view one = body.substr(0, space);
      if (!one.empty()) {
        Status s = selector.Apply(table, one);
        if (!s.ok()) return s;
      }
      body = space == std::string_view::npos ? std::string_view() : body.substr(space + 1);
    }
    selectors_.push_back(std::move(selector));
  } else if (EqualsIgnoreCase(rule, "clearselectors")) {
    selectors_.resize(1, selectors_[0]);
  } else if (EqualsIgnoreCase(rule, "reset")) {
    passwords_.clear();
    nopass_ = false;
    enabled_ = false;
    sanitize_ = Sanitize::kSanitize;
    selectors_.assign(1, AclSelector(table, pubsub_all_channels_));
  } else {
    return selectors_[0].Apply(table, rule);
  }
  return Status::Ok();
}

Status AclUser::ApplyAll(const CommandTable& table, std::span<const std::string> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string rule = rules[i];
    if (!rule.empty() && rule[0] == '(' && rule.back() != ')') {
      // A selector written across arguments: join them up to the closing parenthesis.
      size_t j = i + 1;
      for (; j < rules.size() && (rules[j].empty() || rules[j].back() != ')'); ++j) {
        rule += " " + rules[j];
      }
      if (j == rules.size()) {
        return Status::Invalid("Unmatched parenthesis in acl selector starting at '" + rules[i] +
                               "'.");
      }
      rule += " " + rules[j];
      i = j;
    }
    Status s = Apply(table, rule);
    if (!s.ok()) {
      return Status::Invalid("Error in ACL SETUSER modifier '" + rule +
                             "': " + std::string(s.message()));
    }
  }
  return Status::Ok();
}

AclVerdict AclUser::Check(const CommandSpec& spec, std::span<const std::string_view> args) const {
  AclVerdict worst;
  for (const AclSelector& selector : selectors_) {
    AclVerdict v = selector.Check(spec, args);
    if (v.denial == AclDenial::kNone) return v;
    // Of two refusals of one kind, the one that got further through the arguments.
    if (v.denial > worst.denial || (v.denial == worst.denial && v.arg_index > worst.arg_index)) {
      worst = v;
    }
  }
  return worst;
}

bool AclUser::ChannelAllowed(std::string_view name, bool is_pattern) const {
  return std::any_of(selectors_.begin(), selectors_.end(),
                     [&](const AclSelector& s) { return s.ChannelAllowed(name, is_pattern); });
}

bool AclUser::ReadsAllKeys() const {
  return std::any_of(selectors_.begin(), selectors_.end(),
                     [](const AclSelector& s) { return s.ReadsAllKeys(); });
}

bool ChannelsNarrowed(const AclUser& before, const AclUser& after) {
  const auto& now = after.selectors();
  if (std::any_of(now.begin(), now.end(), [](const AclSelector& s) { return s.all_channels(); })) {
    return false;
  }
  for (const AclSelector& old : before.selectors()) {
    if (old.all_channels()) return true;
    for (const std::string& rule : old.channels()) {
      bool kept = std::any_of(now.begin(), now.end(), [&](const AclSelector& s) {
        return std::find(s.channels().begin(), s.channels().end(), rule) != s.channels().end();
      });
      if (!kept) return true;
    }
  }
  return false;
}

std::vector<std::string_view> AclUser::Flags() const {
  std::vector<std::string_view> flags{enabled_ ? "on" : "off"};
  if (nopass_) flags.push_back("nopass");
  if (sanitize_ == Sanitize::kSkip) flags.push_back("skip-sanitize-payload");
  if (sanitize_ == Sanitize::kSanitize) flags.push_back("sanitize-payload");
  return flags;
}

std::string AclUser::Describe(const CommandTable& table) const {
  std::string out;
  for (std::string_view flag : Flags()) out += std::string(flag) + " ";
  for (const std::string& p : passwords_) out += "#" + p + " ";
  out += selectors_[0].Describe(table);
  for (size_t i = 1; i < selectors_.size(); ++i) {
    out += " (" + selectors_[i].Describe(table) + ")";
  }
  return out;
}

}  // namespace cairn::server
