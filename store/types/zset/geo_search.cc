// store/types/zset/geo_search.cc — see geo_search.h.
#include "store/types/zset/geo_search.h"

#include <algorithm>
#include <cmath>

namespace cairn::store::geo {
namespace {

// Half the Web Mercator world's width in meters: the scale the step estimate halves down
// from.
constexpr double kMercatorMax = 20037726.37;

// The shape's bounding box in degrees. The width is measured along parallels, and the same
// width spans more degrees of longitude nearer a pole, so the shape's edge nearer the pole
// sets the longitude span.
Area BoundingBox(const Shape& s) {
  bool circle = s.kind == Shape::kCircle;
  double height = s.to_meters * (circle ? s.radius : s.height / 2);
  double width = s.to_meters * (circle ? s.radius : s.width / 2);
  double lat_delta = ToDegrees(height / kEarthRadiusMeters);
  double lon_delta_top =
      ToDegrees(width / kEarthRadiusMeters / std::cos(ToRadians(s.lat + lat_delta)));
  double lon_delta_bottom =
      ToDegrees(width / kEarthRadiusMeters / std::cos(ToRadians(s.lat - lat_delta)));
  double lon_delta = s.lat < 0 ? lon_delta_bottom : lon_delta_top;
  Area box;
  box.lon = {s.lon - lon_delta, s.lon + lon_delta};
  box.lat = {s.lat - lat_delta, s.lat + lat_delta};
  return box;
}

// The step whose cells are about as large as the search radius: each halving of the world
// width that still exceeds the radius adds one bit, less two for margin, less more near the
// poles where cells narrow.
uint8_t EstimateStep(double radius_m, double lat) {
  if (radius_m == 0) return kMaxStep;
  int step = 1;
  while (radius_m < kMercatorMax) {
    radius_m *= 2;
    ++step;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  return static_cast<uint8_t>(std::clamp(step, 1, static_cast<int>(kMaxStep)));
}

double SearchRadiusMeters(const Shape& s) {
  double r = s.kind == Shape::kCircle
                 ? s.radius
                 : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  return r * s.to_meters;
}

// Whether the neighbours of centre reach past every side of the bounding box.
bool NeighborsCover(const Neighbors& n, const Area& box) {
  Area north, south, east, west;
  DecodeLimits(n.north, &north);
  DecodeLimits(n.south, &south);
  DecodeLimits(n.east, &east);
  DecodeLimits(n.west, &west);
  return !(north.lat.max < box.lat.max || south.lat.min > box.lat.min ||
           east.lon.max < box.lon.max || west.lon.min > box.lon.min);
}

// Drops the neighbours on the sides where the centre cell already reaches past the box.
void DropUnneeded(const Area& centre, const Area& box, Neighbors* n) {
  if (centre.lat.min < box.lat.min) n->south = n->south_west = n->south_east = HashBits{};
  if (centre.lat.max > box.lat.max) n->north = n->north_east = n->north_west = HashBits{};
  if (centre.lon.min < box.lon.min) n->west = n->south_west = n->north_west = HashBits{};
  if (centre.lon.max > box.lon.max) n->east = n->south_east = n->north_east = HashBits{};
}

// Whether points lie within a shape: the shape with its centre's cosine computed once.
class ShapeTest {
 public:
  explicit ShapeTest(const Shape& shape)
      : shape_(shape), centre_(OriginAt(shape.lon, shape.lat)) {}

  bool Contains(double lon, double lat, double* distance_m) const {
    const Shape& s = shape_;
    if (s.kind == Shape::kCircle) {
      *distance_m = DistanceFrom(centre_, lon, lat);
      return *distance_m <= s.radius * s.to_meters;
    }
    // The cheaper latitude test first; the width is measured along the point's parallel.
    if (LatitudeDistance(lat, s.lat) > s.height * s.to_meters / 2) return false;
    if (Distance(lon, lat, s.lon, lat) > s.width * s.to_meters / 2) return false;
    *distance_m = DistanceFrom(centre_, lon, lat);
    return true;
  }

 private:
  const Shape& shape_;
  Origin centre_;
};

// Visits the members of ranks [from, to) of z, in chunks so that a limited search stops soon
// after it is satisfied (visit returns false once it is).
template <typename Visit>
void VisitCell(const ZSet& z, size_t from, size_t to, Visit&& visit) {
  constexpr size_t kChunk = 64;
  bool more = true;
  for (size_t start = from; start < to && more; start += kChunk) {
    size_t end = std::min(to, start + kChunk);
    z.VisitRanks(start, end, false, [&](std::string_view member, double score) {
      if (more) more = visit(member, score);
    });
  }
}

// Calls cell_fn(from, to) for the rank range of each cell covering shape, in visiting order,
// until done() says to stop.
template <typename CellFn, typename Done>
void ForEachCell(const ZSet& z, const Shape& shape, CellFn&& cell_fn, Done&& done) {
  SearchCells cells = CellsCovering(shape);
  size_t previous = 0;  // index of the last cell searched; 0 (the centre) never counts
  for (size_t i = 0; i < cells.size(); ++i) {
    const HashBits& cell = cells[i];
    if (cell.is_zero()) continue;
    if (previous != 0 && cell == cells[previous]) continue;
    if (done()) break;
    double first = static_cast<double>(Align52(cell));
    double next = static_cast<double>(Align52(HashBits{cell.bits + 1, cell.step}));
    size_t from = z.CountScoreBelow(first, false);
    size_t to = z.CountScoreBelow(next, false);
    if (from < to) cell_fn(from, to);
    previous = i;
  }
}

}  // namespace

SearchCells CellsCovering(const Shape& shape) {
  Area box = BoundingBox(shape);
  uint8_t step = EstimateStep(SearchRadiusMeters(shape), shape.lat);
  HashBits centre;
  EncodeLimits(shape.lon, shape.lat, step, &centre);
  Neighbors n = NeighborsOf(centre);
  if (step > 1 && !NeighborsCover(n, box)) {
    --step;
    EncodeLimits(shape.lon, shape.lat, step, &centre);
    n = NeighborsOf(centre);
  }
  if (step >= 2) {
    Area centre_area;
    DecodeLimits(centre, &centre_area);
    DropUnneeded(centre_area, box, &n);
  }
  return {centre, n.north, n.south, n.east, n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

bool WithinShape(const Shape& shape, double lon, double lat, double* distance_m) {
  return ShapeTest(shape).Contains(lon, lat, distance_m);
}

std::vector<GeoPoint> CollectCandidates(const ZSet& z, const Shape& shape) {
  std::vector<GeoPoint> out;
  auto cell = [&](size_t from, size_t to) {
    // Room for the cell, but never less than doubling: exact reserves per cell would move
    // every copied member again for each of up to nine cells, under the lock.
    out.reserve(std::max(out.size() + (to - from), 2 * out.capacity()));
    VisitCell(z, from, to, [&](std::string_view member, double score) {
      GeoPoint& p = out.emplace_back();
      p.member.assign(member);
      p.score = score;
      return true;
    });
  };
  ForEachCell(z, shape, cell, [] { return false; });
  return out;
}

void KeepWithinShape(const Shape& shape, std::vector<GeoPoint>* points) {
  ShapeTest test(shape);
  auto outside = [&](GeoPoint& p) {
    PositionOf(p.score, &p.lon, &p.lat);
    return !test.Contains(p.lon, p.lat, &p.distance_m);
  };
  points->erase(std::remove_if(points->begin(), points->end(), outside), points->end());
}

std::vector<GeoPoint> SearchShape(const ZSet& z, const Shape& shape, size_t limit) {
  if (limit == 0) {
    std::vector<GeoPoint> out = CollectCandidates(z, shape);
    KeepWithinShape(shape, &out);
    return out;
  }
  ShapeTest test(shape);
  std::vector<GeoPoint> out;
  auto cell = [&](size_t from, size_t to) {
    VisitCell(z, from, to, [&](std::string_view member, double score) {
      GeoPoint p;
      PositionOf(score, &p.lon, &p.lat);
      if (!test.Contains(p.lon, p.lat, &p.distance_m)) return true;
      p.member.assign(member);
      p.score = score;
      out.push_back(std::move(p));
      return out.size() < limit;
    });
  };
  ForEachCell(z, shape, cell, [&] { return out.size() >= limit; });
  return out;
}

}  // namespace cairn::store::geo
