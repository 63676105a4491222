// src/commands/geo_search_commands.cc — geo searches: GEORADIUS, GEORADIUSBYMEMBER, their _RO
// forms, GEOSEARCH and GEOSEARCHSTORE, with STORE/STOREDIST writing the result to a sorted set.
//
// All of them are one command with different argument layouts (GeoFlags). As in Redis, the
// source key is looked up first (WRONGTYPE before any argument error), then the arguments
// are checked in order, resolving FROMMEMBER / BYMEMBER centres against the set as they come.
// A store runs with the source and the destination locked together, so no other client sees
// the destination between the read and the write; the destination named by STORE sits among
// the options, so the arguments are parsed once beforehand, without the set, to find it.
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/geo_family.h"
#include "src/commands/zset_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/zset/geo_order.h"
#include "store/types/zset/geo_search.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::ZSet;
using store::geo::GeoPoint;
using store::geo::Shape;

// The argument layout of each command.
enum GeoFlags : unsigned {
  kFromCoords = 1u << 0,   // GEORADIUS: key lon lat radius unit
  kFromMember = 1u << 1,   // GEORADIUSBYMEMBER: key member radius unit
  kNoStore = 1u << 2,      // the _RO forms: no STORE / STOREDIST
  kSearch = 1u << 3,       // GEOSEARCH: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX options
  kSearchStore = 1u << 4,  // GEOSEARCHSTORE: dst src ..., STOREDIST without a key
};

struct GeoQuery {
  Shape shape;
  bool withdist = false;
  bool withhash = false;
  bool withcoord = false;
  bool any = false;
  enum Sort { kNone, kAsc, kDesc } sort = kNone;
  int64_t count = 0;  // 0: no limit
  bool store = false;
  std::string_view store_key;
  bool storedist = false;
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
};

// Sets *error and returns false: the parsers' failure path.
bool Fail(std::string* error, std::string_view text) {
  *error = text;
  return false;
}

// "radius unit" into a circle's size.
bool ParseRadius(std::string_view radius, std::string_view unit, Shape* shape, std::string* error) {
  if (!resp::ParseDouble(radius, &shape->radius)) return Fail(error, errors::kGeoNeedRadius);
  if (shape->radius < 0) return Fail(error, errors::kGeoRadiusNegative);
  if (!ParseGeoUnit(unit, &shape->to_meters)) return Fail(error, errors::kGeoUnit);
  shape->kind = Shape::kCircle;
  return true;
}

// "width height unit" into a box's size.
bool ParseBox(std::span<const std::string_view> args, Shape* shape, std::string* error) {
  if (!resp::ParseDouble(args[0], &shape->width)) return Fail(error, errors::kGeoNeedWidth);
  if (!resp::ParseDouble(args[1], &shape->height)) return Fail(error, errors::kGeoNeedHeight);
  if (shape->height < 0 || shape->width < 0) return Fail(error, errors::kGeoBoxNegative);
  if (!ParseGeoUnit(args[2], &shape->to_meters)) return Fail(error, errors::kGeoUnit);
  shape->kind = Shape::kBox;
  return true;
}

// The centre at member's position in z.
bool CentreAtMember(const ZSet& z, std::string_view member, Shape* shape, std::string* error) {
  double score = 0;
  if (!z.Score(member, &score)) return Fail(error, errors::kGeoNoMember);
  store::geo::PositionOf(score, &shape->lon, &shape->lat);
  return true;
}

// One option at args[*i] (advanced past its values); false with *error for an unknown or
// misplaced option or a bad value. z (nullptr: the key is missing) resolves FROMMEMBER.
bool ParseOption(std::span<const std::string_view> args, size_t* i, unsigned flags,
                 const ZSet* z, GeoQuery* q, std::string* error) {
  std::string_view a = args[*i];
  size_t left = args.size() - *i - 1;  // values after the option
  bool search = flags & kSearch;
  bool may_store = !(flags & kNoStore) && !search;
  if (EqualsIgnoreCase(a, "withdist")) {
    q->withdist = true;
  } else if (EqualsIgnoreCase(a, "withhash")) {
    q->withhash = true;
  } else if (EqualsIgnoreCase(a, "withcoord")) {
    q->withcoord = true;
  } else if (EqualsIgnoreCase(a, "any")) {
    q->any = true;
  } else if (EqualsIgnoreCase(a, "asc")) {
    q->sort = GeoQuery::kAsc;
  } else if (EqualsIgnoreCase(a, "desc")) {
    q->sort = GeoQuery::kDesc;
  } else if (EqualsIgnoreCase(a, "count") && left >= 1) {
    if (!resp::ParseInt64(args[++*i], &q->count)) return Fail(error, errors::kNotInteger);
    if (q->count <= 0) return Fail(error, errors::kStreamCountPositive);
  } else if ((EqualsIgnoreCase(a, "store") || EqualsIgnoreCase(a, "storedist")) && left >= 1 &&
             may_store) {
    q->store = true;
    q->store_key = args[++*i];
    q->storedist = EqualsIgnoreCase(a, "storedist");
  } else if (EqualsIgnoreCase(a, "storedist") && (flags & kSearchStore)) {
    q->storedist = true;
  } else if (EqualsIgnoreCase(a, "frommember") && left >= 1 && search && !q->from_lonlat) {
    // Without the key the member is not looked up: the reply is empty either way.
    if (z != nullptr && !CentreAtMember(*z, args[*i + 1], &q->shape, error)) return false;
    q->from_member = true;
    ++*i;
  } else if (EqualsIgnoreCase(a, "fromlonlat") && left >= 2 && search && !q->from_member) {
    if (!ParseLonLat(args[*i + 1], args[*i + 2], &q->shape.lon, &q->shape.lat, error)) return false;
    q->from_lonlat = true;
    *i += 2;
  } else if (EqualsIgnoreCase(a, "byradius") && left >= 2 && search && !q->by_box) {
    if (!ParseRadius(args[*i + 1], args[*i + 2], &q->shape, error)) return false;
    q->by_radius = true;
    *i += 2;
  } else if (EqualsIgnoreCase(a, "bybox") && left >= 3 && search && !q->by_radius) {
    if (!ParseBox(args.subspan(*i + 1, 3), &q->shape, error)) return false;
    q->by_box = true;
    *i += 3;
  } else {
    return Fail(error, errors::kSyntax);
  }
  return true;
}

// The option combinations Redis refuses once all options are read.
bool CheckCombination(std::span<const std::string_view> args, unsigned flags, const GeoQuery& q,
                      std::string* error) {
  if (q.store && (q.withdist || q.withhash || q.withcoord)) {
    return Fail(error, (flags & kSearchStore) ? errors::kGeoSearchStoreWith
                                              : errors::kGeoRadiusStoreWith);
  }
  if ((flags & kSearch) && !(q.from_member || q.from_lonlat)) {
    return Fail(error, std::string(errors::kGeoNeedFrom) + std::string(args[0]));
  }
  if ((flags & kSearch) && !(q.by_radius || q.by_box)) {
    return Fail(error, std::string(errors::kGeoNeedBy) + std::string(args[0]));
  }
  if (q.any && q.count == 0) return Fail(error, errors::kGeoAnyNeedsCount);
  return true;
}

// The whole request from args, in Redis's order of checks. z is the source set (nullptr when
// the key is missing: then GEORADIUSBYMEMBER's member and radius go unchecked, as in Redis).
bool ParseGeoQuery(std::span<const std::string_view> args, unsigned flags, const ZSet* z,
                   GeoQuery* q, std::string* error) {
  size_t first_option = 2;
  if (flags & kFromCoords) {
    first_option = 6;
    if (!ParseLonLat(args[2], args[3], &q->shape.lon, &q->shape.lat, error) ||
        !ParseRadius(args[4], args[5], &q->shape, error)) {
      return false;
    }
  } else if (flags & kFromMember) {
    first_option = 5;
    if (z != nullptr && (!CentreAtMember(*z, args[2], &q->shape, error) ||
                         !ParseRadius(args[3], args[4], &q->shape, error))) {
      return false;
    }
  } else if (flags & kSearchStore) {
    first_option = 3;
    q->store = true;
    q->store_key = args[1];
  }
  for (size_t i = first_option; i < args.size(); ++i) {
    if (!ParseOption(args, &i, flags, z, q, error)) return false;
  }
  return CheckCombination(args, flags, *q, error);
}

void WritePoints(CommandContext& ctx, const GeoQuery& q, const std::vector<GeoPoint>& points,
                 size_t n) {
  int extras = q.withdist + q.withhash + q.withcoord;
  ctx.reply.WriteArrayLen(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const GeoPoint& p = points[i];
    if (extras > 0) ctx.reply.WriteArrayLen(extras + 1);
    ctx.reply.WriteBulk(p.member);
    if (q.withdist) WriteGeoDistance(ctx.reply, p.distance_m / q.shape.to_meters);
    if (q.withhash) ctx.reply.WriteInteger(static_cast<int64_t>(p.score));
    if (q.withcoord) {
      ctx.reply.WriteArrayLen(2);
      WriteGeoCoordinate(ctx.reply, p.lon);
      WriteGeoCoordinate(ctx.reply, p.lat);
    }
  }
}

// Replaces dst with the first n points (scored by hash, or by distance in the request's unit
// for STOREDIST); an empty result deletes dst. Replies the count.
void StorePoints(CommandContext& ctx, unsigned flags, const GeoQuery& q, KeyHandle& dst,
                 const std::vector<GeoPoint>& points, size_t n) {
  ScoredList items;
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const GeoPoint& p = points[i];
    items.emplace_back(p.member, q.storedist ? p.distance_m / q.shape.to_meters : p.score);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  // Neighbouring cells that wrap onto each other at the coarsest step can report a member
  // twice; the set keeps it once.
  items.erase(std::unique(items.begin(), items.end()), items.end());
  if (items.empty()) {
    if (dst.Delete()) NotifyKey(ctx, kNotifyGeneric, "del", dst.key());
  } else {
    dst.Put(store::Value(BuildZSet(items)), 0);
    NotifyKey(ctx, kNotifyZSet, (flags & kSearch) ? "geosearchstore" : "georadiusstore",
              dst.key());
    // GEOSEARCHSTORE's destination is a key position, which wakes its waiters already.
    if (!(flags & kSearchStore)) ctx.server.blocking.NoteKeyWritten(ctx.db(), dst.key());
  }
  ctx.reply.WriteInteger(static_cast<int64_t>(n));
}

// Under the lock(s): reads the source and the arguments into *q and *z. False when the reply
// is already written: an error, or the answer for a missing source.
bool PrepareQuery(CommandContext& ctx, unsigned flags, KeyHandle& src, KeyHandle* dst,
                  GeoQuery* q, const ZSet** z) {
  if (!ReadOrReply(ctx, src, z)) return false;
  std::string error;
  if (!ParseGeoQuery(ctx.args, flags, *z, q, &error)) {
    ctx.reply.WriteError(error);
    return false;
  }
  // Never taken: the probe in GeoSearchGeneric finds every destination the real parse does.
  if (q->store && dst == nullptr) {
    ctx.reply.WriteError(errors::kStoreFailure);
    return false;
  }
  if (*z == nullptr) {
    if (!q->store) {
      ctx.reply.WriteArrayLen(0);
    } else {
      if (dst->Delete()) NotifyKey(ctx, kNotifyGeneric, "del", dst->key());
      ctx.reply.WriteInteger(0);
    }
    return false;
  }
  // COUNT without an order means the nearest ones, unless ANY takes the first found.
  if (q->count != 0 && q->sort == GeoQuery::kNone && !q->any) q->sort = GeoQuery::kAsc;
  return true;
}

// The first n points in the requested order, n being the count (if any) or all of them.
size_t OrderPoints(const GeoQuery& q, std::vector<GeoPoint>* points) {
  size_t n = points->size();
  if (q.count != 0 && static_cast<uint64_t>(q.count) < n) n = static_cast<size_t>(q.count);
  if (q.sort != GeoQuery::kNone) {
    store::geo::SortByDistance(points, q.sort == GeoQuery::kDesc, n);
  }
  return n;
}

// A search that stores: all of it under the locks of the source and the destination.
void RunGeoStore(CommandContext& ctx, unsigned flags, KeyHandle& src, KeyHandle& dst) {
  GeoQuery q;
  const ZSet* z = nullptr;
  if (!PrepareQuery(ctx, flags, src, &dst, &q, &z)) return;
  std::vector<GeoPoint> points =
      store::geo::SearchShape(*z, q.shape, q.any ? static_cast<size_t>(q.count) : 0);
  size_t n = OrderPoints(q, &points);
  StorePoints(ctx, flags, q, dst, points, n);
}

// A search that replies. Only the copy of the candidate members holds the source's lock; the
// distances, the order and the reply come after, so two threads searching one hot set
// overlap in all but the copy. ANY tests each point as it goes, to stop at its count.
void RunGeoReply(CommandContext& ctx, unsigned flags, std::string_view src_key) {
  GeoQuery q;
  std::vector<GeoPoint> points;
  bool found = ctx.server.store.Access(ctx.db(), src_key, [&](KeyHandle& h) {
    const ZSet* z = nullptr;
    if (!PrepareQuery(ctx, flags, h, nullptr, &q, &z)) return false;
    points = q.any ? store::geo::SearchShape(*z, q.shape, static_cast<size_t>(q.count))
                   : store::geo::CollectCandidates(*z, q.shape);
    return true;
  });
  if (!found) return;
  if (!q.any) store::geo::KeepWithinShape(q.shape, &points);
  size_t n = OrderPoints(q, &points);
  WritePoints(ctx, q, points, n);
}

void GeoSearchGeneric(CommandContext& ctx, unsigned flags) {
  std::string_view src_key = ctx.args[(flags & kSearchStore) ? 2 : 1];
  // Parsed without the set only to learn the destination; the real parse runs under the
  // lock. Both consume the arguments alike, so they agree on it whenever the real one
  // succeeds.
  GeoQuery probe;
  std::string ignored;
  (void)ParseGeoQuery(ctx.args, flags, nullptr, &probe, &ignored);
  if (!probe.store) return RunGeoReply(ctx, flags, src_key);
  store::KeyRef keys[] = {{ctx.db(), src_key}, {ctx.db(), probe.store_key}};
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    RunGeoStore(ctx, flags, hs[0], hs[1]);
  });
}

void CmdGeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, kFromCoords); }
void CmdGeoRadiusRo(CommandContext& ctx) { GeoSearchGeneric(ctx, kFromCoords | kNoStore); }
void CmdGeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, kFromMember); }
void CmdGeoRadiusByMemberRo(CommandContext& ctx) {
  GeoSearchGeneric(ctx, kFromMember | kNoStore);
}
void CmdGeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, kSearch); }
void CmdGeoSearchStore(CommandContext& ctx) { GeoSearchGeneric(ctx, kSearch | kSearchStore); }

}  // namespace

void RegisterGeoSearchCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "geo";
  constexpr std::string_view kRadiusCost =
      "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
      "area delimited by center and radius and M is the number of items inside the index.";
  constexpr std::string_view kSearchCost =
      "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
      "around the shape provided as the filter and M is the number of items inside the shape";
  table.Add({
      {.name = "georadius", .arity = -6, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoRadius,
       .group = kGroup, .since = "3.2.0",
       .summary = "Query a sorted set representing a geospatial index to fetch members matching a "
                  "given maximum distance from a point",
       .complexity = kRadiusCost,
       .syntax = "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] "
                 "[WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]"},
      {.name = "georadius_ro", .arity = -6, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoRadiusRo,
       .group = kGroup, .since = "3.2.10", .summary = "A read-only variant for GEORADIUS",
       .complexity = kRadiusCost,
       .syntax = "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] "
                 "[WITHHASH] [COUNT count [ANY]] [ASC | DESC]"},
      {.name = "georadiusbymember", .arity = -5, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoRadiusByMember,
       .group = kGroup, .since = "3.2.0",
       .summary = "Query a sorted set representing a geospatial index to fetch members matching a "
                  "given maximum distance from a member",
       .complexity = kRadiusCost,
       .syntax = "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] "
                 "[COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]"},
      {.name = "georadiusbymember_ro", .arity = -5, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoRadiusByMemberRo,
       .group = kGroup, .since = "3.2.10", .summary = "A read-only variant for GEORADIUSBYMEMBER",
       .complexity = kRadiusCost,
       .syntax = "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] "
                 "[COUNT count [ANY]] [ASC | DESC]"},
      {.name = "geosearch", .arity = -7, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGeoSearch,
       .group = kGroup, .since = "6.2.0",
       .summary = "Query a sorted set representing a geospatial index to fetch members inside an "
                  "area of a box or a circle.",
       .complexity = kSearchCost,
       .syntax = "key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius "
                 "<M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] "
                 "[COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]"},
      {.name = "geosearchstore", .arity = -8, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdGeoSearchStore,
       .group = kGroup, .since = "6.2.0",
       .summary = "Query a sorted set representing a geospatial index to fetch members inside an "
                  "area of a box or a circle, and store the result in another key.",
       .complexity = kSearchCost,
       .syntax = "destination source <FROMMEMBER member | FROMLONLAT longitude latitude> "
                 "<BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> "
                 "[ASC | DESC] [COUNT count [ANY]] [STOREDIST]"},
  });
}

}  // namespace cairn::server
