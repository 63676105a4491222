// resp/writer.h — writes replies in RESP2 or RESP3 into an OutputBuffer.
//
// Command code says what it means (a map, a null, a double, a set) and the writer picks the
// encoding for the client's protocol: in RESP2 a map is a flat array, a null is $-1 (or *-1
// for a null array), a double is a bulk string, a boolean is an integer; in RESP3 each has its
// own type. Command code never branches on the protocol.
//
// Threading: one owner thread, like the OutputBuffer it writes to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "resp/output_buffer.h"

namespace cairn::resp {

class Writer {
 public:
  // Bulk values of at least this size are referenced, not copied, when the caller offers an
  // owner (WriteBulkRef); smaller ones are cheaper to copy than to track.
  static constexpr size_t kZeroCopyMinBytes = 8 * 1024;

  Writer(OutputBuffer* out, int protocol) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  OutputBuffer* buffer() const { return out_; }

  void WriteSimple(std::string_view text);          // +text
  // -text; text starts with the error code ("ERR ...", "WRONGTYPE ..."). CR/LF become spaces.
  void WriteError(std::string_view text);
  // An error that was already counted where it arose (a script relaying the error reply of
  // a command it ran): a failure of this command, but not a second entry in errorstats.
  void WriteRelayedError(std::string_view text) {
    ++relayed_errors_;
    WriteError(text);
  }
  void WriteOk() { WriteSimple("OK"); }
  void WriteInteger(int64_t value);                 // :value
  void WriteBulk(std::string_view bytes);           // $len bytes
  // Like WriteBulk, but large payloads are sent from the caller's buffer without a copy: the
  // writer keeps ctx and calls release(ctx) after the bytes are written. Small payloads are
  // copied and release(ctx) is called at once.
  void WriteBulkRef(std::string_view bytes, ReleaseFn release, void* ctx);
  void WriteNull();                                  // $-1 | _
  void WriteNullArray();                             // *-1 | _
  void WriteArrayLen(int64_t count);                 // *n
  void WriteMapLen(int64_t pairs);                   // *2n | %n
  void WriteSetLen(int64_t count);                   // *n | ~n
  // An out-of-band message (Pub/Sub, invalidation): an array in RESP2, a push in RESP3.
  void WritePushLen(int64_t count);                  // *n | >n
  void WriteDouble(double value);                    // $len 1.5 | ,1.5
  void WriteBool(bool value);                        // :1 | #t
  void WriteVerbatim(std::string_view text, std::string_view format = "txt");  // $ | =
  // A big number given as its decimal digits: a bulk string in RESP2.
  void WriteBigNumber(std::string_view digits);        // $len digits | (digits
  // RESP3 only (callers check protocol()): an attribute map of pairs key/value pairs that
  // precedes the reply it describes.
  void WriteAttributeLen(int64_t pairs);               // |n
  // Bulk string holding a number formatted as text (INCRBYFLOAT's reply style).
  void WriteBulkInt64(int64_t value);
  // Raw protocol bytes, already encoded (e.g. canned replies).
  void WriteRaw(std::string_view bytes) { out_->Append(bytes); }
  // Raw protocol bytes the writer takes over: from kZeroCopyMinBytes on they are sent from
  // the string itself, which is freed once written (OutputBuffer::AppendOwned); smaller
  // ones are copied.
  void WriteRawOwned(std::string bytes);

  // Number of error replies written so far (per-command failure statistics).
  uint64_t errors_written() const { return errors_written_; }
  // How many of those were relayed (WriteRelayedError).
  uint64_t relayed_errors() const { return relayed_errors_; }
  // The code (first word, at most kMaxErrorCodeBytes) of the last error written, for
  // INFO errorstats; empty before the first error.
  static constexpr size_t kMaxErrorCodeBytes = 32;
  std::string_view last_error_code() const { return {last_error_code_, last_error_code_len_}; }

 private:
  void WriteHeader(char type, int64_t value);

  OutputBuffer* out_;
  int protocol_;
  uint64_t errors_written_ = 0;
  uint64_t relayed_errors_ = 0;
  char last_error_code_[kMaxErrorCodeBytes];
  size_t last_error_code_len_ = 0;
};

}  // namespace cairn::resp
