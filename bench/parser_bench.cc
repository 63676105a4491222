// bench/parser_bench.cc — request parsing throughput (bytes/s and commands/s).
//
// Pipelined streams are parsed from one contiguous buffer, as when a read delivers many
// commands at once. Large values arrive through an InputBuffer in 16 KB reads, as from a
// socket, so the numbers include what a connection pays per read.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/input_buffer.h"
#include "resp/parser.h"

namespace cairn::resp {
namespace {

constexpr size_t kStreamBytes = 1024 * 1024;

// Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string chains.
void AppendBulk(std::string* out, std::string_view s) {
  out->append("$").append(std::to_string(s.size())).append("\r\n");
  out->append(s).append("\r\n");
}

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out;
  out.append("*").append(std::to_string(args.size())).append("\r\n");
  for (const std::string& a : args) AppendBulk(&out, a);
  return out;
}

// About 1 MB of pipelined commands made by make(i); returns the stream and its command count.
template <class Make>
std::string Pipeline(Make make, size_t* commands) {
  std::string stream;
  *commands = 0;
  for (size_t i = 0; stream.size() < kStreamBytes; ++i, ++*commands) stream += make(i);
  return stream;
}

// Parses every command in stream; returns how many.
size_t ParseAll(Parser& parser, std::string_view stream) {
  size_t commands = 0;
  while (!stream.empty()) {
    ParseStatus status = parser.Parse(stream);
    stream.remove_prefix(parser.consumed());
    if (status != ParseStatus::kCommand) break;
    benchmark::DoNotOptimize(parser.args().data());
    ++commands;
  }
  return commands;
}

void RunPipeline(benchmark::State& state, const std::string& stream, size_t commands) {
  Parser parser;
  for (auto _ : state) {
    size_t parsed = ParseAll(parser, stream);
    if (parsed != commands) state.SkipWithError("parse mismatch");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * commands));
}

void BM_ParsePipelinedSet(benchmark::State& state) {
  const std::string value(static_cast<size_t>(state.range(0)), 'v');
  size_t commands = 0;
  std::string stream = Pipeline(
      [&](size_t i) {
        return Multibulk({"SET", "key:" + std::to_string(i % 100000), value});
      },
      &commands);
  RunPipeline(state, stream, commands);
}
BENCHMARK(BM_ParsePipelinedSet)->Arg(32)->Arg(4096);

void BM_ParsePipelinedGet(benchmark::State& state) {
  size_t commands = 0;
  std::string stream = Pipeline(
      [](size_t i) {
        return Multibulk({"GET", "key:" + std::to_string(i % 100000)});
      },
      &commands);
  RunPipeline(state, stream, commands);
}
BENCHMARK(BM_ParsePipelinedGet);

void BM_ParsePipelinedInlineGet(benchmark::State& state) {
  size_t commands = 0;
  std::string stream = Pipeline(
      [](size_t i) { return std::string("GET key:") + std::to_string(i % 100000) + "\r\n"; },
      &commands);
  RunPipeline(state, stream, commands);
}
BENCHMARK(BM_ParsePipelinedInlineGet);

// One SET with a value of state.range(0) bytes, delivered in 16 KB reads through the
// connection's InputBuffer; each read is followed by one Parse().
void BM_ParseLargeValueInReads(benchmark::State& state) {
  constexpr size_t kRead = 16 * 1024;
  const size_t value_bytes = static_cast<size_t>(state.range(0));
  const std::string command = Multibulk({"SET", "big", std::string(value_bytes, 'x')});
  ParserLimits limits;
  limits.max_bulk_len = static_cast<int64_t>(value_bytes) * 2;
  Parser parser(limits);
  for (auto _ : state) {
    InputBuffer in;
    size_t sent = 0;
    bool done = false;
    while (sent < command.size() && !done) {
      std::span<char> tail = in.Writable(kRead);
      size_t n = std::min({kRead, tail.size(), command.size() - sent});
      std::memcpy(tail.data(), command.data() + sent, n);
      in.Commit(n);
      sent += n;
      ParseStatus status = parser.Parse(in.data());
      done = status == ParseStatus::kCommand;
      if (done) benchmark::DoNotOptimize(parser.args()[2].data());
      in.Consume(parser.consumed());
    }
    if (!done) state.SkipWithError("command not parsed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * command.size()));
}
BENCHMARK(BM_ParseLargeValueInReads)->Arg(1024 * 1024)->Arg(16 * 1024 * 1024);

}  // namespace
}  // namespace cairn::resp
