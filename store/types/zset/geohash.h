// store/types/zset/geohash.h — the geohash arithmetic behind the geo commands, which keep
// points as sorted-set members whose score encodes the position.
//
// A position is a longitude in [-180, 180] and a latitude in [-85.05112878, 85.05112878] (the
// Web Mercator limits Redis uses). Each coordinate is scaled to a 26-bit cell index; the two
// indexes are interleaved into 52 bits, latitude bits at even positions, longitude bits at odd
// ones, and that integer is the member's score. Decoding gives the centre of the cell. Redis
// computes the same numbers with the same floating-point steps, so a score here equals
// redis-server's for the same input, and so do decoded positions and distances.
//
// Shorter hashes (a "step" of s bits per coordinate, s in 1..26) name bigger cells; a search
// looks at one cell and its eight neighbours (geo_search.h). Distances are great-circle
// distances on a sphere of Earth's mean radius (haversine), in meters.
//
// Everything here is pure arithmetic: no state, any thread.
#pragma once

#include <cstdint>
#include <numbers>
#include <string>

namespace cairn::store::geo {

inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
// Bits per coordinate of a stored score (2 * 26 = 52 bits, exact in a double).
inline constexpr uint8_t kMaxStep = 26;
// Earth's mean radius as Redis uses it, in meters.
inline constexpr double kEarthRadiusMeters = 6372797.560856;

// Degrees <-> radians, as Redis converts them (times / divided by pi/180).
inline constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
inline double ToRadians(double degrees) { return degrees * kRadiansPerDegree; }
inline double ToDegrees(double radians) { return radians / kRadiansPerDegree; }

// A closed interval of one coordinate.
struct Range {
  double min = 0;
  double max = 0;
};

// An interleaved hash of `step` bits per coordinate. The zero value (no bits, step 0) means
// "no cell" (a neighbour left out of a search).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;

  bool is_zero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

// The rectangle a hash names.
struct Area {
  Range lon;
  Range lat;
};

// The eight cells around one, at the same step. Cells wrap around at +-180 longitude.
struct Neighbors {
  HashBits north, south, east, west;
  HashBits north_east, north_west, south_east, south_west;
};

// Whether lon/lat lie within the limits above (what GEOADD accepts).
bool ValidLonLat(double lon, double lat);

// Hashes lon/lat within the coordinate ranges at step bits per coordinate (1..32). False,
// leaving *out zero, when the point is outside the ranges or the limits above.
bool Encode(Range lon_range, Range lat_range, double lon, double lat, uint8_t step,
            HashBits* out);
// Encode over the geo limits above.
bool EncodeLimits(double lon, double lat, uint8_t step, HashBits* out);
// The rectangle of hash h over the geo limits; false for the zero hash.
bool DecodeLimits(HashBits h, Area* out);

// The score a point at lon/lat is stored with (a valid position).
double ScoreOf(double lon, double lat);
// The position a score stands for: the centre of its 52-bit cell, clamped to the limits.
// Scores not made by ScoreOf decode too (to some position), as in Redis.
void PositionOf(double score, double* lon, double* lat);
// h's bits shifted to the 52-bit score scale (the first score of its cell).
uint64_t Align52(HashBits h);

Neighbors NeighborsOf(HashBits h);

// The standard 11-character geohash of the position a score stands for (latitude range
// -90..90, as geohash.org uses; the 11th character is always '0').
std::string GeohashString(double score);

// Great-circle distance between two points in meters.
double Distance(double lon1, double lat1, double lon2, double lat2);

// A point that many distances are measured from (a search's centre), with the cosine of its
// latitude computed once. DistanceFrom(OriginAt(lon1, lat1), lon2, lat2) is bit for bit
// Distance(lon1, lat1, lon2, lat2): the same steps, one cosine fewer per call.
struct Origin {
  double lon = 0;
  double lat = 0;
  double cos_lat = 1;
};
Origin OriginAt(double lon, double lat);
double DistanceFrom(const Origin& origin, double lon, double lat);
// The distance along a meridian between two latitudes, in meters.
double LatitudeDistance(double lat1, double lat2);

}  // namespace cairn::store::geo
