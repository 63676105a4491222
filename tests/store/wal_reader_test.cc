// tests/store/wal_reader_test.cc — reading the WAL back: records come out in order, a torn
// tail at any byte is cut off cleanly, and corruption stops reading with file and offset.
// Every test writes real segment files with the format's encoders into a temp directory.
#include "store/durability/wal_reader.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "store/durability/wal_format.h"
#include "tests/support/temp_dir.h"

namespace cairn::store::wal {
namespace {

namespace fs = std::filesystem;

// The shared temp dir, plus where a segment with a given first LSN lives in it.
class TempDir : public cairn::test::TempDir {
 public:
  std::string File(uint64_t first_lsn) const { return path() + "/" + SegmentName(first_lsn); }
};

struct TestRecord {
  uint64_t lsn;
  std::string payload;
  uint8_t type = kEffects;
};

// A segment's bytes and where each record starts.
struct SegmentBytes {
  std::string bytes = SegmentHeader();
  std::vector<size_t> offsets;

  SegmentBytes& Add(const TestRecord& r) {
    offsets.push_back(bytes.size());
    PutRecord(&bytes, r.type, r.lsn, r.payload);
    return *this;
  }
};

// Records first..last with payloads that differ in content and length.
SegmentBytes Records(uint64_t first, uint64_t last) {
  SegmentBytes s;
  for (uint64_t lsn = first; lsn <= last; ++lsn) {
    s.Add({lsn, "value-" + std::to_string(lsn) + std::string(lsn % 5, 'x')});
  }
  return s;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> v;
  for (uint64_t lsn = first; lsn <= last; ++lsn) v.push_back(lsn);
  return v;
}

struct Event {
  std::string kind;  // "torn" or "corrupt"
  std::string segment;
  uint64_t offset;
  uint64_t bytes_dropped;
  std::string reason;
};

class RecordingReporter : public WalReporter {
 public:
  void TornTail(const std::string& segment_path, uint64_t offset, uint64_t bytes_dropped) override {
    events.push_back({"torn", segment_path, offset, bytes_dropped, ""});
  }
  void Corruption(const std::string& segment_path, uint64_t offset,
                  const std::string& reason) override {
    events.push_back({"corrupt", segment_path, offset, 0, reason});
  }
  std::vector<Event> events;
};

struct Delivered {
  uint64_t lsn;
  std::string payload;
  std::string segment;
  uint64_t offset;
};

struct ReadOutcome {
  WalReadResult result;
  std::vector<Delivered> records;
  std::vector<Event> events;

  std::vector<uint64_t> lsns() const {
    std::vector<uint64_t> v;
    for (const Delivered& d : records) v.push_back(d.lsn);
    return v;
  }
};

ReadOutcome ReadAll(const std::string& dir, uint64_t after_lsn = 0) {
  ReadOutcome out;
  RecordingReporter reporter;
  out.result = ReadWal(
      dir, after_lsn,
      [&](const WalRecord& r) {
        CHECK(r.type == kEffects);
        out.records.push_back({r.lsn, std::string(r.payload), std::string(r.segment), r.offset});
        return true;
      },
      &reporter);
  out.events = reporter.events;
  return out;
}

// Reads dir expecting a torn tail at segment/offset, cuts it off, and checks that the log
// then reads clean with the same records.
void ExpectTornThenRepaired(const std::string& dir, const std::string& segment, uint64_t offset,
                            uint64_t file_size, const std::vector<uint64_t>& kept) {
  ReadOutcome r = ReadAll(dir);
  REQUIRE(r.result.state == WalReadState::kTornTail);
  CHECK(r.result.segment == segment);
  CHECK(r.result.offset == offset);
  CHECK(r.result.bytes_dropped == file_size - offset);
  CHECK(r.lsns() == kept);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "torn");
  CHECK(r.events[0].segment == segment);
  CHECK(r.events[0].offset == offset);
  CHECK(r.events[0].bytes_dropped == file_size - offset);

  std::vector<std::string> removed;
  Status st = TruncateWal(dir, r.result, &removed);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  ReadOutcome again = ReadAll(dir);
  CHECK(again.result.state == WalReadState::kOk);
  CHECK(again.lsns() == kept);
  CHECK(again.events.empty());
  if (offset < kHeaderSize) {
    CHECK(removed == std::vector<std::string>{segment});
    CHECK_FALSE(fs::exists(segment));
  } else {
    CHECK(removed.empty());
    CHECK(fs::file_size(segment) == offset);
  }
}

void ExpectCorrupt(const ReadOutcome& r, const std::string& segment, uint64_t offset,
                   const std::vector<uint64_t>& delivered) {
  REQUIRE(r.result.state == WalReadState::kCorrupt);
  CHECK(r.result.segment == segment);
  CHECK(r.result.offset == offset);
  CHECK_FALSE(r.result.reason.empty());
  CHECK(r.lsns() == delivered);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "corrupt");
  CHECK(r.events[0].segment == segment);
  CHECK(r.events[0].offset == offset);
  CHECK(r.events[0].reason == r.result.reason);
}

TEST_CASE("records in several segments are read back in LSN order with file and offset") {
  TempDir dir;
  SegmentBytes a = Records(1, 3), b = Records(4, 5), c;
  c.Add({6, ""}).Add({7, std::string(100000, 'v')}).Add({8, std::string("\0\r\n", 3)});
  WriteFile(dir.File(1), a.bytes);
  WriteFile(dir.File(4), b.bytes);
  WriteFile(dir.File(6), c.bytes);
  WriteFile(dir.path() + "/not-a-segment.txt", "ignored");

  ReadOutcome r = ReadAll(dir.path());
  REQUIRE(r.result.state == WalReadState::kOk);
  CHECK(r.events.empty());
  CHECK(r.lsns() == Range(1, 8));
  CHECK(r.result.last_lsn == 8);
  CHECK(r.result.first_lsn == 1);
  CHECK(r.result.next_lsn == 9);
  CHECK(r.records[0].payload == "value-1x");
  CHECK(r.records[0].segment == dir.File(1));
  CHECK(r.records[0].offset == kHeaderSize);
  CHECK(r.records[4].segment == dir.File(4));
  CHECK(r.records[4].offset == b.offsets[1]);
  CHECK(r.records[5].payload.empty());
  CHECK(r.records[6].payload == std::string(100000, 'v'));
  CHECK(r.records[7].payload == std::string("\0\r\n", 3));
  CHECK(r.records[7].offset == c.offsets[2]);

  REQUIRE(r.result.segments.size() == 3);
  CHECK(r.result.segments[1].path == dir.File(4));
  CHECK(r.result.segments[1].first_lsn == 4);
  CHECK(r.result.segments[1].records == 2);
  CHECK(r.result.segments[1].last_lsn == 5);
  CHECK(r.result.segments[1].size_bytes == b.bytes.size());
}

TEST_CASE("segments are listed in LSN order, not in directory order") {
  TempDir dir;
  for (uint64_t lsn : {100, 2, 30, 1}) WriteFile(dir.File(lsn), SegmentHeader());
  WriteFile(dir.path() + "/wal-1.log", "");
  Result<std::vector<WalSegment>> listed = ListSegments(dir.path());
  REQUIRE(listed.ok());
  const std::vector<WalSegment>& segments = *listed;
  REQUIRE(segments.size() == 4);
  CHECK(segments[0].first_lsn == 1);
  CHECK(segments[1].first_lsn == 2);
  CHECK(segments[2].first_lsn == 30);
  CHECK(segments[3].first_lsn == 100);
  CHECK(segments[3].path == dir.File(100));
}

TEST_CASE("records up to after_lsn are verified but not delivered") {
  TempDir dir;
  WriteFile(dir.File(1), Records(1, 3).bytes);
  WriteFile(dir.File(4), Records(4, 9).bytes);
  for (uint64_t after : {0, 3, 4, 8, 9, 100}) {
    CAPTURE(after);
    ReadOutcome r = ReadAll(dir.path(), after);
    CHECK(r.result.state == WalReadState::kOk);
    CHECK(r.result.last_lsn == 9);
    CHECK(r.lsns() == (after >= 9 ? std::vector<uint64_t>{} : Range(after + 1, 9)));
  }
}

TEST_CASE("a skipped record is still checked: damage before after_lsn is reported") {
  TempDir dir;
  SegmentBytes a = Records(1, 3);
  a.bytes[a.offsets[1] + 6] ^= 0x20;
  WriteFile(dir.File(1), a.bytes);
  WriteFile(dir.File(4), Records(4, 5).bytes);
  ExpectCorrupt(ReadAll(dir.path(), 4), dir.File(1), a.offsets[1], {});
}

TEST_CASE("a missing directory, an empty one and a header-only segment are clean logs") {
  TempDir dir;
  ReadOutcome missing = ReadAll(dir.path() + "/nothing-here");
  CHECK(missing.result.state == WalReadState::kOk);
  CHECK(missing.result.next_lsn == 0);
  ReadOutcome empty = ReadAll(dir.path());
  CHECK(empty.result.state == WalReadState::kOk);
  CHECK(empty.result.last_lsn == 0);
  CHECK(empty.result.segments.empty());

  WriteFile(dir.File(101), SegmentHeader());
  ReadOutcome fresh = ReadAll(dir.path());
  CHECK(fresh.result.state == WalReadState::kOk);
  CHECK(fresh.result.last_lsn == 0);
  CHECK(fresh.result.first_lsn == 101);
  CHECK(fresh.result.next_lsn == 101);
  CHECK(fresh.records.empty());
}

TEST_CASE("the callback returning false stops reading at that record") {
  TempDir dir;
  SegmentBytes a = Records(1, 5);
  WriteFile(dir.File(1), a.bytes);
  std::vector<uint64_t> seen;
  WalReadResult r = ReadWal(
      dir.path(), 0,
      [&](const WalRecord& rec) {
        seen.push_back(rec.lsn);
        return rec.lsn < 3;
      },
      nullptr);
  CHECK(r.state == WalReadState::kStopped);
  CHECK(r.last_lsn == 3);
  CHECK(r.segment == dir.File(1));
  CHECK(r.offset == a.offsets[2]);
  CHECK(seen == Range(1, 3));
}

TEST_CASE("a log cut at any byte of its last two records is a torn tail that cuts off clean") {
  SegmentBytes first = Records(1, 3);
  SegmentBytes last = Records(4, 6);
  // Payloads long enough that each size varint takes two bytes, so cuts land inside it.
  last.Add({7, std::string(200, 'a')}).Add({8, std::string(150, 'b')});
  const size_t seventh = last.offsets[3], eighth = last.offsets[4], end = last.bytes.size();
  for (size_t len = seventh; len <= end; ++len) {
    CAPTURE(len);
    TempDir dir;
    WriteFile(dir.File(1), first.bytes);
    WriteFile(dir.File(4), std::string_view(last.bytes).substr(0, len));
    if (len == seventh || len == eighth || len == end) {
      ReadOutcome r = ReadAll(dir.path());
      CHECK(r.result.state == WalReadState::kOk);
      CHECK(r.lsns() == Range(1, len == seventh ? 6 : len == eighth ? 7 : 8));
      CHECK(r.events.empty());
      continue;
    }
    size_t cut = len < eighth ? seventh : eighth;
    ExpectTornThenRepaired(dir.path(), dir.File(4), cut, len, Range(1, len < eighth ? 6 : 7));
    ReadOutcome again = ReadAll(dir.path());
    CHECK(again.result.next_lsn == (len < eighth ? 7 : 8));
  }
}

TEST_CASE("a last segment cut inside its header is a torn tail at offset 0 and is removed") {
  for (size_t len = 0; len < kHeaderSize; ++len) {
    CAPTURE(len);
    TempDir dir;
    WriteFile(dir.File(1), Records(1, 3).bytes);
    WriteFile(dir.File(4), SegmentHeader().substr(0, len));
    ExpectTornThenRepaired(dir.path(), dir.File(4), 0, len, Range(1, 3));
    CHECK(ReadAll(dir.path()).result.next_lsn == 4);
  }
}

TEST_CASE("a zero-filled last segment or a record cut short before zeros is a torn tail") {
  SUBCASE("a new segment whose header never reached the disk") {
    TempDir dir;
    WriteFile(dir.File(1), Records(1, 2).bytes);
    WriteFile(dir.File(3), std::string(4096, '\0'));
    ExpectTornThenRepaired(dir.path(), dir.File(3), 0, 4096, Range(1, 2));
  }
  SUBCASE("a partly written last record followed by zeros") {
    TempDir dir;
    SegmentBytes a = Records(1, 4);
    std::string bytes = a.bytes.substr(0, a.offsets[3] + 7) + std::string(8192, '\0');
    WriteFile(dir.File(1), bytes);
    ExpectTornThenRepaired(dir.path(), dir.File(1), a.offsets[3], bytes.size(), Range(1, 3));
  }
}

TEST_CASE("zeros after a segment's last record are the writer's unused space, not damage") {
  // The writer zeroes segment files ahead of its records (wal_writer.h).
  SegmentBytes a = Records(1, 4);
  TempDir dir;
  WriteFile(dir.File(1), a.bytes + std::string(4096, '\0'));
  ReadOutcome last = ReadAll(dir.path());
  CHECK(last.result.state == WalReadState::kOk);
  CHECK(last.lsns() == Range(1, 4));
  CHECK(last.events.empty());
  CHECK(last.result.next_lsn == 5);

  WriteFile(dir.File(5), Records(5, 6).bytes + std::string(100, '\0'));
  ReadOutcome both = ReadAll(dir.path());
  CHECK(both.result.state == WalReadState::kOk);
  CHECK(both.lsns() == Range(1, 6));
  CHECK(both.events.empty());
}

TEST_CASE("a bad CRC on the last record with nothing after it is a torn tail") {
  TempDir dir;
  SegmentBytes a = Records(1, 5);
  a.bytes[a.offsets[4] + 15] ^= 0x01;  // in the payload of LSN 5
  WriteFile(dir.File(1), a.bytes);
  ExpectTornThenRepaired(dir.path(), dir.File(1), a.offsets[4], a.bytes.size(), Range(1, 4));
}

TEST_CASE("a bad CRC on the last record with non-zero bytes after it is corruption") {
  TempDir dir;
  SegmentBytes a = Records(1, 5);
  a.bytes[a.offsets[4] + 15] ^= 0x01;
  WriteFile(dir.File(1), a.bytes + "garbage");
  ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.offsets[4], Range(1, 4));
}

TEST_CASE("a flipped byte anywhere in a middle record is corruption naming file and offset") {
  SegmentBytes a = Records(1, 3);
  SegmentBytes b = Records(4, 8);
  const size_t start = b.offsets[1], stop = b.offsets[2];  // the record with LSN 5
  for (size_t at = start; at < stop; ++at) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      CAPTURE(at);
      CAPTURE(static_cast<int>(mask));
      TempDir dir;
      std::string bytes = b.bytes;
      bytes[at] = static_cast<char>(bytes[at] ^ mask);
      WriteFile(dir.File(1), a.bytes);
      WriteFile(dir.File(4), bytes);
      ExpectCorrupt(ReadAll(dir.path()), dir.File(4), start, Range(1, 4));
    }
  }
}

TEST_CASE("a size field grown past the end does not hide the intact records after it") {
  TempDir dir;
  SegmentBytes a = Records(1, 5);
  std::string bytes = a.bytes.substr(0, a.offsets[1] + 4);
  PutVarint(&bytes, 100000);  // LSN 2 now claims to run far past the end of the file
  bytes += a.bytes.substr(a.offsets[1] + 5);
  WriteFile(dir.File(1), bytes);
  ReadOutcome r = ReadAll(dir.path());
  ExpectCorrupt(r, dir.File(1), a.offsets[1], {1});
  CHECK(r.result.reason.find("LSN 3") != std::string::npos);
}

TEST_CASE("an LSN out of sequence is corruption") {
  SUBCASE("a gap inside a segment") {
    TempDir dir;
    SegmentBytes a;
    a.Add({1, "a"}).Add({2, "b"}).Add({4, "d"}).Add({5, "e"});
    WriteFile(dir.File(1), a.bytes);
    ReadOutcome r = ReadAll(dir.path());
    ExpectCorrupt(r, dir.File(1), a.offsets[2], {1, 2});
    CHECK(r.result.last_lsn == 2);
  }
  SUBCASE("a repeated LSN at the end of the last segment") {
    TempDir dir;
    SegmentBytes a;
    a.Add({1, "a"}).Add({2, "b"}).Add({2, "b"});
    WriteFile(dir.File(1), a.bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.offsets[2], {1, 2});
  }
  SUBCASE("a gap between segments") {
    TempDir dir;
    WriteFile(dir.File(1), Records(1, 3).bytes);
    WriteFile(dir.File(5), Records(5, 6).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(5), 0, {1, 2, 3});
  }
  SUBCASE("a segment whose first record disagrees with its name") {
    TempDir dir;
    WriteFile(dir.File(1), Records(1, 3).bytes);
    SegmentBytes b = Records(5, 6);
    WriteFile(dir.File(4), b.bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(4), kHeaderSize, {1, 2, 3});
  }
  SUBCASE("a first segment whose first record disagrees with its name") {
    TempDir dir;
    WriteFile(dir.File(1), Records(2, 3).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(1), kHeaderSize, {});
  }
}

TEST_CASE("safe-to-ignore record types are verified and skipped") {
  TempDir dir;
  SegmentBytes a;
  a.Add({1, "a"}).Add({2, "future", kSafeToIgnore | 0x05}).Add({3, "c"});
  WriteFile(dir.File(1), a.bytes);
  ReadOutcome r = ReadAll(dir.path());
  CHECK(r.result.state == WalReadState::kOk);
  CHECK(r.lsns() == std::vector<uint64_t>{1, 3});
  CHECK(r.result.last_lsn == 3);
  REQUIRE(r.result.segments.size() == 1);
  CHECK(r.result.segments[0].records == 3);

  // Verified: a bad checksum on an ignorable record in the middle is still corruption.
  a.bytes[a.offsets[1] + 16] ^= 0x04;
  WriteFile(dir.File(1), a.bytes);
  ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.offsets[1], {1});
}

TEST_CASE("an unknown record type without the safe-to-ignore bit is corruption") {
  for (uint8_t type : {0, 2, 0x7f}) {
    CAPTURE(static_cast<int>(type));
    TempDir dir;
    SegmentBytes a;
    a.Add({1, "a"}).Add({2, "b", type});
    WriteFile(dir.File(1), a.bytes);
    ReadOutcome r = ReadAll(dir.path());
    ExpectCorrupt(r, dir.File(1), a.offsets[1], {1});
    CHECK(r.result.reason.find("type") != std::string::npos);
  }
}

TEST_CASE("a record size beyond the limit is corruption even at the end of the log") {
  TempDir dir;
  SegmentBytes a = Records(1, 2);
  std::string bytes = a.bytes;
  PutU32(&bytes, 0);
  PutVarint(&bytes, kMaxRecordBodyBytes + 1);
  WriteFile(dir.File(1), bytes);
  ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.bytes.size(), {1, 2});

  std::string bad_varint = a.bytes + std::string(4, 'c') + std::string(10, '\xff') + "x";
  WriteFile(dir.File(1), bad_varint);
  ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.bytes.size(), {1, 2});
}

TEST_CASE("damage in a segment that is not the last is corruption, never a torn tail") {
  SegmentBytes a = Records(1, 4);
  SUBCASE("its last record cut short") {
    TempDir dir;
    WriteFile(dir.File(1), a.bytes.substr(0, a.bytes.size() - 3));
    WriteFile(dir.File(5), Records(5, 6).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.offsets[3], {1, 2, 3});
  }
  SUBCASE("a bad CRC on its last record") {
    TempDir dir;
    std::string bytes = a.bytes;
    bytes[bytes.size() - 1] ^= 0x10;
    WriteFile(dir.File(1), bytes);
    WriteFile(dir.File(5), Records(5, 6).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.offsets[3], {1, 2, 3});
  }
  SUBCASE("zeros, then a stray byte, after its last record") {
    TempDir dir;
    WriteFile(dir.File(1), a.bytes + std::string(100, '\0') + "x");
    WriteFile(dir.File(5), Records(5, 6).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(1), a.bytes.size(), {1, 2, 3, 4});
  }
  SUBCASE("its header cut short") {
    TempDir dir;
    WriteFile(dir.File(1), a.bytes);
    WriteFile(dir.File(5), SegmentHeader().substr(0, 5));
    WriteFile(dir.File(7), Records(7, 8).bytes);
    ExpectCorrupt(ReadAll(dir.path()), dir.File(5), 0, {1, 2, 3, 4});
  }
}

TEST_CASE("a bad magic or an unknown version is corruption at offset 0") {
  TempDir dir;
  std::string bytes = Records(1, 2).bytes;
  bytes[0] = 'X';
  WriteFile(dir.File(1), bytes);
  ExpectCorrupt(ReadAll(dir.path()), dir.File(1), 0, {});
  bytes = Records(1, 2).bytes;
  bytes[8] = 2;
  WriteFile(dir.File(1), bytes);
  ReadOutcome r = ReadAll(dir.path());
  ExpectCorrupt(r, dir.File(1), 0, {});
  CHECK(r.result.reason.find("version 2") != std::string::npos);
}

TEST_CASE("cutting off corruption removes later segments and keeps the good prefix") {
  TempDir dir;
  SegmentBytes a = Records(1, 4);
  a.bytes[a.offsets[2] + 14] ^= 0x40;
  WriteFile(dir.File(1), a.bytes);
  WriteFile(dir.File(5), Records(5, 6).bytes);
  WriteFile(dir.File(7), Records(7, 9).bytes);
  ReadOutcome r = ReadAll(dir.path());
  ExpectCorrupt(r, dir.File(1), a.offsets[2], {1, 2});
  CHECK(r.result.next_lsn == 3);

  std::vector<std::string> removed;
  Status st = TruncateWal(dir.path(), r.result, &removed);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(removed == std::vector<std::string>{dir.File(7), dir.File(5)});
  CHECK(fs::file_size(dir.File(1)) == a.offsets[2]);
  ReadOutcome again = ReadAll(dir.path());
  CHECK(again.result.state == WalReadState::kOk);
  CHECK(again.lsns() == Range(1, 2));
  CHECK(ReadFile(dir.File(1)) == a.bytes.substr(0, a.offsets[2]));
}

TEST_CASE("truncating a log without damage, or a segment from elsewhere, is refused") {
  TempDir dir;
  WriteFile(dir.File(1), Records(1, 2).bytes);
  ReadOutcome r = ReadAll(dir.path());
  REQUIRE(r.result.ok());
  Status st = TruncateWal(dir.path(), r.result, nullptr);
  CHECK(st.code() == Code::kInvalid);

  WalReadResult elsewhere;
  elsewhere.state = WalReadState::kTornTail;
  elsewhere.segment = "/nonexistent/" + SegmentName(1);
  elsewhere.offset = kHeaderSize;
  st = TruncateWal(dir.path(), elsewhere, nullptr);
  CHECK(st.code() == Code::kInvalid);
  CHECK(ReadFile(dir.File(1)) == Records(1, 2).bytes);
}

TEST_CASE("an unreadable segment is an I/O error, not damage") {
  TempDir dir;
  fs::create_directory(dir.File(1));  // a directory where a segment file should be
  ReadOutcome r = ReadAll(dir.path());
  CHECK(r.result.state == WalReadState::kIoError);
  CHECK(r.result.segment == dir.File(1));
  CHECK_FALSE(r.result.reason.empty());
  CHECK(r.events.empty());
}

}  // namespace
}  // namespace cairn::store::wal
