// src/exec/oom_score.h — the process's OOM score for the server's role, from oom-score-adj and
// oom-score-adj-values (src/base/process_tuning.h does the writing), as Redis sets it: at
// startup, after CONFIG SET, and when REPLICAOF or a failover changes the role.
//
// Threading: any thread; calls are serialized, so the last one writes the score of the role
// and configuration it read.
#pragma once

namespace cairn::server {

struct ServerState;

// Sets the score: the values' first (a primary's) or second (a replica's, while following a
// primary); the third, Redis's forked savers', has no use in cairn. False (and logged) when
// the process may not take it.
bool ApplyOomScoreAdj(ServerState& server);

}  // namespace cairn::server
