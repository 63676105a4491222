// src/exec/reply.h — helpers every command family shares: argument parsing that replies with
// Redis's error on failure, and common reply shapes.
#pragma once

#include <cstdint>
#include <string_view>

#include "resp/writer.h"
#include "src/exec/command.h"

namespace cairn::server {

// "ERR wrong number of arguments for 'name' command".
void ReplyWrongArity(resp::Writer& w, std::string_view name);

// ASCII case-insensitive comparison against a lower-case or upper-case literal.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parse helpers: on failure they write the error reply and return false.
[[nodiscard]] bool ArgToInt64(CommandContext& ctx, std::string_view arg, int64_t* out);
// Like ArgToInt64 but the value must be within [min, max] (else "out of range" text).
[[nodiscard]] bool ArgToInt64Range(CommandContext& ctx, std::string_view arg, int64_t min,
                                   int64_t max, std::string_view range_error, int64_t* out);
[[nodiscard]] bool ArgToDouble(CommandContext& ctx, std::string_view arg, double* out);
// A database index argument (SELECT, MOVE, COPY DB, SWAPDB).
[[nodiscard]] bool ArgToDb(CommandContext& ctx, std::string_view arg, int* out,
                           std::string_view out_of_range_error);

}  // namespace cairn::server
