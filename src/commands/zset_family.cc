// src/commands/zset_family.cc — range parsing, rank intervals and scored replies shared by the
// sorted-set command files (see zset_family.h).
#include "src/commands/zset_family.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "resp/number.h"

namespace cairn::server {

bool ParseScoreBound(std::string_view arg, ScoreBound* out) {
  out->exclusive = !arg.empty() && arg[0] == '(';
  if (out->exclusive) arg.remove_prefix(1);
  // Redis reads a bound with C's strtod and asks only that it read up to the string's end (or
  // an embedded NUL) and is not NaN: "" and "(" are 0, leading blanks are skipped, hex is
  // read, and 1e400 is inf.
  std::string text(arg);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  out->value = v;
  return true;
}

bool ParseLexBound(std::string_view arg, LexBound* out) {
  if (arg == "-" || arg == "+") {
    out->kind = arg == "-" ? LexBound::kMin : LexBound::kMax;
    return true;
  }
  if (arg.empty() || (arg[0] != '[' && arg[0] != '(')) return false;
  out->kind = LexBound::kValue;
  out->exclusive = arg[0] == '(';
  out->value = arg.substr(1);
  return true;
}

void ScoreRanks(const store::ZSet& z, const ScoreBound& min, const ScoreBound& max, size_t* start,
                size_t* end) {
  *start = z.CountScoreBelow(min.value, min.exclusive);
  *end = z.CountScoreBelow(max.value, !max.exclusive);
  if (*end < *start) *end = *start;
}

namespace {

// Rank where boundary b falls: elements before it. `upper` selects the end of an interval.
size_t LexRank(const store::ZSet& z, const LexBound& b, bool upper) {
  switch (b.kind) {
    case LexBound::kMin:
      return 0;
    case LexBound::kMax:
      return z.size();
    case LexBound::kValue:
      break;
  }
  return z.CountLexBelow(b.value, upper ? !b.exclusive : b.exclusive);
}

}  // namespace

void LexRanks(const store::ZSet& z, const LexBound& min, const LexBound& max, size_t* start,
              size_t* end) {
  *start = LexRank(z, min, false);
  *end = LexRank(z, max, true);
  if (*end < *start) *end = *start;
}

void IndexRanks(int64_t start, int64_t stop, size_t size, size_t* from, size_t* to) {
  int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  *from = *to = 0;
  if (start > stop || start >= n) return;
  if (stop >= n) stop = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(stop) + 1;
}

void WriteScoredLen(resp::Writer& w, size_t n, bool withscores) {
  bool flat_pairs = withscores && w.protocol() < 3;
  w.WriteArrayLen(static_cast<int64_t>(flat_pairs ? 2 * n : n));
}

void WriteScored(resp::Writer& w, std::string_view member, double score, bool withscores) {
  if (!withscores) {
    w.WriteBulk(member);
    return;
  }
  if (w.protocol() >= 3) w.WriteArrayLen(2);
  w.WriteBulk(member);
  w.WriteDouble(score);
}

void WriteScoredList(resp::Writer& w, const ScoredList& items, bool withscores) {
  WriteScoredLen(w, items.size(), withscores);
  for (const auto& [member, score] : items) WriteScored(w, member, score, withscores);
}

store::ObjRef BuildZSet(const ScoredList& items, bool keep_sign) {
  auto* z = new store::ZSet();
  for (const auto& [member, score] : items) z->Append(member, score, keep_sign);
  return store::ObjRef(z);
}

}  // namespace cairn::server
