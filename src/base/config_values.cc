// src/base/config_values.cc — see config_values.h.
#include "src/base/config_values.h"

#include <cctype>

#include "resp/number.h"
#include "src/base/config.h"

namespace cairn::server {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

OutputBufferLimit* ClassOf(std::string_view name, Config* c) {
  if (EqualsNoCase(name, "normal")) return &c->output_limit_normal;
  if (EqualsNoCase(name, "replica") || EqualsNoCase(name, "slave")) return &c->output_limit_replica;
  if (EqualsNoCase(name, "pubsub")) return &c->output_limit_pubsub;
  return nullptr;
}

std::string FormatLimit(std::string_view name, const OutputBufferLimit& l) {
  return std::string(name) + " " + std::to_string(l.hard_bytes) + " " +
         std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
}

struct FlagChar {
  char c;
  uint32_t flag;
};

// In the order Redis prints them.
constexpr FlagChar kClassChars[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString},  {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZSet},    {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule},  {'n', kNotifyNew}};

}  // namespace

Status ParseOutputBufferLimits(const std::vector<std::string>& words, Config* c) {
  if (words.empty() || words.size() % 4 != 0) {
    return Status::Invalid("Wrong number of arguments in buffer limit configuration.");
  }
  // All or nothing: a bad group leaves every class as it was.
  Config updated = *c;
  for (size_t i = 0; i < words.size(); i += 4) {
    OutputBufferLimit* limit = ClassOf(words[i], &updated);
    if (limit == nullptr) {
      return Status::Invalid("Invalid client class specified in buffer limit configuration.");
    }
    int64_t hard = 0, soft = 0, seconds = 0;
    if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) ||
        !resp::ParseInt64(words[i + 3], &seconds) || hard < 0 || soft < 0 || seconds < 0) {
      return Status::Invalid("Error in hard, soft or soft_seconds setting in buffer limit "
                             "configuration.");
    }
    *limit = OutputBufferLimit{hard, soft, seconds};
  }
  c->output_limit_normal = updated.output_limit_normal;
  c->output_limit_replica = updated.output_limit_replica;
  c->output_limit_pubsub = updated.output_limit_pubsub;
  return Status::Ok();
}

std::string FormatOutputBufferLimits(const Config& c) {
  return FormatLimit("normal", c.output_limit_normal) + " " +
         FormatLimit("slave", c.output_limit_replica) + " " +
         FormatLimit("pubsub", c.output_limit_pubsub);
}

bool ParseNotifyFlags(std::string_view text, uint32_t* flags) {
  uint32_t out = 0;
  for (char ch : text) {
    if (ch == 'A') {
      out |= kNotifyAll;
    } else if (ch == 'K') {
      out |= kNotifyKeyspace;
    } else if (ch == 'E') {
      out |= kNotifyKeyevent;
    } else if (ch == 'm') {
      out |= kNotifyKeyMiss;
    } else {
      uint32_t flag = 0;
      for (const FlagChar& fc : kClassChars) {
        if (fc.c == ch) flag = fc.flag;
      }
      if (flag == 0) return false;
      out |= flag;
    }
  }
  *flags = out;
  return true;
}

std::string FormatNotifyFlags(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';  // Redis prints no 'n' after it, even when set; CONFIG GET matches
  } else {
    for (const FlagChar& fc : kClassChars) {
      if (flags & fc.flag) out += fc.c;
    }
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyKeyMiss) out += 'm';
  return out;
}

}  // namespace cairn::server
