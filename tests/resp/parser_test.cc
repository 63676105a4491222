// tests/resp/parser_test.cc — the request parser: pipelining, split reads, limits, exact
// protocol errors, bounded memory for declared lengths, and linear cost for large values.
#include "resp/parser.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// Counts bytes requested from operator new while a test asks for it, so a test can show that
// a declared length is not allocated before its bytes arrive. Replaces the global operator
// new/delete of this test binary; everything else behaves as usual.
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<size_t> g_allocated_bytes{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_count_allocations.load(std::memory_order_relaxed)) {
    g_allocated_bytes.fetch_add(n, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cairn::resp {
namespace {

using Command = std::vector<std::string>;

// Bytes operator new handed out while fn ran.
template <class Fn>
size_t AllocatedDuring(Fn&& fn) {
  g_allocated_bytes.store(0);
  g_count_allocations.store(true);
  fn();
  g_count_allocations.store(false);
  return g_allocated_bytes.load();
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

std::string Multibulk(const Command& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += Bulk(a);
  return out;
}

struct Outcome {
  std::vector<Command> commands;
  std::string error;  // empty unless a protocol error ended the stream
  size_t parse_calls = 0;
  size_t reads = 0;
  size_t left_over = 0;  // unconsumed bytes at the end
};

// Simulates a connection: each piece of `stream` is one read appended to the buffer; after a
// read, Parse() runs until it needs more bytes, and consumed() bytes are dropped every time.
Outcome Feed(Parser& parser, std::string_view stream, const std::vector<size_t>& cuts) {
  Outcome out;
  std::string buffer;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t end : ends) {
    if (end <= from) continue;
    buffer.append(stream.substr(from, end - from));
    from = end;
    ++out.reads;
    for (;;) {
      ParseStatus status = parser.Parse(buffer);
      ++out.parse_calls;
      if (status == ParseStatus::kError) {
        out.error = std::string(parser.error());
        return out;
      }
      if (status == ParseStatus::kCommand) {
        out.commands.emplace_back(parser.args().begin(), parser.args().end());
      }
      buffer.erase(0, parser.consumed());
      if (status == ParseStatus::kNeedMore) break;
    }
  }
  out.left_over = buffer.size();
  return out;
}

Outcome FeedAll(std::string_view stream, const ParserLimits& limits = {}) {
  Parser parser(limits);
  return Feed(parser, stream, {});
}

// Cut points that deliver the stream in pieces of `piece` bytes.
std::vector<size_t> EveryNBytes(size_t size, size_t piece) {
  std::vector<size_t> cuts;
  for (size_t at = piece; at < size; at += piece) cuts.push_back(at);
  return cuts;
}

// The protocol error a complete input produces, or "" if it parses without one.
std::string ErrorFor(std::string_view input, bool authenticated = true,
                     const ParserLimits& limits = {}) {
  Parser parser(limits);
  parser.set_authenticated(authenticated);
  return Feed(parser, input, {}).error;
}

std::string Join(const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) out += p;
  return out;
}

// A pipelined stream mixing multibulk and inline commands, empty lines and empty multibulks,
// with binary payloads (CRLF and NUL inside values).
const std::string& MixedStream() {
  static const std::string stream = Join({
      Multibulk({"SET", "key", std::string("va\r\nl\0ue", 8)}),
      "PING\r\n",
      "\r\n",
      "*0\r\n",
      "set k \"a b\" 'c d' \"\\x41\\n\"\r\n",
      Multibulk({"GET", ""}),
      "   \n",
      "\n",
      Multibulk({"MSET", "a", "1", "b", std::string(300, 'x')}),
      "get key\n",
      "*-1\r\n",
      Multibulk({"QUIT"}),
  });
  return stream;
}

const std::vector<Command>& MixedCommands() {
  static const std::vector<Command> commands = {
      {"SET", "key", std::string("va\r\nl\0ue", 8)},
      {"PING"},
      {"set", "k", "a b", "c d", "A\n"},
      {"GET", ""},
      {"MSET", "a", "1", "b", std::string(300, 'x')},
      {"get", "key"},
      {"QUIT"},
  };
  return commands;
}

TEST_CASE("a pipelined stream delivered in one read yields every command in order") {
  Outcome out = FeedAll(MixedStream());
  CHECK(out.error.empty());
  CHECK(out.commands == MixedCommands());
  CHECK(out.left_over == 0);
}

TEST_CASE("a pipelined stream delivered byte by byte yields the same commands") {
  Parser parser;
  Outcome out = Feed(parser, MixedStream(), EveryNBytes(MixedStream().size(), 1));
  CHECK(out.error.empty());
  CHECK(out.commands == MixedCommands());
  CHECK(out.left_over == 0);
}

TEST_CASE("a pipelined stream split at 200 random points yields the same commands") {
  const std::string& stream = MixedStream();
  std::mt19937 rng(20240607);
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> cuts;
    std::uniform_int_distribution<size_t> at(1, stream.size() - 1);
    for (int i = 0; i < 200; ++i) cuts.push_back(at(rng));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    Parser parser;
    Outcome out = Feed(parser, stream, cuts);
    CAPTURE(round);
    CHECK(out.error.empty());
    CHECK(out.commands == MixedCommands());
    CHECK(out.left_over == 0);
  }
}

TEST_CASE("a partial command is kept and parsing resumes when the rest arrives") {
  Parser parser;
  std::string buffer = "*2\r\n$3\r\nGET\r\n$3\r\nke";
  CHECK(parser.Parse(buffer) == ParseStatus::kNeedMore);
  CHECK(parser.consumed() == 0);
  CHECK(parser.mid_command());
  buffer += "y\r\n";
  REQUIRE(parser.Parse(buffer) == ParseStatus::kCommand);
  CHECK(Command(parser.args().begin(), parser.args().end()) == Command{"GET", "key"});
  CHECK(parser.consumed() == buffer.size());
  CHECK_FALSE(parser.mid_command());
}

TEST_CASE("empty lines before a partial command are consumed and the partial command stays") {
  Parser parser;
  std::string buffer = "\r\n\n\r\n*1\r\n$4\r\nPI";
  CHECK(parser.Parse(buffer) == ParseStatus::kNeedMore);
  CHECK(parser.consumed() == 5);
  buffer.erase(0, parser.consumed());
  buffer += "NG\r\n";
  REQUIRE(parser.Parse(buffer) == ParseStatus::kCommand);
  CHECK(Command(parser.args().begin(), parser.args().end()) == Command{"PING"});
}

TEST_CASE("empty lines and empty multibulks alone produce no command") {
  Outcome out = FeedAll("\r\n\n*0\r\n*-1\r\n   \r\n\r\n");
  CHECK(out.error.empty());
  CHECK(out.commands.empty());
  CHECK(out.left_over == 0);
}

TEST_CASE("a command written after a lone CR arrives intact") {
  Parser parser;
  Outcome out = Feed(parser, "*1\r\n$4\r\nPING\r\n\r", {});
  CHECK(out.commands == std::vector<Command>{{"PING"}});
  Outcome rest = Feed(parser, "\r\n" + Multibulk({"ECHO", "x"}), {});
  CHECK(rest.commands == std::vector<Command>{{"ECHO", "x"}});
}

TEST_CASE("bulk payloads are taken by length, not by searching for CRLF") {
  Command cmd = {"SET", "k", "\r\n*1\r\n$4\r\nPING\r\n"};
  Outcome out = FeedAll(Multibulk(cmd));
  CHECK(out.commands == std::vector<Command>{cmd});
}

// ---- protocol errors, each on its exact trigger --------------------------------------------

TEST_CASE("a non-numeric or oversized multibulk count is an invalid multibulk length") {
  CHECK(ErrorFor("*abc\r\n") == "ERR Protocol error: invalid multibulk length");
  CHECK(ErrorFor("*\r\n") == "ERR Protocol error: invalid multibulk length");
  CHECK(ErrorFor("*+1\r\n") == "ERR Protocol error: invalid multibulk length");
  CHECK(ErrorFor("*2147483648\r\n") == "ERR Protocol error: invalid multibulk length");
  CHECK(ErrorFor("*2147483647\r\n").empty());
}

TEST_CASE("a negative, non-numeric or too large bulk length is an invalid bulk length") {
  CHECK(ErrorFor("*1\r\n$-1\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorFor("*1\r\n$x\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorFor("*1\r\n$\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorFor("*1\r\n$536870913\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorFor("*1\r\n$536870912\r\n").empty());
  ParserLimits small;
  small.max_bulk_len = 10;
  CHECK(ErrorFor("*1\r\n$11\r\n", true, small) == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorFor("*1\r\n$10\r\n", true, small).empty());
}

TEST_CASE("an argument that does not start with '$' names the byte found") {
  CHECK(ErrorFor("*1\r\nxyz\r\n") == "ERR Protocol error: expected '$', got 'x'");
  CHECK(ErrorFor("*2\r\n$3\r\nGET\r\n:1\r\n") == "ERR Protocol error: expected '$', got ':'");
}

TEST_CASE("an inline command with an unclosed quote is unbalanced") {
  CHECK(ErrorFor("SET k \"abc\r\n") == "ERR Protocol error: unbalanced quotes in request");
  CHECK(ErrorFor("SET k 'abc\r\n") == "ERR Protocol error: unbalanced quotes in request");
  CHECK(ErrorFor("SET k \"a\"b\r\n") == "ERR Protocol error: unbalanced quotes in request");
}

TEST_CASE("an inline request longer than 64 KB without a newline is too big") {
  std::string at_limit(64 * 1024, 'a');
  Outcome waiting = FeedAll(at_limit);
  CHECK(waiting.error.empty());
  CHECK(waiting.left_over == at_limit.size());
  CHECK(ErrorFor(at_limit + "a") == "ERR Protocol error: too big inline request");
}

TEST_CASE("an inline request that grows past 64 KB across reads is too big") {
  std::string line(64 * 1024 + 1, 'a');
  Parser parser;
  Outcome out = Feed(parser, line, EveryNBytes(line.size(), 4096));
  CHECK(out.error == "ERR Protocol error: too big inline request");
}

TEST_CASE("a multibulk count line longer than 64 KB is a too big mbulk count string") {
  CHECK(FeedAll("*" + std::string(64 * 1024 - 1, '1')).error.empty());
  CHECK(ErrorFor("*" + std::string(64 * 1024, '1')) ==
        "ERR Protocol error: too big mbulk count string");
}

TEST_CASE("a bulk length line longer than 64 KB is a too big bulk count string") {
  CHECK(FeedAll("*1\r\n$" + std::string(64 * 1024 - 1, '1')).error.empty());
  CHECK(ErrorFor("*1\r\n$" + std::string(64 * 1024, '1')) ==
        "ERR Protocol error: too big bulk count string");
}

TEST_CASE("before AUTH more than 10 arguments is an unauthenticated multibulk length") {
  CHECK(ErrorFor("*11\r\n", false) == "ERR Protocol error: unauthenticated multibulk length");
  CHECK(ErrorFor("*10\r\n", false).empty());
  CHECK(ErrorFor("*11\r\n", true).empty());
}

TEST_CASE("before AUTH a bulk over 16384 bytes is an unauthenticated bulk length") {
  CHECK(ErrorFor("*1\r\n$16385\r\n", false) == "ERR Protocol error: unauthenticated bulk length");
  CHECK(ErrorFor("*1\r\n$16384\r\n", false).empty());
  CHECK(ErrorFor("*1\r\n$16385\r\n", true).empty());
}

TEST_CASE("after authenticating the full limits apply again") {
  Parser parser;
  parser.set_authenticated(false);
  parser.set_authenticated(true);
  CHECK(parser.Parse("*11\r\n$16385\r\n") == ParseStatus::kNeedMore);
}

TEST_CASE("commands before a protocol error in the same read are still delivered") {
  Outcome out = FeedAll(Multibulk({"PING"}) + "*1\r\n$-5\r\n");
  CHECK(out.commands == std::vector<Command>{{"PING"}});
  CHECK(out.error == "ERR Protocol error: invalid bulk length");
}

// ---- bounded memory ------------------------------------------------------------------------

TEST_CASE("a declared 1 GB bulk is not allocated before its bytes arrive") {
  ParserLimits limits;
  limits.max_bulk_len = 1LL << 30;
  Parser parser(limits);
  std::string buffer = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000000\r\n" + std::string(10, 'v');
  ParseStatus status = ParseStatus::kError;
  size_t allocated = AllocatedDuring([&] { status = parser.Parse(buffer); });
  CHECK(status == ParseStatus::kNeedMore);
  CHECK(parser.consumed() == 0);
  CHECK(parser.bytes_wanted() == 1000000000 + 2 - 10);
  CHECK(allocated < 64 * 1024);
}

TEST_CASE("a declared count of two million arguments reserves room for few of them") {
  Parser parser;
  std::string buffer = "*2000000\r\n$1\r\na\r\n$1\r\nb\r\n";
  ParseStatus status = ParseStatus::kError;
  size_t allocated = AllocatedDuring([&] { status = parser.Parse(buffer); });
  CHECK(status == ParseStatus::kNeedMore);
  // 1024 argument slots are allowed ahead of the data; 2,000,000 would be megabytes.
  CHECK(allocated < 64 * 1024);
}

TEST_CASE("a command with more arguments than the up-front reservation completes") {
  Command cmd = {"RPUSH", "list"};
  for (int i = 0; i < 5000; ++i) cmd.push_back(std::to_string(i));
  std::string stream = Multibulk(cmd);
  Parser parser;
  Outcome out = Feed(parser, stream, EveryNBytes(stream.size(), 4096));
  CHECK(out.commands == std::vector<Command>{cmd});
}

// ---- linear parsing ------------------------------------------------------------------------

// Appends bytes [from, to) of "header, value_len bytes of 'v', CRLF" to buffer.
void AppendBigCommand(std::string* buffer, const std::string& header, size_t value_len, size_t from,
                      size_t to) {
  const size_t value_end = header.size() + value_len;
  for (size_t at = from; at < to;) {
    if (at < header.size()) {
      size_t n = std::min(to, header.size()) - at;
      buffer->append(header, at, n);
      at += n;
    } else if (at < value_end) {
      size_t n = std::min(to, value_end) - at;
      buffer->append(n, 'v');
      at += n;
    } else {
      buffer->push_back("\r\n"[at - value_end]);
      ++at;
    }
  }
}

TEST_CASE("a 64 MB value arriving in 4 KB reads is never re-scanned and never spins") {
  constexpr size_t kValue = 64 * 1024 * 1024;
  constexpr size_t kRead = 4096;
  const std::string header = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(kValue) + "\r\n";
  const size_t total = header.size() + kValue + 2;

  Parser parser;
  std::string buffer;
  buffer.reserve(total);
  size_t sent = 0;
  size_t reads = 0;
  size_t parse_calls = 0;
  size_t wrong_wanted = 0;
  bool done = false;
  while (sent < total && !done) {
    size_t n = std::min(kRead, total - sent);
    AppendBigCommand(&buffer, header, kValue, sent, sent + n);
    sent += n;
    ++reads;
    ParseStatus status = parser.Parse(buffer);
    ++parse_calls;
    REQUIRE(status != ParseStatus::kError);
    if (status == ParseStatus::kNeedMore && sent > header.size() &&
        parser.bytes_wanted() != total - sent) {
      ++wrong_wanted;
    }
    if (status == ParseStatus::kCommand) {
      REQUIRE(parser.args().size() == 3);
      CHECK(parser.args()[1] == "big");
      CHECK(parser.args()[2].size() == kValue);
      CHECK(parser.args()[2].find_first_not_of('v') == std::string_view::npos);
      CHECK(parser.consumed() == total);
      done = true;
    }
    buffer.erase(0, parser.consumed());
  }
  CHECK(done);
  CHECK(wrong_wanted == 0);  // bytes_wanted() is exactly what is still missing
  CHECK(reads == kValue / kRead + 1);
  CHECK(parse_calls == reads);  // one Parse per read: "need more" waits for the socket
  CHECK(parser.scanned_bytes() <= 2 * header.size() + 16);
}

TEST_CASE("a 1 MB stream of small commands arriving in 4 KB reads is scanned once") {
  std::string stream;
  size_t payload_bytes = 0;  // bulk payloads and their CRLFs: need not be inspected
  size_t commands = 0;
  for (int i = 0; stream.size() < 1024 * 1024; ++i) {
    Command cmd = {"SET", "key:" + std::to_string(i), "v" + std::to_string(i % 97)};
    for (const std::string& a : cmd) payload_bytes += a.size() + 2;
    stream += Multibulk(cmd);
    ++commands;
  }
  Parser parser;
  Outcome out = Feed(parser, stream, EveryNBytes(stream.size(), 4096));
  CHECK(out.error.empty());
  CHECK(out.commands.size() == commands);
  CHECK(out.parse_calls == out.reads + commands);
  CHECK(parser.scanned_bytes() >= stream.size() - payload_bytes);
  CHECK(parser.scanned_bytes() <= stream.size());
}

TEST_CASE("one command with 100000 arguments arriving in 4 KB reads is scanned once") {
  Command cmd = {"SADD", "s"};
  for (int i = 0; i < 100000; ++i) cmd.push_back(std::to_string(i % 10));
  std::string stream = Multibulk(cmd);
  Parser parser;
  Outcome out = Feed(parser, stream, EveryNBytes(stream.size(), 4096));
  REQUIRE(out.commands.size() == 1);
  CHECK(out.commands[0] == cmd);
  CHECK(out.parse_calls == out.reads + 1);
  CHECK(parser.scanned_bytes() <= stream.size());
}

TEST_CASE("a 60 KB inline command arriving in 100-byte reads is scanned once") {
  std::string line = "SET k " + std::string(60 * 1024, 'x') + "\r\n";
  Parser parser;
  Outcome out = Feed(parser, line, EveryNBytes(line.size(), 100));
  REQUIRE(out.commands.size() == 1);
  CHECK(out.commands[0][2].size() == 60 * 1024);
  CHECK(out.parse_calls == out.reads + 1);
  CHECK(parser.scanned_bytes() <= line.size());
}

TEST_CASE("a multibulk header arriving byte by byte is scanned once") {
  std::string stream = "*1\r\n$" + std::to_string(1000) + "\r\n" + std::string(1000, 'z') + "\r\n";
  Parser parser;
  Outcome out = Feed(parser, stream, EveryNBytes(stream.size(), 1));
  REQUIRE(out.commands.size() == 1);
  CHECK(parser.scanned_bytes() <= 4 + 7);
}

// ---- inline commands -----------------------------------------------------------------------

TEST_CASE("inline commands split on spaces and decode quotes and escapes") {
  Outcome out = FeedAll(
      "SET  key   \"hello world\"\r\n"
      "ECHO \"\\x41\\x62\\t\\\"q\\\"\\\\\"\r\n"
      "ECHO 'single \\'quoted\\' \\n'\n"
      "ECHO \"\"\r\n");
  REQUIRE(out.error.empty());
  CHECK(out.commands == std::vector<Command>{
                            {"SET", "key", "hello world"},
                            {"ECHO", "Ab\t\"q\"\\"},
                            {"ECHO", "single 'quoted' \\n"},
                            {"ECHO", ""},
                        });
}

TEST_CASE("an inline command ends at LF with or without CR") {
  Outcome out = FeedAll("PING\nPING\r\n");
  CHECK(out.commands == std::vector<Command>{{"PING"}, {"PING"}});
}

}  // namespace
}  // namespace cairn::resp
