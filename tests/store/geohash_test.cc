// tests/store/geohash_test.cc — the geo arithmetic (scores, decoded positions, geohash
// strings and distances equal to what redis-server 7.0 gives for the same input; neighbour
// cells; the cells a search covers), the search over a sorted set, which must find exactly
// the members a brute-force scan finds within the shape, and the ordering of results.
#include "store/types/zset/geohash.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/types/zset/geo_order.h"
#include "store/types/zset/geo_search.h"
#include "store/types/zset/zset.h"

namespace cairn::store::geo {
namespace {

// A distance as GEODIST prints it, in 1/10000 of the unit.
long long Tenths4(double meters) { return std::llrint(meters * 10000.0); }

TEST_CASE("scores equal redis-server's for the same positions") {
  CHECK(ScoreOf(13.361389, 38.115556) == 3479099956230698.0);
  CHECK(ScoreOf(15.087269, 37.502669) == 3479447370796909.0);
  CHECK(ScoreOf(-5.6, 42.6) == 2157242200379188.0);
  CHECK(ScoreOf(0, 0) == 3377699720527872.0);
  CHECK(ScoreOf(-180, kLatMin) == 0.0);
  // The top of both ranges overflows the 26-bit cell indexes, as it does in Redis.
  CHECK(ScoreOf(180, kLatMax) == 13510798882111488.0);
}

TEST_CASE("only positions within the Web Mercator limits are valid") {
  CHECK(ValidLonLat(-180, -85.05112878));
  CHECK(ValidLonLat(180, 85.05112878));
  CHECK_FALSE(ValidLonLat(180.000001, 0));
  CHECK_FALSE(ValidLonLat(0, 85.0511288));
  CHECK_FALSE(ValidLonLat(0, -90));
  HashBits h;
  CHECK_FALSE(EncodeLimits(200, 100, kMaxStep, &h));
  CHECK(h.is_zero());
}

TEST_CASE("a score decodes to the centre of its cell, as redis-server prints it") {
  double lon = 0, lat = 0;
  PositionOf(3479099956230698.0, &lon, &lat);
  CHECK(lon == 13.36138933897018433);
  CHECK(lat == 38.11555639549629859);
  // Plain sorted-set scores decode too: negative ones wrap as on x86-64, huge ones give 0.
  PositionOf(-5, &lon, &lat);
  CHECK(lon == 180);
  CHECK(lat == 85.0511287799999991);
  PositionOf(1e30, &lon, &lat);
  CHECK(lon == -179.99999731779098511);
  CHECK(lat == -85.05112751263942528);
}

TEST_CASE("encoding then decoding stays within the cell size") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon_d(-180, 180), lat_d(kLatMin, kLatMax);
  for (int i = 0; i < 10000; ++i) {
    double lon = lon_d(rng), lat = lat_d(rng);
    double back_lon = 0, back_lat = 0;
    PositionOf(ScoreOf(lon, lat), &back_lon, &back_lat);
    CHECK(std::fabs(back_lon - lon) <= 360.0 / (1 << 26));
    CHECK(std::fabs(back_lat - lat) <= 2 * kLatMax / (1 << 26));
  }
}

TEST_CASE("geohash strings are the standard ones") {
  CHECK(GeohashString(ScoreOf(-5.6, 42.6)) == "ezs42e44yx0");
  CHECK(GeohashString(3479099956230698.0) == "sqc8b49rny0");
  CHECK(GeohashString(ScoreOf(180, kLatMax)) == "bp05b5048p0");
  CHECK(GeohashString(0) == "00bh0hbj200");
}

TEST_CASE("distances equal redis-server's") {
  double lon1 = 0, lat1 = 0, lon2 = 0, lat2 = 0;
  PositionOf(3479099956230698.0, &lon1, &lat1);  // Palermo
  PositionOf(3479447370796909.0, &lon2, &lat2);  // Catania
  CHECK(Tenths4(Distance(lon1, lat1, lon2, lat2)) == 1662741516);
  CHECK(Tenths4(Distance(lon1, lat1, lon2, lat2) / 1000) == 1662742);
  CHECK(Distance(lon1, lat1, lon1, lat1) == 0);
  // On one meridian the distance is the latitude difference along it.
  CHECK(Distance(10, 0, 10, 1) == LatitudeDistance(0, 1));
  CHECK(Tenths4(LatitudeDistance(0, 1)) == 1112263000);
}

TEST_CASE("a distance from a search's centre equals the two-point distance bit for bit") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85);
  for (int i = 0; i < 20000; ++i) {
    double lon1 = lon(rng), lat1 = lat(rng);
    double lon2 = i % 10 == 0 ? lon1 : lon(rng), lat2 = lat(rng);  // some on one meridian
    Origin o = OriginAt(lon1, lat1);
    double a = DistanceFrom(o, lon2, lat2), b = Distance(lon1, lat1, lon2, lat2);
    REQUIRE(std::memcmp(&a, &b, sizeof a) == 0);
  }
}

TEST_CASE("neighbours are the adjacent cells, wrapping around the antimeridian") {
  HashBits h;
  REQUIRE(EncodeLimits(2.35, 48.85, 10, &h));
  Neighbors n = NeighborsOf(h);
  Area c, e, w, no, so, ne;
  REQUIRE(DecodeLimits(h, &c));
  REQUIRE(DecodeLimits(n.east, &e));
  REQUIRE(DecodeLimits(n.west, &w));
  REQUIRE(DecodeLimits(n.north, &no));
  REQUIRE(DecodeLimits(n.south, &so));
  REQUIRE(DecodeLimits(n.north_east, &ne));
  CHECK(e.lon.min == doctest::Approx(c.lon.max));
  CHECK(e.lat.min == c.lat.min);
  CHECK(w.lon.max == doctest::Approx(c.lon.min));
  CHECK(no.lat.min == doctest::Approx(c.lat.max));
  CHECK(no.lon.min == c.lon.min);
  CHECK(so.lat.max == doctest::Approx(c.lat.min));
  CHECK(ne.lon.min == e.lon.min);
  CHECK(ne.lat.min == no.lat.min);
  CHECK(NeighborsOf(n.east).west == h);
  CHECK(NeighborsOf(n.north).south == h);

  REQUIRE(EncodeLimits(179.99, 10, 8, &h));
  Area east;
  REQUIRE(DecodeLimits(NeighborsOf(h).east, &east));
  CHECK(east.lon.min == -180);
}

TEST_CASE("a small search covers a fine cell and drops the neighbours it does not need") {
  Shape s{.kind = Shape::kCircle, .lon = 13.36, .lat = 38.11, .radius = 1, .to_meters = 1000};
  SearchCells cells = CellsCovering(s);
  CHECK(cells[0].step == 14);
  size_t used = 0;
  for (const HashBits& c : cells) used += c.is_zero() ? 0 : 1;
  CHECK(used >= 1);
  CHECK(used <= 9);
  // A radius around the world uses the coarsest cells.
  s.radius = 50000;
  CHECK(CellsCovering(s)[0].step == 1);
}

TEST_CASE("a box holds points within half its width and height of the centre") {
  Shape box{.kind = Shape::kBox, .lon = 0, .lat = 0, .width = 200, .height = 100,
            .to_meters = 1000};
  double d = 0;
  CHECK(WithinShape(box, 0.8, 0, &d));   // ~89 km east
  CHECK_FALSE(WithinShape(box, 0, 0.5, &d));  // ~56 km north
  CHECK(WithinShape(box, 0.8, 0.4, &d));
  CHECK(d == Distance(0, 0, 0.8, 0.4));
  Shape circle{.kind = Shape::kCircle, .lon = 0, .lat = 0, .radius = 60, .to_meters = 1000};
  CHECK_FALSE(WithinShape(circle, 0.8, 0, &d));
  CHECK(WithinShape(circle, 0, 0.5, &d));
}

// The members of z within shape, by scanning every member.
std::set<std::string> BruteForce(const ZSet& z, const Shape& shape) {
  std::set<std::string> out;
  z.VisitRanks(0, z.size(), false, [&](std::string_view m, double score) {
    double lon = 0, lat = 0, d = 0;
    PositionOf(score, &lon, &lat);
    if (WithinShape(shape, lon, lat, &d)) out.emplace(m);
  });
  return out;
}

TEST_CASE("a search finds exactly the members within the shape, and stops at a limit") {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int round = 0; round < 40; ++round) {
    double clon = -180 + 360 * unit(rng), clat = -70 + 140 * unit(rng);
    double spread = round % 2 == 0 ? 3 : 20;
    ZSet z;
    for (int i = 0; i < 2000; ++i) {
      double lon = std::clamp(clon + spread * (2 * unit(rng) - 1), -180.0, 180.0);
      double lat = std::clamp(clat + spread * (2 * unit(rng) - 1), -80.0, 80.0);
      z.Set("p" + std::to_string(i), ScoreOf(lon, lat));
    }
    Shape shape{.lon = clon, .lat = clat, .to_meters = 1000};
    if (round % 4 < 2) {
      shape.kind = Shape::kCircle;
      shape.radius = 10 + 300 * unit(rng);
    } else {
      shape.kind = Shape::kBox;
      shape.width = 10 + 600 * unit(rng);
      shape.height = 10 + 600 * unit(rng);
    }
    std::vector<GeoPoint> found = SearchShape(z, shape, 0);
    std::set<std::string> names;
    for (const GeoPoint& p : found) names.insert(p.member);
    CHECK(names.size() == found.size());
    CHECK(names == BruteForce(z, shape));
    std::vector<GeoPoint> limited = SearchShape(z, shape, 5);
    CHECK(limited.size() == std::min<size_t>(5, found.size()));
  }
}

TEST_CASE("sorting by distance puts the wanted nearest or farthest first, in order") {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    size_t n = 1 + rng() % 300;
    std::vector<GeoPoint> points(n);
    for (size_t i = 0; i < n; ++i) {
      points[i].member = "m" + std::to_string(i);
      points[i].distance_m = static_cast<double>(rng() % (round % 3 == 0 ? 4 : 1000));
    }
    bool desc = round % 2 == 1;
    size_t wanted = 1 + rng() % n;
    std::vector<double> expected;
    for (const GeoPoint& p : points) expected.push_back(p.distance_m);
    std::sort(expected.begin(), expected.end());
    if (desc) std::reverse(expected.begin(), expected.end());
    SortByDistance(&points, desc, wanted);
    for (size_t i = 0; i < wanted; ++i) CHECK(points[i].distance_m == expected[i]);
    std::set<std::string> members;
    for (const GeoPoint& p : points) members.insert(p.member);
    CHECK(members.size() == n);
  }
}

TEST_CASE("sorting all results keeps equal distances in the order found") {
  std::vector<GeoPoint> points(6);
  double distances[] = {2, 1, 2, 1, 0, 2};
  for (size_t i = 0; i < points.size(); ++i) {
    points[i].member = std::string(1, static_cast<char>('a' + i));
    points[i].distance_m = distances[i];
  }
  SortByDistance(&points, false, points.size());
  std::string order;
  for (const GeoPoint& p : points) order += p.member;
  CHECK(order == "ebdacf");
  SortByDistance(&points, true, points.size());
  order.clear();
  for (const GeoPoint& p : points) order += p.member;
  CHECK(order == "acfbde");
}

}  // namespace
}  // namespace cairn::store::geo
