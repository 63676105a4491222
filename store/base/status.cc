// store/base/status.cc — Status's messages.
#include "store/base/status.h"

#include <cstring>

namespace cairn {

Status Status::IoError(int err, std::string_view what) {
  Status st(Code::kIoError, std::string(what) + ": " + std::strerror(err));
  st.errno_ = err;
  return st;
}

Status& Status::operator=(const Status& other) {
  if (this == &other) return *this;
  code_ = other.code_;
  errno_ = other.errno_;
  message_ = other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr;
  return *this;
}

std::string_view Status::message() const {
  return message_ ? std::string_view(*message_) : CodeName(code_);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  if (message_) out.append(": ").append(*message_);
  return out;
}

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kWrongType: return "wrong type";
    case Code::kNotInteger: return "not an integer";
    case Code::kNotFloat: return "not a float";
    case Code::kOverflow: return "overflow";
    case Code::kNaN: return "NaN or infinity";
    case Code::kTooLarge: return "too large";
    case Code::kInvalid: return "invalid";
    case Code::kCorruption: return "corruption";
    case Code::kIoError: return "I/O error";
    case Code::kBusy: return "busy";
  }
  return "unknown";
}

}  // namespace cairn
