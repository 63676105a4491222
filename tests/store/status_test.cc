// Status and Result<T>: the one error vocabulary of the layers above resp/.
#include "store/base/status.h"

#include <cerrno>
#include <doctest/doctest.h>

namespace cairn {
namespace {

TEST_CASE("a default Status is OK and a bare code names itself without a message") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.ToString() == "OK");
  Status wrong(Code::kWrongType);
  CHECK_FALSE(wrong.ok());
  CHECK(wrong.code() == Code::kWrongType);
  CHECK(wrong.message() == "wrong type");
  CHECK(wrong.ToString() == "wrong type");
}

TEST_CASE("an I/O error keeps its errno and says what was being done") {
  Status st = Status::IoError(EACCES, "open /x/wal");
  CHECK(st.code() == Code::kIoError);
  CHECK(st.sys_errno() == EACCES);
  CHECK(st.message() == "open /x/wal: Permission denied");
  CHECK(st.ToString() == "I/O error: open /x/wal: Permission denied");
}

TEST_CASE("copies of a failed Status are independent") {
  Status a = Status::Corruption("bad checksum at offset 12");
  Status b = a;
  a = Status::Ok();
  CHECK(a.ok());
  CHECK(b.code() == Code::kCorruption);
  CHECK(b.message() == "bad checksum at offset 12");
}

TEST_CASE("a Result holds a value or the Status that says why not") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);
  Result<int> bad = Status::Invalid("not a number");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalid);
  Result<std::string> code_only = Code::kOverflow;
  CHECK(code_only.status().message() == "overflow");
}

}  // namespace
}  // namespace cairn
