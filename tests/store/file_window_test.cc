// tests/store/file_window_test.cc — reading a file front to back through FileWindow: any span
// asked for is held whole, offsets follow the position, the end of the file stops it, and
// the whole-file checksum equals one computed in memory.
#include "store/durability/file_window.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "store/durability/crc32c.h"
#include "tests/support/temp_dir.h"

namespace cairn::store {
namespace {

using cairn::test::TempDir;

// Writes bytes to dir/name and returns a descriptor open for reading.
int WriteFile(const TempDir& dir, const std::string& bytes) {
  std::string path = dir.path() + "/f";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  return fd;
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) >> 3);
  return s;
}

TEST_CASE("a window holds every span asked for, at the right offset, up to its end") {
  TempDir dir;
  std::string bytes = Pattern((size_t{5} << 20) + 333);  // five reads and a piece
  int fd = WriteFile(dir, bytes);
  uint64_t end = bytes.size() - 4;  // as for a snapshot: the last 4 bytes are not entries
  FileWindow w(fd, end, "f");
  uint64_t pos = 0;
  for (size_t span : {size_t{10}, size_t{3} << 20, size_t{1}, size_t{1} << 20, size_t{777}}) {
    REQUIRE(w.Fill(span).ok());
    REQUIRE(w.available().size() >= span);
    CHECK(w.offset() == pos);
    CHECK(w.available().substr(0, span) == std::string_view(bytes).substr(pos, span));
    w.Consume(span);
    pos += span;
  }
  // Asking past the end gives what is left, and no more.
  REQUIRE(w.Fill(size_t{64} << 20).ok());
  CHECK(w.at_end());
  CHECK(w.available() == std::string_view(bytes).substr(pos, end - pos));
  w.Consume(w.available().size());
  CHECK(w.offset() == end);
  ::close(fd);
}

TEST_CASE("the whole-file checksum is the CRC32C of the bytes before end") {
  TempDir dir;
  std::string bytes = Pattern((size_t{2} << 20) + 5);
  int fd = WriteFile(dir, bytes);
  for (uint64_t end : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 20, uint64_t{bytes.size()}}) {
    Result<uint32_t> crc = ChecksumOf(fd, end, "f");
    REQUIRE(crc.ok());
    CHECK(*crc == wal::Crc32c(bytes.data(), end));
  }
  ::close(fd);
}

TEST_CASE("a file shorter than the window was told is an error, not a short read") {
  TempDir dir;
  int fd = WriteFile(dir, Pattern(100));
  FileWindow w(fd, 200, "f");
  Status st = w.Fill(150);
  CHECK(!st.ok());
  Result<uint32_t> crc = ChecksumOf(fd, 200, "f");
  CHECK(!crc.ok());
  ::close(fd);
}

}  // namespace
}  // namespace cairn::store
