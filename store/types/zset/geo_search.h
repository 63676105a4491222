// store/types/zset/geo_search.h — finding the members of a sorted set of positions (geohash.h)
// that lie within a circle or an axis-aligned box, as GEOSEARCH and GEORADIUS do.
//
// The search, step by step as in Redis, so results and their order equal redis-server's:
//   1. A bounding box of the shape in degrees, and a hash step estimated from the shape's
//      radius (for a box: centre to corner) and latitude, so that one cell at that step plus
//      its eight neighbours cover the shape; one step coarser when a neighbour falls short.
//   2. The cell of the centre and its neighbours (neighbours wholly outside the bounding box
//      dropped), visited in the order centre, N, S, E, W, NE, NW, SE, SW; a cell equal to the
//      one visited just before is skipped (at coarse steps neighbours wrap onto each other).
//   3. Each cell is a score interval [first, next cell's first): its members are decoded
//      and kept when within the shape, with their distance from the centre.
// A limit (COUNT ... ANY) stops the walk once that many points are kept.
//
// Threading: SearchShape and CollectCandidates read the set: call them under its shard lock.
// The points own their members.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "store/types/zset/geohash.h"
#include "store/types/zset/zset.h"

namespace cairn::store::geo {

// A search area. Sizes are in the request's unit; to_meters converts them.
struct Shape {
  enum Kind { kCircle, kBox } kind = kCircle;
  double lon = 0;  // centre
  double lat = 0;
  double radius = 0;  // kCircle
  double width = 0;   // kBox
  double height = 0;
  double to_meters = 1;
};

// The cells a search visits, in visiting order; zero hashes are left out.
using SearchCells = std::array<HashBits, 9>;
SearchCells CellsCovering(const Shape& shape);

// Whether the point at lon/lat lies within the shape; if so *distance_m is its distance from
// the centre in meters.
bool WithinShape(const Shape& shape, double lon, double lat, double* distance_m);

struct GeoPoint {
  std::string member;
  double score = 0;
  double lon = 0;
  double lat = 0;
  double distance_m = 0;
};

// The members of z within shape, in the order the cells are visited (each cell's members in
// score order); at most limit of them when limit > 0.
std::vector<GeoPoint> SearchShape(const ZSet& z, const Shape& shape, size_t limit);

// SearchShape without a limit in two halves, so that a caller can release the set's lock
// between them: the distances, most of a search's work, then run unlocked. CollectCandidates
// (under the lock) copies the members and scores of the cells step 3 visits, untested;
// KeepWithinShape (no lock: it reads only the points) decodes their positions and keeps, in
// order, those within shape, with their distances. Together they give SearchShape's points.
std::vector<GeoPoint> CollectCandidates(const ZSet& z, const Shape& shape);
void KeepWithinShape(const Shape& shape, std::vector<GeoPoint>* points);

}  // namespace cairn::store::geo
