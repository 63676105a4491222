// store/base/status.h — Status and Result<T>: how every fallible operation above resp/ reports
// failure (no exceptions anywhere in cairn).
//
// A Status is a code plus, for failures that need one, a message. The OK status and the
// codes a hot path returns (kWrongType, kNotInteger...) carry no message and never allocate:
// the message lives behind a pointer that stays null for them. Store results become Redis
// error text only in the command layer (src/exec/errors.h); a Status message is for logs,
// INFO and startup errors, written for a person ("open /data/wal/000001.log: Permission
// denied").
//
// Result<T> is a T or a failed Status, for functions that produce a value.
//
// Both are [[nodiscard]]: ignoring a failure must be written out (`(void)` with a reason).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cairn {

// What went wrong. Store codes first (what a command maps to a reply), then system codes.
enum class Code : uint8_t {
  kOk = 0,
  kWrongType,    // the key holds another type (WRONGTYPE)
  kNotInteger,   // a stored value is not an integer or out of range
  kNotFloat,     // a stored value is not a valid float
  kOverflow,     // the result would overflow (INCR past int64, a counter past its range)
  kNaN,          // the result would be NaN or infinite
  kTooLarge,     // the result would exceed a size limit (string exceeds maximum allowed size)
  kInvalid,      // a bad argument or option, or a file/record that does not parse
  kCorruption,   // stored data (a log, a snapshot) is damaged
  kIoError,      // a system call failed; errno() tells which error
  kBusy,         // the operation is already running (a second snapshot)
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  explicit Status(Code code) : code_(code) {}
  Status(Code code, std::string message)
      : code_(code), message_(std::make_unique<std::string>(std::move(message))) {}

  static Status Ok() { return Status(); }
  // A failed system call: what was being done ("open /x/y") and the errno it set.
  static Status IoError(int err, std::string_view what);
  static Status Invalid(std::string message) { return Status(Code::kInvalid, std::move(message)); }
  static Status Corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message));
  }

  Status(const Status& other) { *this = other; }
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The errno of a kIoError (positive), 0 otherwise.
  int sys_errno() const { return errno_; }
  // The message; for a code without one, the code's name ("wrong type").
  std::string_view message() const;
  // "I/O error: open /x: Permission denied", "OK": for logs and tests.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  int errno_ = 0;
  std::unique_ptr<std::string> message_;  // null for OK and bare codes
};

// The name of a code, lower case ("wrong type", "I/O error").
std::string_view CodeName(Code code);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, as `return value;`
  // status must not be OK: a Result holds a value or says why it does not.
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit, as `return st;`
  Result(Code code) : status_(code) {}                    // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  Status TakeStatus() { return std::move(status_); }

  // The value; only when ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;  // OK when value_ is set
  std::optional<T> value_;
};

}  // namespace cairn
