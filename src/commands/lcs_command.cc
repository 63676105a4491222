// src/commands/lcs_command.cc — LCS: the longest common subsequence of two string values.
//
// The classic dynamic-programming table is filled, then walked back from the end. The walk
// steps back in the first string only when that keeps a strictly longer subsequence, as Redis
// does, so among several longest subsequences cairn returns the one Redis returns, and matches
// (contiguous runs) are listed from the end of the strings to the start. The table costs
// (|a|+1)*(|b|+1)*4 bytes; like Redis, a table larger than proto-max-bulk-len is refused.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/string_ops.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::KeyHandle;
using store::KeyRef;

// Error texts not (yet) in errors.h.
constexpr std::string_view kLcsNotStrings = "ERR The specified keys must contain string values";
constexpr std::string_view kLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kLcsTooLong = "ERR String too long for LCS";
constexpr std::string_view kLcsTableTooBig =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr std::string_view kLcsNoMemory =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

// ---- The algorithm -----------------------------------------------------------------------

struct LcsMatch {
  uint32_t a_start, a_end;  // inclusive byte range in a
  uint32_t b_start, b_end;  // inclusive byte range in b
  uint32_t length;
};

struct LcsRequest {
  bool want_text = true;      // fill LcsResult::text
  bool want_matches = false;  // fill LcsResult::matches
  int64_t min_match_len = 0;  // matches shorter than this are left out
  // The table needs (|a|+1)*(|b|+1)*4 bytes; above this limit the call fails (Redis bounds
  // it by proto-max-bulk-len).
  int64_t max_table_bytes = 0;
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;
  std::vector<LcsMatch> matches;
};

enum class LcsStatus {
  kOk,
  kTooLong,      // an input is too long for 32-bit indexes
  kTableTooBig,  // the table would exceed max_table_bytes
  kNoMemory,     // allocating the table failed
};

// lengths[i * (b.size() + 1) + j] = length of the LCS of a[0, i) and b[0, j).
class LcsTable {
 public:
  LcsTable(std::string_view a, std::string_view b) : a_(a), b_(b), stride_(b.size() + 1) {}

  bool Allocate() {
    cells_.reset(new (std::nothrow) uint32_t[(a_.size() + 1) * stride_]);
    return cells_ != nullptr;
  }

  void Fill() {
    for (size_t j = 0; j < stride_; ++j) cells_[j] = 0;
    for (size_t i = 1; i <= a_.size(); ++i) {
      uint32_t* row = &cells_[i * stride_];
      const uint32_t* up = row - stride_;
      row[0] = 0;
      for (size_t j = 1; j < stride_; ++j) {
        row[j] = a_[i - 1] == b_[j - 1] ? up[j - 1] + 1 : std::max(up[j], row[j - 1]);
      }
    }
  }

  uint32_t at(size_t i, size_t j) const { return cells_[i * stride_ + j]; }

 private:
  std::string_view a_, b_;
  size_t stride_;
  std::unique_ptr<uint32_t[]> cells_;
};

// Walks the table back from (|a|, |b|), writing the subsequence from its end and closing a
// match each time the walk leaves a run of equal bytes (or reaches the start of a string).
void WalkBack(std::string_view a, std::string_view b, const LcsTable& table,
              const LcsRequest& request, LcsResult* result) {
  result->text.resize(result->length);
  size_t i = a.size(), j = b.size(), k = result->length;
  bool in_run = false;
  LcsMatch run{};
  while (i > 0 && j > 0) {
    bool close_run = false;
    if (a[i - 1] == b[j - 1]) {
      result->text[--k] = a[i - 1];
      if (!in_run) {
        run.a_end = static_cast<uint32_t>(i - 1);
        run.b_end = static_cast<uint32_t>(j - 1);
        in_run = true;
      }
      run.a_start = static_cast<uint32_t>(i - 1);
      run.b_start = static_cast<uint32_t>(j - 1);
      close_run = run.a_start == 0 || run.b_start == 0;
      --i;
      --j;
    } else {
      if (table.at(i - 1, j) > table.at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      close_run = in_run;
    }
    if (!close_run) continue;
    run.length = run.a_end - run.a_start + 1;
    if (request.want_matches && run.length >= request.min_match_len) {
      result->matches.push_back(run);
    }
    in_run = false;
  }
}

[[nodiscard]] LcsStatus ComputeLcs(std::string_view a, std::string_view b,
                                   const LcsRequest& request, LcsResult* result) {
  // Indexes and lengths are 32-bit, like Redis's, to halve the table.
  constexpr size_t kMaxLen = UINT32_MAX - 1;
  if (a.size() >= kMaxLen || b.size() >= kMaxLen) return LcsStatus::kTooLong;
  unsigned __int128 cells = static_cast<unsigned __int128>(a.size() + 1) * (b.size() + 1);
  if (cells * sizeof(uint32_t) > static_cast<unsigned __int128>(request.max_table_bytes)) {
    return LcsStatus::kTableTooBig;
  }
  LcsTable table(a, b);
  if (!table.Allocate()) return LcsStatus::kNoMemory;
  table.Fill();
  result->length = table.at(a.size(), b.size());
  if (request.want_text || request.want_matches) WalkBack(a, b, table, request, result);
  return LcsStatus::kOk;
}

// ---- The command -------------------------------------------------------------------------

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

bool ParseLcsOptions(CommandContext& ctx, LcsOptions* o) {
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "idx")) {
      o->idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      o->len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      o->with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && i + 1 < ctx.args.size()) {
      if (!ArgToInt64(ctx, ctx.args[++i], &o->min_match_len)) return false;
      if (o->min_match_len < 0) o->min_match_len = 0;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  if (o->len && o->idx) {
    ctx.reply.WriteError(kLcsLenAndIdx);
    return false;
  }
  return true;
}

void ReplyLcsMatches(CommandContext& ctx, const LcsResult& result, bool with_match_len) {
  resp::Writer& w = ctx.reply;
  w.WriteMapLen(2);
  w.WriteBulk("matches");
  w.WriteArrayLen(static_cast<int64_t>(result.matches.size()));
  for (const LcsMatch& m : result.matches) {
    w.WriteArrayLen(with_match_len ? 3 : 2);
    w.WriteArrayLen(2);
    w.WriteInteger(m.a_start);
    w.WriteInteger(m.a_end);
    w.WriteArrayLen(2);
    w.WriteInteger(m.b_start);
    w.WriteInteger(m.b_end);
    if (with_match_len) w.WriteInteger(m.length);
  }
  w.WriteBulk("len");
  w.WriteInteger(result.length);
}

// Both values are referenced under one lock set and compared after it is released: the
// O(N*M) work never holds a shard lock. Missing keys are empty strings.
void CmdLcs(CommandContext& ctx) {
  std::vector<KeyRef> refs = {{ctx.db(), ctx.args[1]}, {ctx.db(), ctx.args[2]}};
  BufRef values[2];
  bool strings = ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    for (size_t i = 0; i < 2; ++i) {
      Result<BufRef> value = store::StringGet(handles[i]);
      if (!value.ok()) return false;
      values[i] = std::move(*value);
    }
    return true;
  });
  if (!strings) {
    ctx.reply.WriteError(kLcsNotStrings);
    return;
  }
  LcsOptions o;
  if (!ParseLcsOptions(ctx, &o)) return;
  LcsRequest request{!o.len && !o.idx, o.idx, o.min_match_len, MaxBulkLen(ctx)};
  LcsResult result;
  switch (ComputeLcs(values[0].view(), values[1].view(), request, &result)) {
    case LcsStatus::kOk:
      break;
    case LcsStatus::kTooLong:
      ctx.reply.WriteError(kLcsTooLong);
      return;
    case LcsStatus::kTableTooBig:
      ctx.reply.WriteError(kLcsTableTooBig);
      return;
    case LcsStatus::kNoMemory:
      ctx.reply.WriteError(kLcsNoMemory);
      return;
  }
  if (o.idx) {
    ReplyLcsMatches(ctx, result, o.with_match_len);
  } else if (o.len) {
    ctx.reply.WriteInteger(result.length);
  } else {
    ctx.reply.WriteBulk(result.text);
  }
}

}  // namespace

void RegisterLcsCommand(CommandTable& table) {
  table.Add({
      {.name = "lcs", .arity = -3, .flags = kReadOnly, .first_key = 1, .last_key = 2, .key_step = 1,
       .handler = CmdLcs,
       .group = "string", .since = "7.0.0", .summary = "Find longest common substring",
       .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       .syntax = "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]"},
  });
}

}  // namespace cairn::server
