// src/commands/latency_command.cc — LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR /
// HISTOGRAM / HELP.
//
// The events come from the latency monitor (src/exec/latency.h): "command" and
// "fast-command", sampled by the dispatcher as Redis names them, and "expire-cycle" and
// "expire-del", sampled by the active expiry (src/net/server.cc). HISTOGRAM reads the
// per-command buckets every thread keeps (stats.h) and replies in Redis 7.0's shape: per
// command a map of "calls" and "histogram_usec" (bucket upper bound in µs -> cumulative
// calls, listing only buckets that add calls). GRAPH draws a plain bar per sample instead of
// Redis's sparkline; DOCTOR gives Redis's per-event summary without its advice section.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/latency_histogram.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kDoctorDisabled =
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
    "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. "
    "If we weren't in a deep space mission I'd suggest to take a look at "
    "https://redis.io/topics/latency-monitor.\n";
constexpr std::string_view kDoctorQuiet =
    "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
    "slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
    "things over.\n";
constexpr std::string_view kDoctorSpikes =
    "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about "
    "it, do you Dave?\n\n";
constexpr size_t kGraphWidth = 60;

void CmdLatencyLatest(CommandContext& ctx) {
  auto events = ctx.server.latency.Events();
  ctx.reply.WriteArrayLen(static_cast<int64_t>(events.size()));
  for (const auto& [name, series] : events) {
    const LatencySample& last = series.samples.back();
    ctx.reply.WriteArrayLen(4);
    ctx.reply.WriteBulk(name);
    ctx.reply.WriteInteger(last.unix_s);
    ctx.reply.WriteInteger(last.latency_ms);
    ctx.reply.WriteInteger(series.max_ms);
  }
}

void CmdLatencyHistory(CommandContext& ctx) {
  auto events = ctx.server.latency.Events();
  auto it = events.find(std::string(ctx.args[2]));
  if (it == events.end()) {
    ctx.reply.WriteArrayLen(0);
    return;
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(it->second.samples.size()));
  for (const LatencySample& s : it->second.samples) {
    ctx.reply.WriteArrayLen(2);
    ctx.reply.WriteInteger(s.unix_s);
    ctx.reply.WriteInteger(s.latency_ms);
  }
}

void CmdLatencyReset(CommandContext& ctx) {
  size_t n = 0;
  if (ctx.args.size() == 2) {
    n = ctx.server.latency.ResetAll();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) n += ctx.server.latency.Reset(ctx.args[i]);
  }
  ctx.reply.WriteInteger(static_cast<int64_t>(n));
}

// "event - high X ms, low Y ms (all time high Z ms)", a rule, then one bar per sample
// (oldest first) scaled to the highest, labelled with its age.
void CmdLatencyGraph(CommandContext& ctx) {
  auto events = ctx.server.latency.Events();
  auto it = events.find(std::string(ctx.args[2]));
  if (it == events.end()) {
    ctx.reply.WriteError("ERR No samples available for event '" + std::string(ctx.args[2]) +
                         "'");
    return;
  }
  const LatencySeries& s = it->second;
  int64_t high = 0, low = INT64_MAX;
  for (const LatencySample& x : s.samples) {
    high = std::max(high, x.latency_ms);
    low = std::min(low, x.latency_ms);
  }
  std::string out = it->first + " - high " + std::to_string(high) + " ms, low " +
                    std::to_string(low) + " ms (all time high " + std::to_string(s.max_ms) +
                    " ms)\n" + std::string(80, '-') + "\n";
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const LatencySample& x : s.samples) {
    char age[32];
    std::snprintf(age, sizeof(age), "%6llds ", static_cast<long long>(now - x.unix_s));
    size_t bar = high == 0 ? 0 : static_cast<size_t>(x.latency_ms * kGraphWidth / high);
    out += age + std::string(std::max<size_t>(bar, 1), '#') + " " +
           std::to_string(x.latency_ms) + " ms\n";
  }
  ctx.reply.WriteVerbatim(out);
}

// One event's line of the doctor's report, with Redis's statistics: the average, the mean
// absolute deviation and the average period between spikes.
std::string DoctorLine(size_t n, const std::string& name, const LatencySeries& s) {
  int64_t sum = 0, oldest = 0;
  for (const LatencySample& x : s.samples) {
    sum += x.latency_ms;
    if (oldest == 0 || x.unix_s < oldest) oldest = x.unix_s;
  }
  int64_t count = static_cast<int64_t>(s.samples.size());
  int64_t avg = sum / count, mad = 0;
  for (const LatencySample& x : s.samples) mad += std::abs(avg - x.latency_ms);
  mad /= count;
  int64_t period = std::max<int64_t>(static_cast<int64_t>(std::time(nullptr)) - oldest, 1);
  char line[512];
  std::snprintf(line, sizeof(line),
                "%zu. %s: %lld latency spikes (average %lldms, mean deviation %lldms, period "
                "%.2f sec). Worst all time event %lldms.\n",
                n, name.c_str(), static_cast<long long>(count), static_cast<long long>(avg),
                static_cast<long long>(mad), static_cast<double>(period) / count,
                static_cast<long long>(s.max_ms));
  return line;
}

void CmdLatencyDoctor(CommandContext& ctx) {
  auto events = ctx.server.latency.Events();
  if (events.empty()) {
    bool enabled = ctx.server.config.Snapshot().latency_monitor_threshold_ms > 0;
    ctx.reply.WriteVerbatim(enabled ? kDoctorQuiet : kDoctorDisabled);
    return;
  }
  std::string report(kDoctorSpikes);
  size_t n = 0;
  for (const auto& [name, series] : events) report += DoctorLine(++n, name, series);
  ctx.reply.WriteVerbatim(report);
}

using Buckets = std::array<uint64_t, kCoarseBuckets>;

// name -> {calls, histogram_usec: {bucket upper bound µs -> cumulative calls}}.
void WriteHistogram(resp::Writer& w, std::string_view name, const Buckets& buckets) {
  uint64_t calls = 0;
  for (uint64_t b : buckets) calls += b;
  w.WriteBulk(name);
  w.WriteMapLen(2);
  w.WriteBulk("calls");
  w.WriteInteger(static_cast<int64_t>(calls));
  w.WriteBulk("histogram_usec");
  w.WriteMapLen(std::count_if(buckets.begin(), buckets.end(), [](uint64_t b) { return b > 0; }));
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] == 0) continue;
    cumulative += buckets[i];
    w.WriteInteger(CoarseBucketUsec(i));
    w.WriteInteger(static_cast<int64_t>(cumulative));
  }
}

// Adds spec (and, when with_subs, its subcommands) to out if it ran since the last
// CONFIG RESETSTAT.
// counts is scratch space.
void Collect(ServerState& server, const CommandSpec& spec, bool with_subs,
             LatencyHistogram::Counts* counts,
             std::vector<std::pair<const CommandSpec*, Buckets>>* out) {
  if (server.stats.SumHistogram(spec.id, counts)) {
    Buckets b = Coarsen(*counts);
    if (std::any_of(b.begin(), b.end(), [](uint64_t n) { return n > 0; })) {
      out->emplace_back(&spec, b);
    }
  }
  if (!with_subs) return;
  for (const CommandSpec& sub : spec.subcommands) Collect(server, sub, false, counts, out);
}

// Unknown names are skipped, as in Redis; a container command brings its subcommands.
void CmdLatencyHistogram(CommandContext& ctx) {
  std::vector<std::pair<const CommandSpec*, Buckets>> found;
  auto counts = std::make_unique<LatencyHistogram::Counts>();  // 24 KB: not on the stack
  if (ctx.args.size() == 2) {
    for (const CommandSpec& spec : ctx.server.commands.all()) {
      Collect(ctx.server, spec, true, counts.get(), &found);
    }
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      const CommandSpec* spec = ctx.server.commands.FindFull(ctx.args[i]);
      if (spec != nullptr) Collect(ctx.server, *spec, true, counts.get(), &found);
    }
  }
  ctx.reply.WriteMapLen(static_cast<int64_t>(found.size()));
  for (const auto& [spec, buckets] : found) WriteHistogram(ctx.reply, spec->name, buckets);
}

void CmdLatencyHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "LATENCY",
            {
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram "
                "for the specified command names.",
                "    If no commands are specified then all histograms are replied.",
            });
}

void CmdLatency(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "latency"); }

}  // namespace

void RegisterLatencyCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  constexpr uint32_t kFlags = kAdmin | kNoScript | kLoading | kStale;
  table.Add({
      {.name = "latency", .arity = -2, .handler = CmdLatency,
       .group = kGroup, .since = "2.8.13",
       .summary = "A container for latency diagnostics commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "latency|doctor", .arity = 2, .flags = kFlags, .handler = CmdLatencyDoctor,
            .group = kGroup, .since = "2.8.13",
            .summary = "Return a human readable latency analysis report.", .complexity = "O(1)"},
           {.name = "latency|graph", .arity = 3, .flags = kFlags, .handler = CmdLatencyGraph,
            .group = kGroup, .since = "2.8.13", .summary = "Return a latency graph for the event.",
            .complexity = "O(1)", .syntax = "event"},
           {.name = "latency|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdLatencyHelp, .group = kGroup, .since = "2.8.13",
            .summary = "Show helpful text about the different subcommands.",
            .complexity = "O(1)"},
           {.name = "latency|histogram", .arity = -2, .flags = kFlags,
            .handler = CmdLatencyHistogram, .group = kGroup, .since = "7.0.0",
            .summary = "Return the cumulative distribution of latencies of a subset of commands "
                       "or all.",
            .complexity = "O(N) where N is the number of commands with latency information being "
                          "retrieved.",
            .syntax = "[command [command ...]]"},
           {.name = "latency|history", .arity = 3, .flags = kFlags, .handler = CmdLatencyHistory,
            .group = kGroup, .since = "2.8.13",
            .summary = "Return timestamp-latency samples for the event.", .complexity = "O(1)",
            .syntax = "event"},
           {.name = "latency|latest", .arity = 2, .flags = kFlags, .handler = CmdLatencyLatest,
            .group = kGroup, .since = "2.8.13",
            .summary = "Return the latest latency samples for all events.",
            .complexity = "O(1)"},
           {.name = "latency|reset", .arity = -2, .flags = kFlags, .handler = CmdLatencyReset,
            .group = kGroup, .since = "2.8.13",
            .summary = "Reset latency data for one or more events.", .complexity = "O(1)",
            .syntax = "[event [event ...]]"},
       }},
  });
}

}  // namespace cairn::server
