// resp/parser.h — incremental parser for client requests (RESP multibulk and inline commands).
//
// The parser never owns the request bytes. The caller keeps every byte it has received but not
// yet consumed in one contiguous buffer and passes a view of it to Parse(). Parse() either
// completes one command (kCommand), or says it needs more bytes (kNeedMore), or reports a
// protocol error (kError) with Redis's exact text.
//
// Consumed vs examined. When Parse() returns kNeedMore it has examined the whole input and
// remembers where it stopped: the header lines already decoded, the argument offsets, and the
// position where the search for the next CRLF resumes. The caller must call Parse() again only
// after appending bytes, with the same first byte. So a 64 MB value that arrives in 4 KB reads
// is scanned once (O(total bytes)), never re-parsed from the start, and an incomplete command
// never makes the caller spin: "need more" always means "wait for the socket".
//
// Bounded memory. A declared bulk or multibulk length only sets counters; nothing is allocated
// for it. The argument table grows by at most 1024 entries ahead of the arguments that arrived.
//
// Threading: a Parser belongs to one connection and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;   // proto-max-bulk-len
  int64_t max_multibulk_len = 2147483647;       // arguments per command (INT_MAX, as Redis 7.0)
  size_t max_inline_len = 64 * 1024;            // PROTO_INLINE_MAX_SIZE
  // Before AUTH succeeds Redis accepts only small requests; these are its limits.
  int64_t unauthenticated_multibulk_len = 10;
  int64_t unauthenticated_bulk_len = 16384;
};

enum class ParseStatus {
  kCommand,   // one command is complete: see args() and consumed()
  kNeedMore,  // all input examined; call again with the same start and more bytes appended
  kError,     // protocol error: see error(); the connection must be closed after replying
};

class Parser {
 public:
  explicit Parser(const ParserLimits& limits = {}) : limits_(limits) {}

  // Parses the next command from `input`, which begins at the first unconsumed byte.
  // After every call, whatever it returned, the caller drops consumed() bytes from the front
  // of its buffer (on kNeedMore these are skipped empty lines; the partial command stays).
  // Empty inline lines and empty multibulks ("*0\r\n") are consumed silently.
  [[nodiscard]] ParseStatus Parse(std::string_view input);

  // Valid after kCommand until the next Parse() or until the input bytes move.
  std::span<const std::string_view> args() const { return args_; }
  // Bytes of input that the completed command (and any skipped empty lines) occupied.
  size_t consumed() const { return consumed_; }
  // Redis's error text without the leading '-', e.g. "ERR Protocol error: invalid bulk length".
  std::string_view error() const { return error_; }
  // How many more bytes the pending command needs at least (0 if unknown); lets the caller
  // read a large bulk value in bigger chunks without allocating it ahead of time.
  size_t bytes_wanted() const { return wanted_; }
  // Total input bytes the parser has inspected (searched or decoded); bulk payload is skipped,
  // not inspected. Used to show parsing is linear.
  uint64_t scanned_bytes() const { return scanned_; }
  // True while a command is partly parsed (some of its bytes examined, none consumed).
  bool mid_command() const { return state_ != State::kIdle; }

  void set_authenticated(bool yes) { authenticated_ = yes; }
  void set_limits(const ParserLimits& limits) { limits_ = limits; }

 private:
  enum class State { kIdle, kInline, kMultibulkHeader, kBulkHeader, kBulkData };

  ParseStatus ParseInline(std::string_view input);
  ParseStatus ParseMultibulk(std::string_view input);
  // Finds "\r\n" at or after pos_ (the line being decoded), resuming the search at scan_pos_
  // when an earlier call already looked at bytes. Returns the position of '\r' or npos (then
  // scan_pos_ remembers where to resume).
  size_t FindCrlf(std::string_view input);
  ParseStatus Fail(std::string_view text);
  ParseStatus Complete(std::string_view input, size_t end);
  void Reset();

  ParserLimits limits_;
  bool authenticated_ = true;
  State state_ = State::kIdle;
  size_t pos_ = 0;          // next byte to decode, relative to the command's first byte
  size_t scan_pos_ = 0;     // where the pending CRLF search resumes
  int64_t args_left_ = 0;   // arguments still expected in the current multibulk
  int64_t bulk_len_ = 0;    // length of the bulk being read
  size_t consumed_ = 0;
  size_t wanted_ = 0;
  uint64_t scanned_ = 0;
  struct Span {
    size_t offset;
    size_t len;
  };
  std::vector<Span> spans_;  // argument positions, valid across reads as the buffer grows
  std::vector<std::string_view> args_;
  std::string inline_scratch_;  // decoded inline arguments (quotes and escapes)
  std::string error_;
};

}  // namespace cairn::resp
