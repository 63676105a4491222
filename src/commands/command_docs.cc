// src/commands/command_docs.cc — see command_docs.h. Redis's own documentation of its
// commands, from a generated table; for the few commands Redis 7.0 lacks, a recursive-descent
// reader of the syntax grammar. COMMAND DOCS is rare (redis-cli asks once at startup), so
// nothing is cached.
#include "src/commands/command_docs.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>

namespace cairn::server {
namespace {

// Flags of an argument and of a command, in the order Redis prints them.
enum : uint8_t { kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4 };
enum : uint8_t { kDocDeprecated = 1, kDocSyscmd = 2 };

// One argument of Redis's documentation; null strings are fields Redis leaves out.
struct RedisArgDoc {
  const char* name;
  const char* type;
  int key_spec_index;  // -1: not a key
  const char* token;
  const char* summary;
  const char* since;
  const char* deprecated_since;
  uint8_t flags;
  uint16_t members;  // of a oneof or block: the rows right after this one (depth-first)
};

struct RedisCommandDoc {
  const char* name;  // full name: "client|list"
  const char* summary;
  const char* since;
  const char* group;
  const char* complexity;
  uint8_t doc_flags;
  const char* deprecated_since;
  const char* replaced_by;
  const char* history;  // "version\tchange" lines
  uint16_t first_arg;   // index into kRedisDocArgs
  uint16_t args;        // top-level arguments
};

#include "src/commands/command_docs_table.inc"

enum class Lex { kWord, kOpen, kClose, kBar, kEllipsis, kEnd };

struct Lexeme {
  Lex kind;
  std::string_view text;
};

bool IsSpecial(char c) {
  return c == '[' || c == ']' || c == '<' || c == '>' || c == '(' || c == ')' || c == '|' ||
         c == ' ' || c == '\t';
}

Lex KindOf(char c) {
  if (c == '[' || c == '<' || c == '(') return Lex::kOpen;
  if (c == ']' || c == '>' || c == ')') return Lex::kClose;
  return Lex::kBar;
}

std::vector<Lexeme> Tokenize(std::string_view s) {
  std::vector<Lexeme> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
    } else if (IsSpecial(s[i])) {
      out.push_back({KindOf(s[i]), s.substr(i, 1)});
      ++i;
    } else if (s.substr(i, 3) == "...") {
      out.push_back({Lex::kEllipsis, s.substr(i, 3)});
      i += 3;
    } else {
      size_t j = i;
      while (j < s.size() && !IsSpecial(s[j]) && s.substr(j, 3) != "...") ++j;
      out.push_back({Lex::kWord, s.substr(i, j - i)});
      i = j;
    }
  }
  out.push_back({Lex::kEnd, {}});
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsTokenWord(std::string_view w) {
  return std::none_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool IsKeyName(std::string_view name) {
  if (name == "key" || name == "destination" || name == "source") return true;
  if (name.size() > 3 && name.ends_with("key")) return true;  // newkey, destkey
  // key1, key2
  return name.starts_with("key") &&
         std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view InferType(std::string_view name, bool has_keys) {
  static constexpr std::array<std::string_view, 24> kIntegers = {
      "count",   "seconds", "milliseconds", "timeout",   "db",        "index",
      "index1",  "index2",  "offset",       "start",     "end",       "stop",
      "numkeys", "port",    "numreplicas",  "cursor",    "increment", "decrement",
      "len",     "limit",   "ttl",          "client-id", "protover",  "destination-db"};
  static constexpr std::array<std::string_view, 6> kDoubles = {"score",  "latitude", "longitude",
                                                               "radius", "width",    "height"};
  if (has_keys && IsKeyName(name)) return "key";
  if (name.starts_with("unix-time")) return "unix-time";
  if (name == "pattern") return "pattern";
  if (std::find(kIntegers.begin(), kIntegers.end(), name) != kIntegers.end()) return "integer";
  if (std::find(kDoubles.begin(), kDoubles.end(), name) != kDoubles.end()) return "double";
  return "string";
}

// Redis's names for the common choices; others are named after their members.
std::string OneofName(const std::vector<ArgDoc>& alts) {
  std::string_view first = alts.empty() ? "" : std::string_view(alts[0].token);
  if (first == "NX" || first == "XX") return "condition";
  if (first == "GT" || first == "LT") return "comparison";
  if (first == "EX" || first == "PX") return "expiration";
  if (first == "ASYNC" || first == "SYNC") return "flush-type";
  std::string name;
  for (const ArgDoc& a : alts) name += (name.empty() ? "" : "-") + a.name;
  return name;
}

bool SameShape(const ArgDoc& a, const ArgDoc& b) {
  if (a.name != b.name || a.type != b.type || a.token != b.token) return false;
  if (a.arguments.size() != b.arguments.size()) return false;
  for (size_t i = 0; i < a.arguments.size(); ++i) {
    if (!SameShape(a.arguments[i], b.arguments[i])) return false;
  }
  return true;
}

// Several items read as one argument: "EX seconds" is seconds with token EX; "LIMIT offset
// count" is a block with token LIMIT; "field value" is a block named field_value.
ArgDoc Combine(std::vector<ArgDoc> items) {
  if (items.size() == 1) return std::move(items[0]);
  ArgDoc out;
  out.type = "block";
  if (items[0].type == "pure-token") {
    std::string token = items[0].token;
    if (items.size() == 2 && items[1].token.empty() && items[1].type != "pure-token") {
      out = std::move(items[1]);
      out.token = token;
      // "FILTERBY <A a | B b>": a choice introduced by a token is named after the token.
      if (!out.arguments.empty()) out.name = Lower(token);
      return out;
    }
    out.name = Lower(token);
    out.token = token;
    out.arguments.assign(std::make_move_iterator(items.begin() + 1),
                         std::make_move_iterator(items.end()));
    return out;
  }
  for (const ArgDoc& a : items) {
    out.name += (out.name.empty() ? "" : "_") + (a.token.empty() ? a.name : Lower(a.token));
  }
  out.arguments = std::move(items);
  return out;
}

class Parser {
 public:
  Parser(std::string_view syntax, bool has_keys) : lex_(Tokenize(syntax)), has_keys_(has_keys) {}

  std::vector<ArgDoc> Parse() {
    std::vector<ArgDoc> items;
    while (lex_[pos_].kind != Lex::kEnd) {
      Seq seq = ParseSeq();
      if (seq.repeat && !seq.items.empty()) seq.items.back().multiple = true;
      for (ArgDoc& a : seq.items) items.push_back(std::move(a));
      if (lex_[pos_].kind != Lex::kEnd) ++pos_;  // a stray '|' or closer
    }
    return items;
  }

 private:
  struct Seq {
    std::vector<ArgDoc> items;
    bool repeat = false;  // ended with "...": repeats what precedes the group
  };

  bool AtGroupEnd() const {
    Lex k = lex_[pos_].kind;
    return k == Lex::kClose || k == Lex::kBar || k == Lex::kEnd;
  }

  Seq ParseSeq() {
    Seq seq;
    while (!AtGroupEnd()) {
      const Lexeme& l = lex_[pos_++];
      if (l.kind == Lex::kEllipsis) {
        if (AtGroupEnd()) {
          seq.repeat = true;
        } else if (!seq.items.empty()) {
          seq.items.back().multiple = true;
        }
      } else if (l.kind == Lex::kOpen) {
        ParseGroup(l.text == "[", &seq.items);
      } else {
        seq.items.push_back(Word(l.text));
      }
    }
    return seq;
  }

  void ParseGroup(bool optional, std::vector<ArgDoc>* items) {
    std::vector<Seq> alts;
    alts.push_back(ParseSeq());
    while (lex_[pos_].kind == Lex::kBar) {
      ++pos_;
      alts.push_back(ParseSeq());
    }
    if (lex_[pos_].kind == Lex::kClose) ++pos_;
    if (alts.size() == 1 && alts[0].repeat) {
      Repeat(std::move(alts[0].items), optional, items);
      return;
    }
    ArgDoc node;
    if (alts.size() == 1) {
      if (alts[0].items.empty()) return;
      node = Combine(std::move(alts[0].items));
    } else {
      node.type = "oneof";
      for (Seq& alt : alts) {
        if (alt.items.empty()) continue;
        if (alt.repeat) alt.items.back().multiple = true;
        node.arguments.push_back(Combine(std::move(alt.items)));
      }
      node.name = OneofName(node.arguments);
    }
    node.optional = node.optional || optional;
    items->push_back(std::move(node));
  }

  // "x [x ...]": marks the preceding x multiple. "a b [a b ...]" folds a and b into one
  // repeatable block. "[x ...]" with nothing matching before it is a repeatable x.
  static void Repeat(std::vector<ArgDoc> rep, bool optional, std::vector<ArgDoc>* items) {
    size_t k = rep.size();
    if (k == 0) return;
    bool match = items->size() >= k &&
                 std::equal(rep.begin(), rep.end(), items->end() - static_cast<long>(k),
                            [](const ArgDoc& a, const ArgDoc& b) { return SameShape(a, b); });
    if (!match) {
      ArgDoc node = Combine(std::move(rep));
      node.multiple = true;
      node.optional = optional;
      items->push_back(std::move(node));
      return;
    }
    if (k == 1) {
      items->back().multiple = true;
      if (!rep[0].token.empty()) items->back().multiple_token = true;
      return;
    }
    std::vector<ArgDoc> tail(std::make_move_iterator(items->end() - static_cast<long>(k)),
                             std::make_move_iterator(items->end()));
    items->resize(items->size() - k);
    bool tokened = tail[0].type == "pure-token";
    ArgDoc block = Combine(std::move(tail));
    block.multiple = true;
    block.multiple_token = tokened;
    items->push_back(std::move(block));
  }

  ArgDoc Word(std::string_view w) const {
    ArgDoc a;
    if (IsTokenWord(w)) {
      a.name = Lower(w);
      a.type = "pure-token";
      a.token = std::string(w);
    } else {
      a.name = std::string(w);
      a.type = std::string(InferType(w, has_keys_));
    }
    return a;
  }

  std::vector<Lexeme> lex_;
  size_t pos_ = 0;
  bool has_keys_;
};

void NumberKeys(std::vector<ArgDoc>& args, int* next) {
  for (ArgDoc& a : args) {
    if (a.type == "key") a.key_spec_index = (*next)++;
    NumberKeys(a.arguments, next);
  }
}

void WriteArg(resp::Writer& w, const ArgDoc& a) {
  int flags = int{a.optional} + int{a.multiple} + int{a.multiple_token};
  bool nested = !a.arguments.empty();
  w.WriteMapLen(2 + int{a.key_spec_index >= 0} + int{!a.token.empty()} + int{flags > 0} +
                int{nested});
  w.WriteBulk("name");
  w.WriteBulk(a.name);
  w.WriteBulk("type");
  w.WriteBulk(a.type);
  if (a.key_spec_index >= 0) {
    w.WriteBulk("key_spec_index");
    w.WriteInteger(a.key_spec_index);
  }
  if (!a.token.empty()) {
    w.WriteBulk("token");
    w.WriteBulk(a.token);
  }
  if (flags > 0) {
    w.WriteBulk("flags");
    w.WriteSetLen(flags);
    if (a.optional) w.WriteSimple("optional");
    if (a.multiple) w.WriteSimple("multiple");
    if (a.multiple_token) w.WriteSimple("multiple_token");
  }
  if (nested) {
    w.WriteBulk("arguments");
    WriteArgDocs(w, a.arguments);
  }
}

const RedisCommandDoc* FindRedisDoc(std::string_view full_name) {
  const RedisCommandDoc* end = std::end(kRedisDocs);
  const RedisCommandDoc* it = std::lower_bound(
      std::begin(kRedisDocs), end, full_name,
      [](const RedisCommandDoc& d, std::string_view n) { return std::string_view(d.name) < n; });
  return it != end && it->name == full_name ? it : nullptr;
}

// Writes "name" then value when value is set.
void WriteField(resp::Writer& w, const char* name, const char* value) {
  if (value == nullptr) return;
  w.WriteBulk(name);
  w.WriteBulk(value);
}

// How many of values are set: the map entries WriteField will write for them.
int SetFields(std::initializer_list<const char*> values) {
  return static_cast<int>(std::count_if(values.begin(), values.end(),
                                         [](const char* v) { return v != nullptr; }));
}

// Writes count arguments starting at kRedisDocArgs[*row], members included; advances *row
// past them.
void WriteRedisArgs(resp::Writer& w, size_t* row, int count) {
  w.WriteArrayLen(count);
  for (int i = 0; i < count; ++i) {
    const RedisArgDoc& a = kRedisDocArgs[(*row)++];
    bool nested = std::strcmp(a.type, "oneof") == 0 || std::strcmp(a.type, "block") == 0;
    w.WriteMapLen(2 + int{a.key_spec_index >= 0} +
                  SetFields({a.token, a.summary, a.since, a.deprecated_since}) +
                  int{a.flags != 0} + int{nested});
    WriteField(w, "name", a.name);
    WriteField(w, "type", a.type);
    if (a.key_spec_index >= 0) {
      w.WriteBulk("key_spec_index");
      w.WriteInteger(a.key_spec_index);
    }
    WriteField(w, "token", a.token);
    WriteField(w, "summary", a.summary);
    WriteField(w, "since", a.since);
    WriteField(w, "deprecated_since", a.deprecated_since);
    if (a.flags != 0) {
      w.WriteBulk("flags");
      w.WriteSetLen(std::popcount(a.flags));
      if (a.flags & kArgOptional) w.WriteSimple("optional");
      if (a.flags & kArgMultiple) w.WriteSimple("multiple");
      if (a.flags & kArgMultipleToken) w.WriteSimple("multiple_token");
    }
    if (nested) {
      w.WriteBulk("arguments");
      WriteRedisArgs(w, row, a.members);
    }
  }
}

// History lines "version\tchange" as a set of [version, change] pairs (a set, as Redis
// replies it in RESP3).
void WriteHistory(resp::Writer& w, std::string_view history) {
  w.WriteSetLen(std::count(history.begin(), history.end(), '\n') + 1);
  while (true) {
    size_t line_end = std::min(history.find('\n'), history.size());
    std::string_view line = history.substr(0, line_end);
    size_t tab = line.find('\t');
    w.WriteArrayLen(2);
    w.WriteBulk(line.substr(0, tab));
    w.WriteBulk(line.substr(tab + 1));
    if (line_end == history.size()) return;
    history.remove_prefix(line_end + 1);
  }
}

void WriteSubcommandDocs(resp::Writer& w, const CommandSpec& spec) {
  w.WriteBulk("subcommands");
  w.WriteMapLen(static_cast<int64_t>(spec.subcommands.size()));
  for (const CommandSpec& sub : spec.subcommands) {
    w.WriteBulk(sub.name);
    WriteCommandDocs(w, sub);
  }
}

// The documentation map as Redis 7.0 writes it for the command (fields in Redis's order).
void WriteRedisDocs(resp::Writer& w, const RedisCommandDoc& d, const CommandSpec& spec) {
  bool has_subs = !spec.subcommands.empty();
  w.WriteMapLen(1 + SetFields({d.summary, d.since, d.complexity, d.deprecated_since,
                               d.replaced_by, d.history}) +
                int{d.doc_flags != 0} + int{d.args > 0} + int{has_subs});
  WriteField(w, "summary", d.summary);
  WriteField(w, "since", d.since);
  WriteField(w, "group", d.group);
  WriteField(w, "complexity", d.complexity);
  if (d.doc_flags != 0) {
    w.WriteBulk("doc_flags");
    w.WriteSetLen(std::popcount(d.doc_flags));
    if (d.doc_flags & kDocDeprecated) w.WriteSimple("deprecated");
    if (d.doc_flags & kDocSyscmd) w.WriteSimple("syscmd");
  }
  WriteField(w, "deprecated_since", d.deprecated_since);
  WriteField(w, "replaced_by", d.replaced_by);
  if (d.history != nullptr) {
    w.WriteBulk("history");
    WriteHistory(w, d.history);
  }
  if (d.args > 0) {
    w.WriteBulk("arguments");
    size_t row = d.first_arg;
    WriteRedisArgs(w, &row, d.args);
  }
  if (has_subs) WriteSubcommandDocs(w, spec);
}

}  // namespace

std::vector<ArgDoc> ParseSyntax(std::string_view syntax, bool has_keys) {
  std::vector<ArgDoc> args = Parser(syntax, has_keys).Parse();
  int next = 0;
  NumberKeys(args, &next);
  return args;
}

void WriteArgDocs(resp::Writer& w, const std::vector<ArgDoc>& args) {
  w.WriteArrayLen(static_cast<int64_t>(args.size()));
  for (const ArgDoc& a : args) WriteArg(w, a);
}

void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec) {
  if (const RedisCommandDoc* doc = FindRedisDoc(spec.name); doc != nullptr) {
    WriteRedisDocs(w, *doc, spec);
    return;
  }
  std::vector<ArgDoc> args = ParseSyntax(spec.syntax, spec.first_key > 0);
  bool has_complexity = !spec.complexity.empty();
  bool has_subs = !spec.subcommands.empty();
  w.WriteMapLen(3 + int{has_complexity} + int{!args.empty()} + int{has_subs});
  w.WriteBulk("summary");
  w.WriteBulk(spec.summary);
  w.WriteBulk("since");
  w.WriteBulk(spec.since);
  w.WriteBulk("group");
  w.WriteBulk(spec.group);
  if (has_complexity) {
    w.WriteBulk("complexity");
    w.WriteBulk(spec.complexity);
  }
  if (!args.empty()) {
    w.WriteBulk("arguments");
    WriteArgDocs(w, args);
  }
  if (has_subs) WriteSubcommandDocs(w, spec);
}

}  // namespace cairn::server
