// src/commands/geo_commands.cc — the geo family's point commands: GEOADD, GEOPOS, GEODIST,
// GEOHASH, and the family's registration. Searches (GEORADIUS*, GEOSEARCH*) live in
// geo_search_commands.cc.
//
// A geo index is a plain sorted set whose scores are 52-bit geohashes
// (store/types/zset/geohash.h): GEOADD is ZADD with computed scores (the same write path,
// WAL record and "zadd" event), and the readers decode scores back into positions.
#include <string>
#include <vector>

#include "src/commands/geo_family.h"
#include "src/commands/zset_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "store/types/zset/geohash.h"

namespace cairn::server {
namespace {

using store::ZSet;

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
void CmdGeoAdd(CommandContext& ctx) {
  store::ZAddOptions o;
  bool ch = false;
  size_t first = 2;
  for (; first < ctx.args.size(); ++first) {
    std::string_view a = ctx.args[first];
    if (EqualsIgnoreCase(a, "nx")) {
      o.nx = true;
    } else if (EqualsIgnoreCase(a, "xx")) {
      o.xx = true;
    } else if (EqualsIgnoreCase(a, "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  size_t rest = ctx.args.size() - first;
  if (rest == 0 || rest % 3 != 0 || (o.nx && o.xx)) return ctx.reply.WriteError(errors::kSyntax);
  // Every position is checked before anything changes.
  std::vector<store::ZItem> items;
  items.reserve(rest / 3);
  for (size_t i = first; i < ctx.args.size(); i += 3) {
    double lon = 0, lat = 0;
    std::string error;
    if (!ParseLonLat(ctx.args[i], ctx.args[i + 1], &lon, &lat, &error)) {
      return ctx.reply.WriteError(error);
    }
    items.push_back({store::geo::ScoreOf(lon, lat), ctx.args[i + 2]});
  }
  ZAddGeneric(ctx, items, o, ch);
}

// Replies an array with one element per member in args[2..]: found(score) writes a member
// of the set, missing() one that is not there.
template <class Found, class Missing>
void ReplyPerMember(CommandContext& ctx, Found&& found, Missing&& missing) {
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      double score = 0;
      if (z != nullptr && z->Score(ctx.args[i], &score)) {
        found(score);
      } else {
        missing();
      }
    }
  });
}

// GEOPOS key [member ...]: [longitude, latitude] or a null array per member.
void CmdGeoPos(CommandContext& ctx) {
  ReplyPerMember(
      ctx,
      [&](double score) {
        double lon = 0, lat = 0;
        store::geo::PositionOf(score, &lon, &lat);
        ctx.reply.WriteArrayLen(2);
        WriteGeoCoordinate(ctx.reply, lon);
        WriteGeoCoordinate(ctx.reply, lat);
      },
      [&] { ctx.reply.WriteNullArray(); });
}

// GEODIST key member1 member2 [M|KM|FT|MI]: null when either member is missing.
void CmdGeoDist(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.args.size() > 5) return ctx.reply.WriteError(errors::kSyntax);
  if (ctx.args.size() == 5 && !ParseGeoUnit(ctx.args[4], &to_meters)) {
    return ctx.reply.WriteError(errors::kGeoUnit);
  }
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    double score1 = 0, score2 = 0;
    if (z == nullptr || !z->Score(ctx.args[2], &score1) || !z->Score(ctx.args[3], &score2)) {
      return ctx.reply.WriteNull();
    }
    double lon1 = 0, lat1 = 0, lon2 = 0, lat2 = 0;
    store::geo::PositionOf(score1, &lon1, &lat1);
    store::geo::PositionOf(score2, &lon2, &lat2);
    WriteGeoDistance(ctx.reply, store::geo::Distance(lon1, lat1, lon2, lat2) / to_meters);
  });
}

// GEOHASH key [member ...]: an 11-character geohash or null per member.
void CmdGeoHash(CommandContext& ctx) {
  ReplyPerMember(
      ctx, [&](double score) { ctx.reply.WriteBulk(store::geo::GeohashString(score)); },
      [&] { ctx.reply.WriteNull(); });
}

}  // namespace

void RegisterGeoCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "geo";
  table.Add({
      {.name = "geoadd", .arity = -5, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = -1,
       .handler = CmdGeoAdd,
       .group = kGroup, .since = "3.2.0",
       .summary = "Add one or more geospatial items in the geospatial index represented using a "
                  "sorted set",
       .complexity = "O(log(N)) for each item added, where N is the number of elements in the "
                     "sorted set.",
       .syntax = "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]"},
      {.name = "geohash", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoHash,
       .group = kGroup, .since = "3.2.0",
       .summary = "Returns members of a geospatial index as standard geohash strings",
       .complexity = "O(log(N)) for each member requested, where N is the number of elements in "
                     "the sorted set.",
       .syntax = "key [member [member ...]]"},
      {.name = "geopos", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoPos,
       .group = kGroup, .since = "3.2.0",
       .summary = "Returns longitude and latitude of members of a geospatial index",
       .complexity = "O(N) where N is the number of members requested.",
       .syntax = "key [member [member ...]]"},
      {.name = "geodist", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdGeoDist,
       .group = kGroup, .since = "3.2.0",
       .summary = "Returns the distance between two members of a geospatial index",
       .complexity = "O(log(N))", .syntax = "key member1 member2 [M | KM | FT | MI]"},
  });
  RegisterGeoSearchCommands(table);
}

}  // namespace cairn::server
