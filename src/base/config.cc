// src/base/config.cc — the option table and redis.conf parsing. See config.h.
#include "src/base/config.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "resp/inline_split.h"
#include "resp/number.h"
#include "src/base/config_file.h"
#include "src/base/config_option.h"
#include "src/base/config_values.h"
#include "src/base/glob.h"

namespace cairn::server {
namespace {

using Kind = ConfigKind;

// One option: how to parse, check and print it. Setters return Redis's reason on error.
// A real option lives in a Config field; an accepted-only one (config_option.h) in
// Config::accepted[accepted], as the text CONFIG GET prints.
struct Option {
  std::string_view name;
  Kind kind;
  bool mutable_at_runtime;
  int64_t min = 0, max = 0;                // numbers
  std::vector<std::string_view> choices;   // kEnum, kEnumFlags
  std::function<void*(Config&)> field;
  Status (*parse)(const std::vector<std::string>& words, Config* c) = nullptr;  // kCustom
  std::string (*format)(const Config& c) = nullptr;                            // kCustom
  std::string_view alias = {};
  int accepted = -1;
  Status (*check)(const std::vector<std::string>& words) = nullptr;  // kList, kEnumFlags
  bool hidden = false;
};

Status ParseNotifyKeyspaceEvents(const std::vector<std::string>& words, Config* c) {
  uint32_t flags = 0;
  if (words.size() > 1 || (words.size() == 1 && !ParseNotifyFlags(words[0], &flags))) {
    return Status::Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  }
  c->notify_keyspace_events = flags;
  return Status::Ok();
}

std::string FormatNotifyKeyspaceEvents(const Config& c) {
  return FormatNotifyFlags(c.notify_keyspace_events);
}

std::string Bounds(int64_t min, int64_t max);

// hz: a hint, as in Redis: any value from 0 to INT_MAX is accepted (a redis.conf with hz 1000
// must not stop a start) and held within 1..500, which CONFIG GET then shows.
constexpr int kMinHz = 1, kMaxHz = 500;

Status ParseHz(const std::vector<std::string>& words, Config* c) {
  int64_t hz = 0;
  if (words.size() != 1 || !resp::ParseInt64(words[0], &hz)) {
    return Status::Invalid("argument couldn't be parsed into an integer");
  }
  if (hz < 0 || hz > INT_MAX) return Status::Invalid(Bounds(0, INT_MAX));
  c->hz = static_cast<int>(std::clamp<int64_t>(hz, kMinHz, kMaxHz));
  return Status::Ok();
}

std::string FormatHz(const Config& c) { return std::to_string(c.hz); }

template <class T, class M>
std::function<void*(Config&)> Field(M T::*member) {
  return [member](Config& c) -> void* { return &(c.*member); };
}

template <class M>
std::function<void*(Config&)> TlsField(M TlsOptions::*member) {
  return [member](Config& c) -> void* { return &(c.tls.*member); };
}

// cairn's own options: the ones it acts on (Redis's names and grammar where Redis has them).
std::vector<Option> RealOptions() {
  return {
      {"port", Kind::kInt, true, 0, 65535, {}, Field(&Config::port)},
      {"bind", Kind::kList, true, 0, 0, {}, Field(&Config::bind)},
      {"unixsocket", Kind::kString, false, 0, 0, {}, Field(&Config::unixsocket)},
      {"unixsocketperm", Kind::kOctal, false, 0, 0777, {}, Field(&Config::unixsocketperm)},
      {"tcp-backlog", Kind::kInt, false, 0, INT_MAX, {}, Field(&Config::tcp_backlog)},
      {"threads", Kind::kInt, false, 0, 256, {}, Field(&Config::threads)},
      {"maxclients", Kind::kInt, true, 1, INT_MAX, {}, Field(&Config::maxclients)},
      {"timeout", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::timeout_s)},
      {"tcp-keepalive", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::tcp_keepalive_s)},
      {"protected-mode", Kind::kBool, true, 0, 0, {}, Field(&Config::protected_mode)},
      {"tls-port", Kind::kInt, true, 0, 65535, {}, TlsField(&TlsOptions::port)},
      {"tls-cert-file", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::cert_file)},
      {"tls-key-file", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::key_file)},
      {"tls-key-file-pass", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::key_file_pass)},
      {"tls-ca-cert-file", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::ca_cert_file)},
      {"tls-ca-cert-dir", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::ca_cert_dir)},
      {"tls-dh-params-file", Kind::kString, true, 0, 0, {},
       TlsField(&TlsOptions::dh_params_file)},
      {"tls-auth-clients", Kind::kEnum, true, 0, 0, {"no", "yes", "optional"},
       TlsField(&TlsOptions::auth_clients)},
      {"tls-protocols", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::protocols)},
      {"tls-ciphers", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::ciphers)},
      {"tls-ciphersuites", Kind::kString, true, 0, 0, {}, TlsField(&TlsOptions::ciphersuites)},
      {"tls-prefer-server-ciphers", Kind::kBool, true, 0, 0, {},
       TlsField(&TlsOptions::prefer_server_ciphers)},
      {"tls-session-caching", Kind::kBool, true, 0, 0, {}, TlsField(&TlsOptions::session_caching)},
      {"tls-session-cache-size", Kind::kInt, true, 0, INT_MAX, {},
       TlsField(&TlsOptions::session_cache_size)},
      {"tls-session-cache-timeout", Kind::kInt, true, 0, INT_MAX, {},
       TlsField(&TlsOptions::session_cache_timeout)},
      {"tls-replication", Kind::kBool, true, 0, 0, {}, TlsField(&TlsOptions::replication)},
      {"tls-client-cert-file", Kind::kString, true, 0, 0, {},
       TlsField(&TlsOptions::client_cert_file)},
      {"tls-client-key-file", Kind::kString, true, 0, 0, {},
       TlsField(&TlsOptions::client_key_file)},
      {"tls-client-key-file-pass", Kind::kString, true, 0, 0, {},
       TlsField(&TlsOptions::client_key_file_pass)},
      {"requirepass", Kind::kString, true, 0, 0, {}, Field(&Config::requirepass)},
      {"proto-max-bulk-len", Kind::kMemory, true, 1024 * 1024, LLONG_MAX, {},
       Field(&Config::proto_max_bulk_len)},
      {"client-output-buffer-limit", Kind::kCustom, true, 0, 0, {}, nullptr,
       ParseOutputBufferLimits, FormatOutputBufferLimits},
      {"notify-keyspace-events", Kind::kCustom, true, 0, 0, {}, nullptr,
       ParseNotifyKeyspaceEvents, FormatNotifyKeyspaceEvents},
      {"client-query-buffer-limit", Kind::kMemory, true, 1024 * 1024, LLONG_MAX, {},
       Field(&Config::client_query_buffer_limit)},
      {"databases", Kind::kInt, false, 1, INT_MAX, {}, Field(&Config::databases)},
      {"hz", Kind::kCustom, true, 0, 0, {}, nullptr, ParseHz, FormatHz},
      {"maxmemory", Kind::kMemory, true, 0, LLONG_MAX, {}, Field(&Config::maxmemory)},
      {"maxmemory-policy", Kind::kEnum, true, 0, 0,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"},
       Field(&Config::maxmemory_policy)},
      {"maxmemory-samples", Kind::kInt, true, 1, 64, {}, Field(&Config::maxmemory_samples)},
      {"maxmemory-eviction-tenacity", Kind::kInt, true, 0, 100, {},
       Field(&Config::maxmemory_eviction_tenacity)},
      {"maxmemory-clients", Kind::kMemoryPercent, true, -100, LLONG_MAX, {},
       Field(&Config::maxmemory_clients)},
      {"lfu-log-factor", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::lfu_log_factor)},
      {"lfu-decay-time", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::lfu_decay_time)},
      {"lazyfree-lazy-user-del", Kind::kBool, true, 0, 0, {},
       Field(&Config::lazyfree_lazy_user_del)},
      {"lazyfree-lazy-user-flush", Kind::kBool, true, 0, 0, {},
       Field(&Config::lazyfree_lazy_user_flush)},
      {"hll-sparse-max-bytes", Kind::kMemory, true, 0, LONG_MAX, {},
       Field(&Config::hll_sparse_max_bytes)},
      {"tracking-table-max-keys", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::tracking_table_max_keys)},
      {"busy-reply-threshold", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::busy_reply_threshold_ms), nullptr, nullptr, "lua-time-limit"},
      {"slowlog-log-slower-than", Kind::kInt64, true, -1, LLONG_MAX, {},
       Field(&Config::slowlog_log_slower_than_us)},
      {"slowlog-max-len", Kind::kInt64, true, 0, LONG_MAX, {}, Field(&Config::slowlog_max_len)},
      {"aclfile", Kind::kString, false, 0, 0, {}, Field(&Config::aclfile)},
      {"acllog-max-len", Kind::kInt64, true, 0, LONG_MAX, {}, Field(&Config::acllog_max_len)},
      {"acl-pubsub-default", Kind::kEnum, true, 0, 0, {"allchannels", "resetchannels"},
       Field(&Config::acl_pubsub_default)},
      {"latency-monitor-threshold", Kind::kInt64, true, 0, LLONG_MAX, {},
       Field(&Config::latency_monitor_threshold_ms)},
      // Encoding thresholds (store/encoding_limits.h).
      {"hash-max-listpack-entries", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::hash_max_listpack_entries), nullptr, nullptr, "hash-max-ziplist-entries"},
      {"hash-max-listpack-value", Kind::kMemory, true, 0, LONG_MAX, {},
       Field(&Config::hash_max_listpack_value), nullptr, nullptr, "hash-max-ziplist-value"},
      {"zset-max-listpack-entries", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::zset_max_listpack_entries), nullptr, nullptr, "zset-max-ziplist-entries"},
      {"zset-max-listpack-value", Kind::kMemory, true, 0, LONG_MAX, {},
       Field(&Config::zset_max_listpack_value), nullptr, nullptr, "zset-max-ziplist-value"},
      {"set-max-intset-entries", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::set_max_intset_entries)},
      {"set-max-listpack-entries", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::set_max_listpack_entries)},
      {"set-max-listpack-value", Kind::kInt64, true, 0, LONG_MAX, {},
       Field(&Config::set_max_listpack_value)},
      {"list-max-listpack-size", Kind::kInt, true, INT_MIN, INT_MAX, {},
       Field(&Config::list_max_listpack_size), nullptr, nullptr, "list-max-ziplist-size"},
      {"list-compress-depth", Kind::kInt, true, 0, INT_MAX, {},
       Field(&Config::list_compress_depth)},
      {"stream-node-max-bytes", Kind::kMemory, true, 0, LONG_MAX, {},
       Field(&Config::stream_node_max_bytes)},
      {"stream-node-max-entries", Kind::kInt64, true, 0, LLONG_MAX, {},
       Field(&Config::stream_node_max_entries)},
      {"dir", Kind::kString, true, 0, 0, {}, Field(&Config::dir)},
      {"dbfilename", Kind::kString, true, 0, 0, {}, Field(&Config::dbfilename)},
      {"appendfilename", Kind::kString, false, 0, 0, {}, Field(&Config::appendfilename)},
      {"pidfile", Kind::kString, false, 0, 0, {}, Field(&Config::pidfile)},
      {"enable-debug-command", Kind::kEnum, false, 0, 0, {"no", "yes", "local"},
       Field(&Config::enable_debug_command)},
      {"loglevel", Kind::kEnum, true, 0, 0, {"debug", "verbose", "notice", "warning"},
       Field(&Config::loglevel)},
      {"logfile", Kind::kString, false, 0, 0, {}, Field(&Config::logfile)},
      {"daemonize", Kind::kBool, false, 0, 0, {}, Field(&Config::daemonize)},
      {"appendonly", Kind::kBool, true, 0, 0, {}, Field(&Config::appendonly)},
      {"appendfsync", Kind::kEnum, true, 0, 0, {"always", "everysec", "no"},
       Field(&Config::appendfsync)},
      {"save", Kind::kString, true, 0, 0, {}, Field(&Config::save)},
      {"auto-aof-rewrite-percentage", Kind::kInt, true, 0, INT_MAX, {},
       Field(&Config::auto_aof_rewrite_percentage)},
      {"auto-aof-rewrite-min-size", Kind::kMemory, true, 0, LLONG_MAX, {},
       Field(&Config::auto_aof_rewrite_min_size)},
      {"wal-segment-size", Kind::kMemory, false, 4096, LLONG_MAX, {},
       Field(&Config::wal_segment_size)},
      {"wal-max-pending-bytes", Kind::kMemory, true, 1024 * 1024, LLONG_MAX, {},
       Field(&Config::wal_max_pending_bytes)},
      {"wal-replay-skip-bad-records", Kind::kBool, true, 0, 0, {},
       Field(&Config::wal_replay_skip_bad_records)},
      {"debug-wal-sync-delay-ms", Kind::kInt, false, 0, 60000, {},
       Field(&Config::debug_wal_sync_delay_ms)},
      {"debug-wal-inject-enospc", Kind::kBool, true, 0, 0, {},
       Field(&Config::debug_wal_inject_enospc)},
  };
}

// Every option: cairn's own, then Redis's accepted-only ones.
const std::vector<Option>& Options() {
  static const std::vector<Option> options = [] {
    std::vector<Option> all = RealOptions();
    const std::vector<AcceptedOption>& accepted = AcceptedOptions();
    for (size_t i = 0; i < accepted.size(); ++i) {
      const AcceptedOption& a = accepted[i];
      Option o{a.name, a.kind, a.mutable_at_runtime, a.min, a.max, a.choices, nullptr};
      o.alias = a.alias;
      o.accepted = static_cast<int>(i);
      o.check = a.check;
      o.hidden = a.hidden;
      all.push_back(std::move(o));
    }
    return all;
  }();
  return options;
}

bool EqualsNoCase(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() &&
         std::equal(a.begin(), a.end(), lower.begin(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
}

const Option* FindOption(std::string_view name) {
  for (const Option& o : Options()) {
    if (EqualsNoCase(name, o.name) || (!o.alias.empty() && EqualsNoCase(name, o.alias))) {
      return &o;
    }
  }
  return nullptr;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Bounds(int64_t min, int64_t max) {
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
         " inclusive";
}

std::string EnumError(const Option& o) {
  std::string msg = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < o.choices.size(); ++i) msg += (i ? ", " : "") + std::string(o.choices[i]);
  return msg;
}

bool IsChoice(const Option& o, const std::string& lower) {
  return std::find(o.choices.begin(), o.choices.end(), lower) != o.choices.end();
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Whether text is digits and then at most one of Redis's memory units.
bool DigitsThenUnit(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  std::string unit = Lower(text.substr(digits));
  for (std::string_view u : {"", "b", "k", "kb", "m", "mb", "g", "gb"}) {
    if (unit == u) return true;
  }
  return false;
}

// A number of kind kInt, kInt64, kOctal, kMemory or kMemoryPercent, checked against bounds.
Status ParseNumber(const Option& o, const std::string& text, int64_t* n) {
  bool ok = false;
  std::string_view error = "argument couldn't be parsed into an integer";
  if (o.kind == Kind::kOctal) {
    char* end = nullptr;
    *n = std::strtol(text.c_str(), &end, 8);
    ok = !text.empty() && *end == '\0';
  } else if (o.kind == Kind::kMemoryPercent && !text.empty() && text.back() == '%') {
    ok = resp::ParseInt64(std::string_view(text).substr(0, text.size() - 1), n) && *n >= 0;
    if (ok && *n > 100) return Status::Invalid("percentage argument must be less or equal to 100");
    *n = -*n;  // held negative, as Redis does
    error = "argument must be a memory or percent value";
  } else if (o.kind == Kind::kMemory || o.kind == Kind::kMemoryPercent) {
    // As Redis reads a memory value: a sign is malformed, no digits at all read as 0, and
    // digits too many for a number are out of range rather than malformed.
    ok = text.empty() || (text[0] != '-' && ParseMemory(text, n));
    if (text.empty()) *n = 0;
    if (!ok && text[0] != '-' && DigitsThenUnit(text)) return Status::Invalid(Bounds(o.min, o.max));
    error = o.kind == Kind::kMemory ? "argument must be a memory value"
                                    : "argument must be a memory or percent value";
  } else {
    ok = resp::ParseInt64(text, n);
  }
  if (!ok) return Status::Invalid(std::string(error));
  if (*n < o.min || *n > o.max) return Status::Invalid(Bounds(o.min, o.max));
  return Status::Ok();
}

// Parses the words of a value into slot, whose type the kind gives (bool, int, int64_t,
// std::string or std::vector<std::string>). On failure, kInvalid with Redis's reason text.
Status ParseInto(const Option& o, void* slot, const std::vector<std::string>& v) {
  if (o.kind == Kind::kList || o.kind == Kind::kEnumFlags) {
    std::vector<std::string> words = v;
    if (o.kind == Kind::kEnumFlags) {
      if (words.empty()) return Status::Invalid(EnumError(o));
      for (std::string& w : words) {
        w = Lower(w);
        if (!IsChoice(o, w)) return Status::Invalid(EnumError(o));
      }
    }
    if (o.check != nullptr) {
      if (Status st = o.check(words); !st.ok()) return st;
    }
    if (o.kind == Kind::kEnumFlags) {
      *static_cast<std::string*>(slot) = Join(words);
    } else {
      *static_cast<std::vector<std::string>*>(slot) = std::move(words);
    }
    return Status::Ok();
  }
  const std::string& text = v[0];
  switch (o.kind) {
    case Kind::kBool: {
      std::string t = Lower(text);
      if (t != "yes" && t != "no") return Status::Invalid("argument must be 'yes' or 'no'");
      *static_cast<bool*>(slot) = t == "yes";
      return Status::Ok();
    }
    case Kind::kEnum: {
      std::string t = Lower(text);
      if (!IsChoice(o, t)) return Status::Invalid(EnumError(o));
      *static_cast<std::string*>(slot) = t;
      return Status::Ok();
    }
    case Kind::kString:
      *static_cast<std::string*>(slot) = text;
      return Status::Ok();
    default:
      break;
  }
  int64_t n = 0;
  if (Status st = ParseNumber(o, text, &n); !st.ok()) return st;
  if (o.kind == Kind::kInt || o.kind == Kind::kOctal) {
    *static_cast<int*>(slot) = static_cast<int>(n);
  } else {
    *static_cast<int64_t*>(slot) = n;
  }
  return Status::Ok();
}

// The text CONFIG GET prints for the value in slot (see ParseInto).
std::string FormatFrom(const Option& o, const void* slot) {
  switch (o.kind) {
    case Kind::kBool: return *static_cast<const bool*>(slot) ? "yes" : "no";
    case Kind::kInt: return std::to_string(*static_cast<const int*>(slot));
    case Kind::kOctal: {
      std::ostringstream s;
      s << std::oct << *static_cast<const int*>(slot);
      return s.str();
    }
    case Kind::kInt64:
    case Kind::kMemory: return std::to_string(*static_cast<const int64_t*>(slot));
    case Kind::kMemoryPercent: {
      int64_t n = *static_cast<const int64_t*>(slot);
      return n < 0 ? std::to_string(-n) + "%" : std::to_string(n);
    }
    case Kind::kString:
    case Kind::kEnum:
    case Kind::kEnumFlags: return *static_cast<const std::string*>(slot);
    case Kind::kList: return Join(*static_cast<const std::vector<std::string>*>(slot));
    case Kind::kCustom: break;
  }
  return "";
}

// Storage for an accepted-only option's value while it is parsed.
struct Scratch {
  bool flag = false;
  int small = 0;
  int64_t number = 0;
  std::string text;
  std::vector<std::string> words;

  void* For(Kind kind) {
    switch (kind) {
      case Kind::kBool: return &flag;
      case Kind::kInt:
      case Kind::kOctal: return &small;
      case Kind::kInt64:
      case Kind::kMemory:
      case Kind::kMemoryPercent: return &number;
      case Kind::kList: return &words;
      default: return &text;
    }
  }
};

// Parses value into the option's storage. On failure, kInvalid with Redis's reason text.
Status Assign(const Option& o, Config& c, const std::vector<std::string>& v) {
  if (o.kind == Kind::kCustom) return o.parse(v, &c);
  if (o.accepted < 0) return ParseInto(o, o.field(c), v);
  Scratch scratch;
  void* slot = scratch.For(o.kind);
  if (Status st = ParseInto(o, slot, v); !st.ok()) return st;
  c.accepted[static_cast<size_t>(o.accepted)] = FormatFrom(o, slot);
  return Status::Ok();
}

std::string Format(const Option& o, Config& c) {
  if (o.kind == Kind::kCustom) return o.format(c);
  if (o.accepted >= 0) return c.accepted[static_cast<size_t>(o.accepted)];
  return FormatFrom(o, o.field(c));
}

// Whether words (the name first) has a number of values the option takes.
bool ArityFits(const Option& o, size_t words) {
  if (words < 2) return false;
  switch (o.kind) {
    case Kind::kList:
    case Kind::kCustom:
    case Kind::kEnumFlags: return true;
    default: return o.name == "save" || words == 2;  // "save" takes pairs, or ""
  }
}

// The words of a list option's value: a real option's own vector; an accepted-only one's
// value as stored (words of numbers or a host and port), split at spaces.
std::vector<std::string> ListWords(const Option& o, Config& c, const std::string& v) {
  if (o.accepted < 0 && o.kind == Kind::kList) {
    return *static_cast<const std::vector<std::string>*>(o.field(c));
  }
  std::vector<std::string> words;
  for (size_t i = 0; i <= v.size();) {
    size_t space = std::min(v.find(' ', i), v.size());
    words.push_back(v.substr(i, space - i));
    i = space + 1;
  }
  return words;
}

// The value of option o (v as CONFIG GET prints it) as a config file line writes it after
// the name, so that the line reads back as the same value and nothing else. Strings are
// always quoted, as Redis writes them; a list keeps its words, each quoted only when it must
// be; numbers, yes/no, enums and the values cairn formats itself are written bare.
std::string RewriteValue(const Option& o, Config& c, const std::string& v) {
  auto digits = [](char ch) { return ch == ' ' || std::isdigit(static_cast<unsigned char>(ch)); };
  if (v.empty() && (o.kind == Kind::kString || o.kind == Kind::kList)) return "\"\"";
  switch (o.kind) {
    case Kind::kString:
      // save "<seconds> <changes>...": bare words, as redis-server writes them.
      if (o.name == "save" && std::all_of(v.begin(), v.end(), digits)) return v;
      return QuoteConfigValue(v);
    case Kind::kCustom:
      return o.name == "notify-keyspace-events" ? QuoteConfigValue(v) : v;
    case Kind::kList: {
      std::string out;
      for (const std::string& w : ListWords(o, c, v)) out += (out.empty() ? "" : " ") + ConfigWord(w);
      return out;
    }
    default:
      return v;  // numbers, yes/no and enum words: never anything to quote
  }
}

// Directives of redis.conf outside the option table that cairn reads and ignores (with a
// startup warning): a module or renamed commands it cannot honour.
bool IsIgnoredDirective(const std::string& lower) {
  return lower == "rename-command" || lower == "loadmodule";
}

}  // namespace

std::vector<std::string> DefaultAcceptedValues() {
  std::vector<std::string> values;
  for (const AcceptedOption& a : AcceptedOptions()) values.emplace_back(a.default_value);
  return values;
}

bool ParseMemory(std::string_view text, int64_t* out) {
  std::string t = Lower(text);
  int64_t mul = 1;
  struct Unit {
    const char* suffix;
    int64_t mul;
  };
  static const Unit units[] = {{"gb", 1LL << 30}, {"mb", 1LL << 20}, {"kb", 1LL << 10},
                               {"g", 1000000000LL}, {"m", 1000000LL}, {"k", 1000LL},
                               {"b", 1}};
  for (const Unit& u : units) {
    size_t n = std::string_view(u.suffix).size();
    if (t.size() > n && t.compare(t.size() - n, n, u.suffix) == 0) {
      mul = u.mul;
      t.resize(t.size() - n);
      break;
    }
  }
  int64_t v = 0;
  if (!resp::ParseInt64(t, &v)) return false;
  if (v != 0 && (v > LLONG_MAX / mul || v < LLONG_MIN / mul)) return false;
  *out = v * mul;
  return true;
}

bool SplitConfigLine(std::string_view line, std::vector<std::string>* words) {
  std::string scratch;
  std::vector<std::string_view> views;
  if (!resp::SplitInline(line, &scratch, &views)) return false;
  words->assign(views.begin(), views.end());
  return true;
}

Status ConfigStore::ApplyLine(const std::vector<std::string>& words, int depth) {
  std::string directive = Lower(words[0]);
  if (directive == "include" && words.size() == 2) return LoadFile(words[1], depth + 1);
  if (directive == "user" && words.size() >= 2) {
    config_.acl_users.emplace_back(words.begin() + 1, words.end());
    return Status::Ok();
  }
  if (IsIgnoredDirective(directive) && words.size() >= 2) {
    NoteAcceptedOnly(directive);
    return Status::Ok();
  }
  const Option* o = FindOption(words[0]);
  if (o == nullptr || !ArityFits(*o, words.size())) {
    return Status::Invalid("Bad directive or wrong number of arguments");
  }
  std::vector<std::string> values(words.begin() + 1, words.end());
  if (o->name == "save") values = {Join(values)};
  // As in Redis, one word given to a many-word option is split again ("" is no words), so
  // that `bind "a b"` and `--bind "a b"` mean `bind a b`, and an empty list reads back.
  bool many = o->kind == Kind::kList || o->kind == Kind::kCustom || o->kind == Kind::kEnumFlags;
  if (many && values.size() == 1 && !SplitConfigLine(values[0], &values)) {
    return Status::Invalid("Unbalanced quotes in configuration line");
  }
  if (Status st = Assign(*o, config_, values); !st.ok()) return st;
  if (o->accepted >= 0 && !AcceptedOptionActs(o->name)) NoteAcceptedOnly(std::string(o->name));
  return Status::Ok();
}

void ConfigStore::NoteAcceptedOnly(const std::string& name) {
  if (std::find(accepted_in_use_.begin(), accepted_in_use_.end(), name) == accepted_in_use_.end()) {
    accepted_in_use_.push_back(name);
  }
}

std::vector<std::string> ConfigStore::AcceptedOnlyInUse() const {
  std::lock_guard lock(mu_);
  return accepted_in_use_;
}

Status ConfigStore::LoadFile(const std::string& path, int depth) {
  // Redis follows includes without a limit; a bound turns a self-include into an error.
  if (depth > 16) return Status::Invalid("Too many nested include directives");
  std::ifstream in(path);
  if (!in) return Status::Invalid("Fatal error, can't open config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadTextLocked(ss.str(), path, depth);
}

Status ConfigStore::LoadText(std::string_view text, std::string_view origin) {
  std::lock_guard lock(mu_);
  return LoadTextLocked(text, origin, 0);
}

Status ConfigStore::LoadTextLocked(std::string_view text, std::string_view origin, int depth) {
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words;
    Status st = SplitConfigLine(line, &words)
                    ? ApplyLine(words, depth)
                    : Status::Invalid("Unbalanced quotes in configuration line");
    if (!st.ok() && st.message().starts_with("\n*** FATAL")) return st;  // from an include
    if (!st.ok()) {
      return Status::Invalid("\n*** FATAL CONFIG FILE ERROR ***\nReading the configuration file " +
                             std::string(origin) + ", at line " + std::to_string(line_no) +
                             "\n>>> '" + std::string(line) + "'\n" + std::string(st.message()) +
                             "\n");
    }
  }
  return Status::Ok();
}

Status ConfigStore::LoadArgs(int argc, const char* const* argv) {
  int i = 1;
  if (i < argc && std::string_view(argv[i]).substr(0, 2) != "--") {
    std::ifstream in(argv[i]);
    if (!in) {
      return Status::Invalid(std::string("Fatal error, can't open config file '") + argv[i] + "'");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    // Absolute, because the server changes into `dir` before CONFIG REWRITE may need it.
    char* absolute = ::realpath(argv[i], nullptr);
    config_file_ = absolute != nullptr ? absolute : argv[i];
    std::free(absolute);
    if (Status st = LoadText(ss.str(), config_file_); !st.ok()) return st;
    ++i;
  }
  // "--name v1 v2 --other v" becomes the lines "name v1 v2" and "other v", like redis-server.
  std::string text;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) == "--") {
      if (!text.empty()) text += '\n';
      text += arg.substr(2);
    } else {
      text += " " + QuoteConfigValue(arg);  // a newline in an argument stays in its value
    }
  }
  return LoadText(text, "(command line)");
}

std::string ConfigStore::Value(std::string_view name) const {
  auto v = Get(name);
  return v.empty() ? std::string() : v[0].second;
}

std::vector<std::pair<std::string, std::string>> ConfigStore::Get(
    std::string_view pattern) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  Config& c = const_cast<Config&>(config_);
  // As in Redis 7.0: a pattern matches names and aliases alike, and a hidden (debugging)
  // option answers only to its exact name.
  bool exact = pattern.find_first_of("*?[\\") == std::string_view::npos;
  for (const Option& o : Options()) {
    if (o.hidden && !exact) continue;
    for (std::string_view name : {o.name, o.alias}) {
      if (!name.empty() && GlobMatch(pattern, name, /*nocase=*/true)) {
        out.emplace_back(std::string(name), Format(o, c));
      }
    }
  }
  return out;
}

namespace {

// Options cairn reads only at startup although Redis 7.0 can change them at runtime (or that
// Redis does not have). CONFIG SET of the value one already has is accepted and changes
// nothing, so a tool that writes back what CONFIG GET gave (Redis's own "CONFIG sanity"
// test does) works; another value is refused as immutable. Redis's own immutable options
// stay immutable whatever the value, as in Redis.
bool StartupOnlyInCairn(std::string_view name) {
  static constexpr std::string_view kNames[] = {"threads", "wal-segment-size",
                                                "debug-wal-sync-delay-ms"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace

Status ConfigStore::Set(std::string_view name, std::string_view value) {
  std::lock_guard lock(mu_);
  const Option* o = FindOption(name);
  if (o == nullptr) return Status::Invalid("unknown");
  if (!o->mutable_at_runtime && !StartupOnlyInCairn(o->name)) {
    return Status::Invalid(std::string(kImmutableConfig));
  }
  std::vector<std::string> values;
  if (o->kind == Kind::kList || o->kind == Kind::kCustom || o->kind == Kind::kEnumFlags) {
    if (!SplitConfigLine(value, &values)) return Status::Invalid("Unbalanced quotes");
  } else {
    values.emplace_back(value);
  }
  if (!o->mutable_at_runtime) {
    Config scratch = config_;
    Status st = Assign(*o, scratch, values);
    if (!st.ok()) return st;
    if (Format(*o, scratch) != Format(*o, config_)) {
      return Status::Invalid(std::string(kImmutableConfig));
    }
    return Status::Ok();
  }
  return Assign(*o, config_, values);
}

void ConfigStore::SetAcceptedValue(std::string_view name, std::string value) {
  std::lock_guard lock(mu_);
  const Option* o = FindOption(name);
  if (o == nullptr || o->accepted < 0) return;
  config_.accepted[static_cast<size_t>(o->accepted)] = std::move(value);
}

bool ConfigStore::Known(std::string_view name) const { return FindOption(name) != nullptr; }

std::string ConfigStore::CanonicalName(std::string_view name) const {
  const Option* o = FindOption(name);
  return o == nullptr ? std::string() : std::string(o->name);
}

std::string ConfigStore::config_file() const {
  std::lock_guard lock(mu_);
  return config_file_;
}

Status ConfigStore::Rewrite(const std::vector<std::string>& extra_lines) const {
  std::lock_guard lock(mu_);
  if (config_file_.empty()) return Status::Invalid("The server is running without a config file");
  std::ostringstream out;
  out << "# Generated by CONFIG REWRITE\n";
  Config& c = const_cast<Config&>(config_);
  const std::vector<AcceptedOption>& accepted = AcceptedOptions();
  for (const Option& o : Options()) {
    std::string v = Format(o, c);
    // An accepted-only option is written only when it differs from Redis's default.
    if (o.accepted >= 0 && v == accepted[static_cast<size_t>(o.accepted)].default_value) continue;
    out << o.name << ' ' << RewriteValue(o, c, v) << '\n';
  }
  for (const std::string& line : extra_lines) out << line << '\n';
  if (Status st = ReplaceFileAtomically(config_file_, out.str()); !st.ok()) {
    // Redis's reply names only the error, not the step.
    return Status(st.code(), std::string("Rewriting config file: ") + std::strerror(st.sys_errno()));
  }
  return Status::Ok();
}

Config ConfigStore::Snapshot() const {
  std::lock_guard lock(mu_);
  return config_;
}

}  // namespace cairn::server
