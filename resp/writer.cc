// resp/writer.cc — see writer.h.
#include "resp/writer.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "resp/number.h"

namespace cairn::resp {

void Writer::WriteHeader(char type, int64_t value) {
  char* p = out_->Reserve(kMaxInt64Chars + 3);
  p[0] = type;
  size_t n = 1 + FormatInt64(value, p + 1);
  p[n++] = '\r';
  p[n++] = '\n';
  out_->Commit(n);
}

void Writer::WriteSimple(std::string_view text) {
  out_->Append("+");
  out_->Append(text);
  out_->Append("\r\n");
}

void Writer::WriteError(std::string_view text) {
  ++errors_written_;
  std::string_view code = text.substr(0, std::min(text.find(' '), kMaxErrorCodeBytes));
  std::memcpy(last_error_code_, code.data(), code.size());
  last_error_code_len_ = code.size();
  out_->Append("-");
  // An error must stay on one line: Redis replaces newlines with spaces.
  while (!text.empty()) {
    size_t cut = text.find_first_of("\r\n");
    out_->Append(text.substr(0, cut));
    if (cut == std::string_view::npos) break;
    out_->Append(" ");
    text.remove_prefix(cut + 1);
  }
  out_->Append("\r\n");
}

void Writer::WriteInteger(int64_t value) { WriteHeader(':', value); }

void Writer::WriteBulk(std::string_view bytes) {
  WriteHeader('$', static_cast<int64_t>(bytes.size()));
  out_->Append(bytes);
  out_->Append("\r\n");
}

void Writer::WriteBulkRef(std::string_view bytes, ReleaseFn release, void* ctx) {
  if (bytes.size() < kZeroCopyMinBytes) {
    WriteBulk(bytes);
    release(ctx);
    return;
  }
  WriteHeader('$', static_cast<int64_t>(bytes.size()));
  out_->AppendExternal(bytes.data(), bytes.size(), release, ctx);
  out_->Append("\r\n");
}

void Writer::WriteRawOwned(std::string bytes) {
  if (bytes.size() < kZeroCopyMinBytes) {
    out_->Append(bytes);
  } else {
    out_->AppendOwned(std::move(bytes));
  }
}

void Writer::WriteNull() { out_->Append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }

void Writer::WriteNullArray() { out_->Append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void Writer::WriteArrayLen(int64_t count) { WriteHeader('*', count); }

void Writer::WriteMapLen(int64_t pairs) {
  if (protocol_ >= 3) {
    WriteHeader('%', pairs);
  } else {
    WriteHeader('*', pairs * 2);
  }
}

void Writer::WriteSetLen(int64_t count) { WriteHeader(protocol_ >= 3 ? '~' : '*', count); }

void Writer::WritePushLen(int64_t count) { WriteHeader(protocol_ >= 3 ? '>' : '*', count); }

void Writer::WriteDouble(double value) {
  char buf[kMaxDoubleChars];
  size_t n = FormatDouble(value, buf);
  if (protocol_ >= 3) {
    out_->Append(",");
    out_->Append(std::string_view(buf, n));
    out_->Append("\r\n");
  } else {
    WriteBulk(std::string_view(buf, n));
  }
}

void Writer::WriteBool(bool value) {
  if (protocol_ >= 3) {
    out_->Append(value ? "#t\r\n" : "#f\r\n");
  } else {
    out_->Append(value ? ":1\r\n" : ":0\r\n");
  }
}

void Writer::WriteVerbatim(std::string_view text, std::string_view format) {
  if (protocol_ < 3) {
    WriteBulk(text);
    return;
  }
  WriteHeader('=', static_cast<int64_t>(text.size() + format.size() + 1));
  out_->Append(format);
  out_->Append(":");
  out_->Append(text);
  out_->Append("\r\n");
}

void Writer::WriteBigNumber(std::string_view digits) {
  if (protocol_ < 3) {
    WriteBulk(digits);
    return;
  }
  out_->Append("(");
  out_->Append(digits);
  out_->Append("\r\n");
}

void Writer::WriteAttributeLen(int64_t pairs) {
  assert(protocol_ >= 3);  // RESP2 has no attributes: the stream would be corrupt
  WriteHeader('|', pairs);
}

void Writer::WriteBulkInt64(int64_t value) {
  char buf[kMaxInt64Chars];
  WriteBulk(std::string_view(buf, FormatInt64(value, buf)));
}

}  // namespace cairn::resp
