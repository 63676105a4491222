// src/base/config.cc — the option table and redis.conf parsing. See config.h.
#include "src/base/config.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "resp/inline_split.h"
#include "resp/number.h"
#include "src/base/config_values.h"
#include "src/base/glob.h"

namespace cairn::server {
namespace {

// kCustom: a value with a grammar of its own (config_values.h), one or more words.
enum class Kind { kBool, kInt, kOctal, kMemory, kString, kEnum, kList, kCustom };

// One option: how to parse, check and print it. Setters return Redis's reason on error.
struct Option {
  std::string_view name;
  Kind kind;
  bool mutable_at_runtime;
  int64_t min = 0, max = 0;                // kInt, kMemory
  std::vector<std::string_view> choices;   // kEnum
  std::function<void*(Config&)> field;
  Status (*parse)(const std::vector<std::string>& words, Config* c) = nullptr;  // kCustom
  std::string (*format)(const Config& c) = nullptr;                            // kCustom
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

// tracking-table-max-keys: a plain integer (no memory units) up to LLONG_MAX, as Redis 7.0
// takes it; kInt's field is an int.
Status ParseTrackingTableMaxKeys(const std::vector<std::string>& words, Config* c) {
  int64_t n = 0;
  if (words.size() != 1 || !resp::ParseInt64(words[0], &n)) {
    return Status::Invalid("argument couldn't be parsed into an integer");
  }
  if (n < 0) return Status::Invalid(Bounds(0, LLONG_MAX));
  c->tracking_table_max_keys = n;
  return Status::Ok();
}

std::string FormatTrackingTableMaxKeys(const Config& c) {
  return std::to_string(c.tracking_table_max_keys);
}

template <class T, class M>
std::function<void*(Config&)> Field(M T::*member) {
  return [member](Config& c) -> void* { return &(c.*member); };
}

const std::vector<Option>& Options() {
  static const std::vector<Option> options = {
      {"port", Kind::kInt, false, 0, 65535, {}, Field(&Config::port)},
      {"bind", Kind::kList, false, 0, 0, {}, Field(&Config::bind)},
      {"unixsocket", Kind::kString, false, 0, 0, {}, Field(&Config::unixsocket)},
      {"unixsocketperm", Kind::kOctal, false, 0, 0777, {}, Field(&Config::unixsocketperm)},
      {"tcp-backlog", Kind::kInt, false, 0, INT_MAX, {}, Field(&Config::tcp_backlog)},
      {"threads", Kind::kInt, false, 0, 256, {}, Field(&Config::threads)},
      {"maxclients", Kind::kInt, true, 1, INT_MAX, {}, Field(&Config::maxclients)},
      {"timeout", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::timeout_s)},
      {"tcp-keepalive", Kind::kInt, true, 0, INT_MAX, {}, Field(&Config::tcp_keepalive_s)},
      {"protected-mode", Kind::kBool, true, 0, 0, {}, Field(&Config::protected_mode)},
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
      {"hz", Kind::kInt, true, 1, 500, {}, Field(&Config::hz)},
      {"maxmemory", Kind::kMemory, true, 0, LLONG_MAX, {}, Field(&Config::maxmemory)},
      {"maxmemory-policy", Kind::kEnum, true, 0, 0,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"},
       Field(&Config::maxmemory_policy)},
      {"maxmemory-samples", Kind::kInt, true, 1, 64, {}, Field(&Config::maxmemory_samples)},
      {"hll-sparse-max-bytes", Kind::kMemory, true, 0, LONG_MAX, {},
       Field(&Config::hll_sparse_max_bytes)},
      {"tracking-table-max-keys", Kind::kCustom, true, 0, 0, {}, nullptr,
       ParseTrackingTableMaxKeys, FormatTrackingTableMaxKeys},
      {"busy-reply-threshold", Kind::kInt, true, 0, LLONG_MAX, {},
       Field(&Config::busy_reply_threshold_ms)},
      {"lua-time-limit", Kind::kInt, true, 0, LLONG_MAX, {},
       Field(&Config::busy_reply_threshold_ms)},
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
      {"appendonly", Kind::kBool, false, 0, 0, {}, Field(&Config::appendonly)},
      {"appendfsync", Kind::kEnum, false, 0, 0, {"always", "everysec", "no"},
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
  return options;
}

const Option* FindOption(std::string_view name) {
  for (const Option& o : Options()) {
    if (o.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), o.name.begin(),
                   [](char a, char b) { return std::tolower(a) == b; })) {
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

// Parses value into the option's field. On failure, kInvalid with Redis's reason text.
Status Assign(const Option& o, Config& c, const std::vector<std::string>& v) {
  if (o.kind == Kind::kList) {
    *static_cast<std::vector<std::string>*>(o.field(c)) = v;
    return Status::Ok();
  }
  if (o.kind == Kind::kCustom) return o.parse(v, &c);
  const std::string& text = v[0];
  switch (o.kind) {
    case Kind::kBool: {
      std::string t = Lower(text);
      if (t != "yes" && t != "no") return Status::Invalid("argument must be 'yes' or 'no'");
      *static_cast<bool*>(o.field(c)) = t == "yes";
      return Status::Ok();
    }
    case Kind::kOctal: {
      char* end = nullptr;
      long n = std::strtol(text.c_str(), &end, 8);
      if (text.empty() || *end != '\0') {
        return Status::Invalid("argument couldn't be parsed into an integer");
      }
      if (n < o.min || n > o.max) return Status::Invalid(Bounds(o.min, o.max));
      *static_cast<int*>(o.field(c)) = static_cast<int>(n);
      return Status::Ok();
    }
    case Kind::kInt:
    case Kind::kMemory: {
      int64_t n = 0;
      bool ok = o.kind == Kind::kInt ? resp::ParseInt64(text, &n) : ParseMemory(text, &n);
      if (!ok) {
        return Status::Invalid(o.kind == Kind::kInt ? "argument couldn't be parsed into an integer"
                                                    : "argument must be a memory value");
      }
      if (n < o.min || n > o.max) return Status::Invalid(Bounds(o.min, o.max));
      if (o.kind == Kind::kInt) {
        *static_cast<int*>(o.field(c)) = static_cast<int>(n);
      } else {
        *static_cast<int64_t*>(o.field(c)) = n;
      }
      return Status::Ok();
    }
    case Kind::kEnum: {
      std::string t = Lower(text);
      if (std::find(o.choices.begin(), o.choices.end(), t) == o.choices.end()) {
        std::string msg = "argument(s) must be one of the following: ";
        for (size_t i = 0; i < o.choices.size(); ++i) {
          msg += (i ? ", " : "") + std::string(o.choices[i]);
        }
        return Status::Invalid(std::move(msg));
      }
      *static_cast<std::string*>(o.field(c)) = t;
      return Status::Ok();
    }
    case Kind::kString:
      *static_cast<std::string*>(o.field(c)) = text;
      return Status::Ok();
    case Kind::kList:
    case Kind::kCustom:
      break;
  }
  return Status::Ok();
}

std::string Format(const Option& o, Config& c) {
  switch (o.kind) {
    case Kind::kBool: return *static_cast<bool*>(o.field(c)) ? "yes" : "no";
    case Kind::kInt: return std::to_string(*static_cast<int*>(o.field(c)));
    case Kind::kOctal: {
      std::ostringstream s;
      s << std::oct << *static_cast<int*>(o.field(c));
      return s.str();
    }
    case Kind::kMemory: return std::to_string(*static_cast<int64_t*>(o.field(c)));
    case Kind::kString:
    case Kind::kEnum: return *static_cast<std::string*>(o.field(c));
    case Kind::kCustom: return o.format(c);
    case Kind::kList: {
      std::string out;
      for (const std::string& s : *static_cast<std::vector<std::string>*>(o.field(c))) {
        out += (out.empty() ? "" : " ") + s;
      }
      return out;
    }
  }
  return "";
}

}  // namespace

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

Status ConfigStore::ApplyLine(const std::vector<std::string>& words, bool at_startup) {
  const Option* o = FindOption(words[0]);
  bool list = o != nullptr && (o->kind == Kind::kList || o->kind == Kind::kCustom);
  // "save" takes any number of words (pairs of seconds and changes, or "").
  bool save = o != nullptr && o->name == "save";
  if (o == nullptr || words.size() < 2 || (!list && !save && words.size() != 2)) {
    return Status::Invalid("Bad directive or wrong number of arguments");
  }
  std::vector<std::string> values(words.begin() + 1, words.end());
  if (save) {
    std::string joined;
    for (const std::string& w : values) joined += (joined.empty() ? "" : " ") + w;
    values = {joined};
  }
  return Assign(*o, config_, values);
}

Status ConfigStore::LoadText(std::string_view text, std::string_view origin) {
  std::lock_guard lock(mu_);
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
                    ? ApplyLine(words, true)
                    : Status::Invalid("Unbalanced quotes in configuration line");
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
      std::string quoted = "\"";
      for (char ch : arg) {
        if (ch == '"' || ch == '\\') quoted += '\\';
        quoted += ch;
      }
      text += " " + quoted + "\"";
    }
  }
  return LoadText(text, "(command line)");
}

std::vector<std::pair<std::string, std::string>> ConfigStore::Get(
    std::string_view pattern) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  Config& c = const_cast<Config&>(config_);
  for (const Option& o : Options()) {
    if (GlobMatch(pattern, o.name, /*nocase=*/true)) {
      out.emplace_back(std::string(o.name), Format(o, c));
    }
  }
  return out;
}

Status ConfigStore::Set(std::string_view name, std::string_view value) {
  std::lock_guard lock(mu_);
  const Option* o = FindOption(name);
  if (o == nullptr) return Status::Invalid("unknown");
  if (!o->mutable_at_runtime) return Status::Invalid(std::string(kImmutableConfig));
  std::vector<std::string> values;
  if (o->kind == Kind::kList || o->kind == Kind::kCustom) {
    if (!SplitConfigLine(value, &values)) return Status::Invalid("Unbalanced quotes");
  } else {
    values.emplace_back(value);
  }
  return Assign(*o, config_, values);
}

bool ConfigStore::Known(std::string_view name) const { return FindOption(name) != nullptr; }

std::string ConfigStore::config_file() const {
  std::lock_guard lock(mu_);
  return config_file_;
}

Status ConfigStore::Rewrite() const {
  std::lock_guard lock(mu_);
  if (config_file_.empty()) return Status::Invalid("The server is running without a config file");
  std::ostringstream out;
  out << "# Generated by CONFIG REWRITE\n";
  Config& c = const_cast<Config&>(config_);
  for (const Option& o : Options()) {
    std::string v = Format(o, c);
    bool words = o.kind == Kind::kList || o.kind == Kind::kCustom;  // written as several words
    bool quote = v.empty() || (v.find(' ') != std::string::npos && !words);
    out << o.name << ' ' << (quote ? "\"" + v + "\"" : v) << '\n';
  }
  std::string tmp = config_file_ + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << out.str();
    if (!f) return Status(Code::kIoError, "Rewriting config file: write failed");
  }
  if (std::rename(tmp.c_str(), config_file_.c_str()) != 0) {
    return Status(Code::kIoError, "Rewriting config file failed");
  }
  return Status::Ok();
}

Config ConfigStore::Snapshot() const {
  std::lock_guard lock(mu_);
  return config_;
}

}  // namespace cairn::server
