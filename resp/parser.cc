// resp/parser.cc — see parser.h for the contract (consumed vs examined, bounded memory).
#include "resp/parser.h"

#include <algorithm>
#include <cstring>

#include "resp/inline_split.h"
#include "resp/number.h"

namespace cairn::resp {
namespace {

// Redis reserves at most this many argument slots before the arguments themselves arrive.
constexpr int64_t kMaxArgsReserve = 1024;

}  // namespace

void Parser::Reset() {
  state_ = State::kIdle;
  pos_ = 0;
  scan_pos_ = 0;
  args_left_ = 0;
  bulk_len_ = 0;
  wanted_ = 0;
  spans_.clear();
}

ParseStatus Parser::Fail(std::string_view text) {
  error_.assign(text);
  Reset();
  return ParseStatus::kError;
}

size_t Parser::FindCrlf(std::string_view input) {
  // Resume where the previous search stopped; back up one byte in case a '\r' was the last
  // byte seen and its '\n' has just arrived.
  size_t from = std::max(scan_pos_, pos_);
  while (from < input.size()) {
    const void* hit = std::memchr(input.data() + from, '\r', input.size() - from);
    size_t cr = hit ? static_cast<const char*>(hit) - input.data() : input.size();
    scanned_ += cr - from;
    if (cr + 1 >= input.size()) {
      scan_pos_ = cr;  // '\r' (or nothing) at the very end: resume here
      return std::string_view::npos;
    }
    if (input[cr + 1] == '\n') {
      scanned_ += 2;
      scan_pos_ = 0;
      return cr;
    }
    from = cr + 1;
  }
  scan_pos_ = input.size();
  return std::string_view::npos;
}

ParseStatus Parser::Parse(std::string_view input) {
  consumed_ = 0;
  // The argument vectors of a huge command (SADD with 100,000 members: megabytes) are not kept
  // for the connection's lifetime; ordinary commands reuse theirs.
  if (state_ == State::kIdle && args_.capacity() > kMaxArgsReserve) {
    std::vector<std::string_view>().swap(args_);
    std::vector<Span>().swap(spans_);
  }
  for (;;) {
    if (state_ == State::kIdle) {
      // Skip the empty lines some clients send between commands.
      size_t skip = consumed_;
      while (skip < input.size() && (input[skip] == '\r' || input[skip] == '\n')) {
        if (input[skip] == '\r' && skip + 1 == input.size()) break;
        ++skip;
      }
      scanned_ += skip - consumed_;
      if (skip == input.size() || (input[skip] == '\r')) {
        consumed_ = skip;
        wanted_ = 0;
        return ParseStatus::kNeedMore;
      }
      consumed_ = skip;
      state_ = input[skip] == '*' ? State::kMultibulkHeader : State::kInline;
    }
    std::string_view rest = input.substr(consumed_);
    ParseStatus status =
        state_ == State::kInline ? ParseInline(rest) : ParseMultibulk(rest);
    if (status != ParseStatus::kCommand || !args_.empty()) {
      if (status == ParseStatus::kCommand) consumed_ += pos_, pos_ = 0;
      return status;
    }
    consumed_ += pos_;  // an empty command: skip it and look for the next one
    pos_ = 0;
  }
}

ParseStatus Parser::Complete(std::string_view input, size_t end) {
  args_.clear();
  for (const Span& s : spans_) args_.emplace_back(input.data() + s.offset, s.len);
  state_ = State::kIdle;
  scan_pos_ = 0;
  wanted_ = 0;
  spans_.clear();
  pos_ = end;
  return ParseStatus::kCommand;
}

ParseStatus Parser::ParseInline(std::string_view input) {
  size_t from = std::max(scan_pos_, pos_);
  const void* hit = std::memchr(input.data() + from, '\n', input.size() - from);
  if (hit == nullptr) {
    scanned_ += input.size() - from;
    scan_pos_ = input.size();
    if (input.size() > limits_.max_inline_len) {
      return Fail("ERR Protocol error: too big inline request");
    }
    return ParseStatus::kNeedMore;
  }
  size_t nl = static_cast<const char*>(hit) - input.data();
  scanned_ += nl + 1 - from;
  size_t line_end = (nl > 0 && input[nl - 1] == '\r') ? nl - 1 : nl;
  if (!SplitInline(input.substr(0, line_end), &inline_scratch_, &args_)) {
    return Fail("ERR Protocol error: unbalanced quotes in request");
  }
  state_ = State::kIdle;
  scan_pos_ = 0;
  spans_.clear();
  pos_ = nl + 1;
  return ParseStatus::kCommand;
}

ParseStatus Parser::ParseMultibulk(std::string_view input) {
  for (;;) {
    switch (state_) {
      case State::kMultibulkHeader: {
        size_t cr = FindCrlf(input);
        if (cr == std::string_view::npos) {
          if (input.size() > limits_.max_inline_len) {
            return Fail("ERR Protocol error: too big mbulk count string");
          }
          return ParseStatus::kNeedMore;
        }
        int64_t count = 0;
        if (!ParseInt64(input.substr(1, cr - 1), &count) ||
            count > limits_.max_multibulk_len) {
          return Fail("ERR Protocol error: invalid multibulk length");
        }
        if (count > limits_.unauthenticated_multibulk_len && !authenticated_) {
          return Fail("ERR Protocol error: unauthenticated multibulk length");
        }
        pos_ = cr + 2;
        if (count <= 0) {
          args_.clear();
          state_ = State::kIdle;
          return ParseStatus::kCommand;  // empty: Parse() skips it
        }
        spans_.reserve(static_cast<size_t>(std::min(count, kMaxArgsReserve)));
        args_left_ = count;
        state_ = State::kBulkHeader;
        break;
      }
      case State::kBulkHeader: {
        if (pos_ >= input.size()) return ParseStatus::kNeedMore;
        if (input[pos_] != '$') {
          std::string text = "ERR Protocol error: expected '$', got '";
          text.push_back(input[pos_]);
          text.push_back('\'');
          return Fail(text);
        }
        size_t cr = FindCrlf(input);
        if (cr == std::string_view::npos) {
          if (input.size() - pos_ > limits_.max_inline_len) {
            return Fail("ERR Protocol error: too big bulk count string");
          }
          return ParseStatus::kNeedMore;
        }
        int64_t len = 0;
        if (!ParseInt64(input.substr(pos_ + 1, cr - pos_ - 1), &len) || len < 0 ||
            len > limits_.max_bulk_len) {
          return Fail("ERR Protocol error: invalid bulk length");
        }
        if (len > limits_.unauthenticated_bulk_len && !authenticated_) {
          return Fail("ERR Protocol error: unauthenticated bulk length");
        }
        bulk_len_ = len;
        pos_ = cr + 2;
        state_ = State::kBulkData;
        break;
      }
      case State::kBulkData: {
        size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
        if (input.size() < need) {
          wanted_ = need - input.size();
          return ParseStatus::kNeedMore;  // payload is skipped, never scanned
        }
        spans_.push_back(Span{pos_, static_cast<size_t>(bulk_len_)});
        pos_ = need;
        wanted_ = 0;
        if (--args_left_ == 0) return Complete(input, pos_);
        state_ = State::kBulkHeader;
        break;
      }
      default:
        return Fail("ERR Protocol error: internal parser state");
    }
  }
}

}  // namespace cairn::resp
