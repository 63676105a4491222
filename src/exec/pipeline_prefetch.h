// src/exec/pipeline_prefetch.h — cache hints for the commands waiting in a client's input.
//
// When a read brings a pipeline, its commands run one after the other, and each one's key
// lookup would stall on the same two cache misses (the hash slot, the entry) in turn. Before
// they run, PrefetchPipeline looks at the next few complete commands (resp/lookahead.h),
// takes the first key of each as its command's key positions say, and asks the store to
// fetch them all at once (Store::Prefetch). A command that looks up a field or member of a
// large collection (HGET, SISMEMBER, ZSCORE, GEOADD...: CommandSpec::element_index) stalls
// twice more, on the collection's slot and the element; those come in the same call. It is
// a hint only: it changes nothing, and what it cannot read at a glance is skipped.
//
// Threading: the connection's own thread, between commands. (A client served while this
// thread runs a busy script reaches it inside the script's transaction; Store::Prefetch
// then does nothing.)
#pragma once

#include <cstddef>
#include <string_view>

namespace cairn::server {

struct ServerState;

// Commands looked at per call: enough that the misses overlap, few enough that the lines
// fetched for the first are still in cache when the last of them runs.
inline constexpr size_t kPrefetchWindow = 16;

// Looks at up to kPrefetchWindow complete commands at the start of input (the first
// unconsumed byte) and, when there are at least two, prefetches their keys in db. Returns how
// many commands it looked at, so that the caller looks again only after running them.
size_t PrefetchPipeline(ServerState& server, int db, std::string_view input);

}  // namespace cairn::server
