// src/base/config_option.h — how one configuration option is parsed, checked and printed,
// and the table of Redis 7.0 options cairn accepts without acting on them.
//
// Internal to the config layer (config.cc builds its option table from these); commands see
// options only through ConfigStore.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::server {

// The value grammar of an option, as Redis 7.0 defines it.
enum class ConfigKind {
  kBool,           // yes | no
  kInt,            // a plain integer, held in an int
  kInt64,          // a plain integer, held in an int64_t
  kOctal,          // an octal integer (unixsocketperm)
  kMemory,         // an integer with an optional unit: 1k, 1kb, 1m, 1mb, 1g, 1gb
  kMemoryPercent,  // a memory value or "N%" (held as -N), maxmemory-clients
  kString,         // one word, kept as given
  kEnum,           // one of `choices`, case-insensitive, kept in lower case
  kEnumFlags,      // one or more of `choices` (shutdown-on-sigint)
  kList,           // any number of words (bind), checked by `check` when set
  kCustom,         // a grammar of its own (config_values.h)
};

// An option of Redis 7.0 that cairn parses with Redis's grammar and bounds, stores, reports
// by CONFIG GET and (when Redis allows) changes by CONFIG SET, without acting on it.
struct AcceptedOption {
  std::string_view name;
  std::string_view alias;  // Redis's older name ("" if none)
  ConfigKind kind;
  bool mutable_at_runtime;
  std::string_view default_value;  // as CONFIG GET prints it
  int64_t min = 0, max = 0;        // numbers
  std::vector<std::string_view> choices = {};
  // kList and kEnumFlags: a further check of the words; the message is Redis's reason.
  Status (*check)(const std::vector<std::string>& words) = nullptr;
  bool hidden = false;  // left out of pattern matches, as Redis hides its debugging options
};

// Every such option, in a fixed order (the order of Config::accepted).
const std::vector<AcceptedOption>& AcceptedOptions();

// True for the options of that table the server reads and acts on (replication and user
// settings, read by name where they are used); the others get a startup warning.
bool AcceptedOptionActs(std::string_view name);

}  // namespace cairn::server
