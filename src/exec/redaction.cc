// src/exec/redaction.cc — see redaction.h.
#include "src/exec/redaction.h"

#include <strings.h>

namespace cairn::server {
namespace {

bool Is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Marks the `count` arguments after index at (those that exist).
void HideAfter(std::vector<bool>& secret, size_t at, size_t count) {
  for (size_t i = at + 1; i <= at + count && i < secret.size(); ++i) secret[i] = true;
}

}  // namespace

std::vector<bool> SecretArguments(std::span<const std::string_view> args) {
  std::vector<bool> secret(args.size());
  if (args.empty()) return secret;
  std::string_view cmd = args[0];
  if (Is(cmd, "auth")) {
    HideAfter(secret, 0, args.size());
  } else if (Is(cmd, "acl") && args.size() > 1 && Is(args[1], "setuser")) {
    HideAfter(secret, 1, args.size());
  } else if (Is(cmd, "config") && args.size() > 1 && Is(args[1], "set")) {
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      if (Is(args[i], "masterauth") || Is(args[i], "masteruser") || Is(args[i], "requirepass")) {
        secret[i + 1] = true;
      }
    }
  } else if (Is(cmd, "hello")) {
    for (size_t j = 2; j < args.size(); ++j) {
      if (Is(args[j], "auth")) HideAfter(secret, j, 2);
    }
  } else if (Is(cmd, "migrate")) {
    // Options start after the five fixed arguments; KEYS ends them (what follows are keys).
    for (size_t j = 6; j < args.size() && !Is(args[j], "keys"); ++j) {
      if (Is(args[j], "auth")) HideAfter(secret, j, 1);
      if (Is(args[j], "auth2")) HideAfter(secret, j, 2);
    }
  }
  return secret;
}

}  // namespace cairn::server
