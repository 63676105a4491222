// tests/resp/output_buffer_test.cc — pending reply bytes: order across blocks, partial writes,
// and external segments released exactly once.
#include "resp/output_buffer.h"
#include "resp/writer.h"

#include <doctest/doctest.h>
#include <sys/uio.h>

#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::resp {
namespace {

std::string Pending(const OutputBuffer& out, int max_iov = 1024) {
  std::vector<iovec> iov(static_cast<size_t>(max_iov));
  int n = out.Gather(iov.data(), max_iov);
  std::string bytes;
  for (int i = 0; i < n; ++i)
    bytes.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return bytes;
}

int IovCount(const OutputBuffer& out) {
  std::vector<iovec> iov(1024);
  return out.Gather(iov.data(), 1024);
}

// Distinct bytes so that any reordering or loss shows.
std::string Pattern(size_t n, size_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (seed * 7 + i) % 26);
  return s;
}

struct Owner {
  int releases = 0;
  static void Release(void* self) { ++static_cast<Owner*>(self)->releases; }
};

TEST_CASE("a new buffer is empty and gathers nothing") {
  OutputBuffer out;
  CHECK(out.empty());
  CHECK(out.size() == 0);
  CHECK(IovCount(out) == 0);
}

TEST_CASE("appends spanning several 16 KB blocks gather back in order") {
  OutputBuffer out;
  std::string expected;
  for (size_t i = 0; i < 100; ++i) {
    std::string piece = Pattern(1000 + i, i);
    out.Append(piece);
    expected += piece;
  }
  CHECK(out.size() == expected.size());
  CHECK(IovCount(out) >= static_cast<int>(expected.size() / OutputBuffer::kBlockSize));
  CHECK(Pending(out) == expected);
}

TEST_CASE("one append larger than a block is split across blocks in order") {
  OutputBuffer out;
  std::string big = Pattern(3 * OutputBuffer::kBlockSize + 17, 3);
  out.Append("head");
  out.Append(big);
  CHECK(Pending(out) == "head" + big);
}

TEST_CASE("reserved space keeps only the committed bytes") {
  OutputBuffer out;
  out.Append("a");
  char* p = out.Reserve(10);
  std::memcpy(p, "bcdefghijk", 10);
  out.Commit(3);
  out.Append("z");
  CHECK(Pending(out) == "abcdz");
  CHECK(out.size() == 5);
}

TEST_CASE("a reservation that does not fit the current block starts a new one") {
  OutputBuffer out;
  std::string fill = Pattern(OutputBuffer::kBlockSize - 5, 1);
  out.Append(fill);
  char* p = out.Reserve(20);
  std::memcpy(p, "0123456789", 10);
  out.Commit(10);
  CHECK(Pending(out) == fill + "0123456789");
}

TEST_CASE("external bytes are sent in place between copied bytes") {
  OutputBuffer out;
  Owner owner;
  std::string value = Pattern(50000, 9);
  out.Append("$50000\r\n");
  out.AppendExternal(value.data(), value.size(), &Owner::Release, &owner);
  out.Append("\r\n");
  std::vector<iovec> iov(8);
  int n = out.Gather(iov.data(), 8);
  bool points_at_value = false;
  for (int i = 0; i < n; ++i) points_at_value |= iov[i].iov_base == value.data();
  CHECK(points_at_value);
  CHECK(Pending(out) == "$50000\r\n" + value + "\r\n");
}

TEST_CASE("a string the buffer takes over is sent from its own bytes, in reply order") {
  OutputBuffer out;
  std::string file = Pattern(3 * OutputBuffer::kBlockSize + 5, 11);
  std::string expected = "+FULLRESYNC x 0\r\n$" + std::to_string(file.size()) + "\r\n" + file +
                         "*1\r\n$4\r\nPING\r\n";
  const char* bytes = file.data();  // a heap string keeps its bytes when moved
  out.Append("+FULLRESYNC x 0\r\n$" + std::to_string(file.size()) + "\r\n");
  out.AppendOwned(std::move(file));
  out.Append("*1\r\n$4\r\nPING\r\n");  // what follows the file (the stream)
  std::vector<iovec> iov(8);
  int n = out.Gather(iov.data(), 8);
  REQUIRE(n == 3);  // header block, the file in place, the stream's block
  CHECK(iov[1].iov_base == bytes);
  CHECK(Pending(out) == expected);
  // Written a little at a time across the file's edges, nothing is lost or reordered.
  std::string written;
  while (!out.empty()) {
    std::string next = Pending(out).substr(0, 7000);
    written += next;
    out.Consume(next.size());
  }
  CHECK(written == expected);
  CHECK(out.segment_count() <= 1);
}

TEST_CASE("strings taken over and never written are freed with the buffer") {
  // Under the sanitizers a string left behind is a leak report.
  OutputBuffer out;
  out.AppendOwned(Pattern(100000, 12));
  out.Consume(10);
  out.AppendOwned(Pattern(100000, 13));
  out.AppendOwned(std::string());
  OutputBuffer truncated;
  truncated.Append("+OK\r\n");
  truncated.AppendOwned(Pattern(100000, 14));
  truncated.Truncate(5);
  CHECK(Pending(truncated) == "+OK\r\n");
  OutputBuffer cleared;
  cleared.AppendOwned(Pattern(100000, 15));
  cleared.Clear();
  CHECK(cleared.empty());
}

TEST_CASE("the writer copies a small string it takes over and sends a large one in place") {
  OutputBuffer out;
  Writer writer(&out, 2);
  writer.WriteRawOwned("+small\r\n");
  CHECK(IovCount(out) == 1);
  std::string large = Pattern(Writer::kZeroCopyMinBytes, 16);
  const char* bytes = large.data();
  writer.WriteRawOwned(std::move(large));
  std::vector<iovec> iov(8);
  REQUIRE(out.Gather(iov.data(), 8) == 2);
  CHECK(iov[1].iov_base == bytes);
  CHECK(Pending(out) == "+small\r\n" + Pattern(Writer::kZeroCopyMinBytes, 16));
}

TEST_CASE("a partial consume leaves the rest pending in order") {
  OutputBuffer out;
  std::string all = Pattern(40000, 5);
  out.Append(all);
  out.Consume(1);
  CHECK(Pending(out) == all.substr(1));
  out.Consume(OutputBuffer::kBlockSize);  // crosses a block boundary
  CHECK(Pending(out) == all.substr(1 + OutputBuffer::kBlockSize));
  CHECK(out.size() == all.size() - 1 - OutputBuffer::kBlockSize);
  out.Consume(out.size());
  CHECK(out.empty());
  CHECK(IovCount(out) == 0);
}

TEST_CASE("the buffer is reusable after it drains") {
  OutputBuffer out;
  for (int round = 0; round < 5; ++round) {
    std::string bytes = Pattern(10000 + static_cast<size_t>(round) * 9000, round);
    out.Append(bytes);
    CHECK(Pending(out) == bytes);
    out.Consume(out.size());
    CHECK(out.empty());
  }
}

TEST_CASE("an external segment is released once, only after Consume passes its last byte") {
  OutputBuffer out;
  Owner owner;
  std::string value = Pattern(30000, 2);
  out.Append("hdr");
  out.AppendExternal(value.data(), value.size(), &Owner::Release, &owner);
  out.Append("tail");

  out.Consume(3);
  CHECK(owner.releases == 0);
  out.Consume(value.size() - 1);
  CHECK(owner.releases == 0);
  CHECK(Pending(out) == value.substr(value.size() - 1) + "tail");
  out.Consume(1);
  CHECK(owner.releases == 1);
  CHECK(Pending(out) == "tail");
  out.Consume(4);
  CHECK(owner.releases == 1);
  CHECK(out.empty());
}

TEST_CASE("one consume passing several external segments releases each once") {
  OutputBuffer out;
  Owner a, b, c;
  std::string va = Pattern(100, 1), vb = Pattern(200, 2), vc = Pattern(300, 3);
  out.AppendExternal(va.data(), va.size(), &Owner::Release, &a);
  out.AppendExternal(vb.data(), vb.size(), &Owner::Release, &b);
  out.Append("x");
  out.AppendExternal(vc.data(), vc.size(), &Owner::Release, &c);
  out.Consume(301);
  CHECK(a.releases == 1);
  CHECK(b.releases == 1);
  CHECK(c.releases == 0);
  CHECK(Pending(out) == vc);
  out.Consume(300);
  CHECK(c.releases == 1);
}

TEST_CASE("unwritten external segments are released once when the buffer is destroyed") {
  Owner whole, partial, passed;
  std::string v = Pattern(1000, 4);
  {
    OutputBuffer out;
    out.AppendExternal(v.data(), v.size(), &Owner::Release, &passed);
    out.AppendExternal(v.data(), v.size(), &Owner::Release, &partial);
    out.AppendExternal(v.data(), v.size(), &Owner::Release, &whole);
    out.Consume(v.size() + 10);
    CHECK(passed.releases == 1);
    CHECK(partial.releases == 0);
  }
  CHECK(passed.releases == 1);
  CHECK(partial.releases == 1);
  CHECK(whole.releases == 1);
}

TEST_CASE("clear releases pending external segments once and empties the buffer") {
  Owner owner;
  std::string v = Pattern(500, 6);
  {
    OutputBuffer out;
    out.Append("a");
    out.AppendExternal(v.data(), v.size(), &Owner::Release, &owner);
    out.Clear();
    CHECK(owner.releases == 1);
    CHECK(out.empty());
    CHECK(IovCount(out) == 0);
    out.Append("again");
    CHECK(Pending(out) == "again");
  }
  CHECK(owner.releases == 1);
}

TEST_CASE("an empty external segment is released too") {
  Owner owner;
  {
    OutputBuffer out;
    out.AppendExternal("", 0, &Owner::Release, &owner);
    out.Append("x");
    out.Consume(1);
  }
  CHECK(owner.releases == 1);
}

TEST_CASE("gather fills at most max_iov entries, from the front") {
  Owner owner;
  OutputBuffer out;
  std::string a = Pattern(10, 1), b = Pattern(20, 2), c = Pattern(30, 3);
  out.AppendExternal(a.data(), a.size(), &Owner::Release, &owner);
  out.AppendExternal(b.data(), b.size(), &Owner::Release, &owner);
  out.AppendExternal(c.data(), c.size(), &Owner::Release, &owner);
  CHECK(Pending(out, 2) == a + b);
  out.Consume(5);
  CHECK(Pending(out, 1) == a.substr(5));
}

TEST_CASE("memory held covers the pending bytes") {
  OutputBuffer out;
  out.Append(Pattern(20000, 8));
  CHECK(out.memory_bytes() >= 20000);
}

}  // namespace
}  // namespace cairn::resp

TEST_CASE("drained segments do not pile up while a connection lives") {
  cairn::resp::OutputBuffer out;
  static char big[cairn::resp::Writer::kZeroCopyMinBytes];
  int released = 0;
  for (int i = 0; i < 100000; ++i) {
    out.Append("$8192\r\n");
    out.AppendExternal(big, sizeof(big), [](void* n) { ++*static_cast<int*>(n); }, &released);
    out.Append("\r\n");
    out.Consume(out.size());  // everything written, as after each reply of a long session
  }
  CHECK(released == 100000);
  CHECK(out.memory_bytes() <= cairn::resp::OutputBuffer::kBlockSize);
  CHECK(out.segment_count() <= 1);
}

TEST_CASE("Truncate drops held replies and keeps the bytes before them intact") {
  cairn::resp::OutputBuffer out;
  static char big[9000];
  std::memset(big, 'x', sizeof(big));
  int released = 0;
  out.Append("+OK\r\n");
  out.AppendExternal(big, sizeof(big), [](void* n) { ++*static_cast<int*>(n); }, &released);
  out.Append("\r\n:1\r\n");
  out.Consume(2);  // part of the first reply already written
  out.Truncate(3);  // keep "K\r\n", drop the rest
  CHECK(released == 1);
  CHECK(out.size() == 3);
  out.Append("-ERR x\r\n");
  struct iovec iov[8];
  int n = out.Gather(iov, 8);
  std::string bytes;
  for (int i = 0; i < n; ++i) bytes.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  CHECK(bytes == "K\r\n-ERR x\r\n");
}
