// store/types/zset/geohash.cc — see geohash.h.
//
// The floating-point expressions keep the operand order Redis uses (division before scaling,
// the haversine terms in the same grouping): a different but "equal" formula rounds
// differently in the last bit, and the scores and distances must match redis-server's
// byte for byte.
#include "store/types/zset/geohash.h"

#include <algorithm>
#include <cmath>

namespace cairn::store::geo {
namespace {

constexpr uint64_t kEvenBits = 0x5555555555555555ULL;  // latitude lane
constexpr uint64_t kOddBits = 0xaaaaaaaaaaaaaaaaULL;   // longitude lane

// Spreads the 32 bits of v to the even bit positions of the result.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & kEvenBits;
  return x;
}

// The inverse of Spread: gathers the even bit positions of x.
uint32_t Gather(uint64_t x) {
  x &= kEvenBits;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// A score as the integer hash Redis reads from it. C leaves the conversion of negative or
// huge doubles undefined; this is what x86-64 does, which redis-server inherits.
uint64_t ScoreBits(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (score >= kTwo63) {
    return score < 2 * kTwo63 ? static_cast<uint64_t>(score) : 0;
  }
  if (score > -kTwo63) return static_cast<uint64_t>(static_cast<int64_t>(score));
  return 1ULL << 63;
}

// Moves a hash of the given width (bits in use) one cell along one coordinate lane (lane:
// that lane's bits over all 64), wrapping around. Going up, the other lane's bits within the
// width are filled with ones so the carry crosses them; going down, the same filling makes
// the borrow cross them. Bits of the other lane are kept as they are, even past the width
// (a coordinate at the very top of its range sets one there), as Redis keeps them.
uint64_t MoveLane(uint64_t bits, uint64_t lane, unsigned width, int direction) {
  uint64_t unused = 64 - width;
  uint64_t own = bits & lane;
  uint64_t other = bits & ~lane;
  uint64_t filler = ~lane >> unused;  // the other lane, within the width
  if (direction > 0) {
    own = own + (filler + 1);
  } else {
    own = (own | filler) - (filler + 1);
  }
  return (own & (lane >> unused)) | other;
}

}  // namespace

bool ValidLonLat(double lon, double lat) {
  return lon >= kLonMin && lon <= kLonMax && lat >= kLatMin && lat <= kLatMax;
}

bool Encode(Range lon_range, Range lat_range, double lon, double lat, uint8_t step,
            HashBits* out) {
  *out = HashBits{};
  if (step == 0 || step > 32) return false;
  if (!ValidLonLat(lon, lat)) return false;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return false;
  }
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  double cells = static_cast<double>(1ULL << step);
  lat_offset *= cells;
  lon_offset *= cells;
  out->step = step;
  out->bits = Spread(static_cast<uint32_t>(lat_offset)) |
              (Spread(static_cast<uint32_t>(lon_offset)) << 1);
  return true;
}

bool EncodeLimits(double lon, double lat, uint8_t step, HashBits* out) {
  return Encode({kLonMin, kLonMax}, {kLatMin, kLatMax}, lon, lat, step, out);
}

bool DecodeLimits(HashBits h, Area* out) {
  if (h.is_zero()) return false;
  uint32_t lat_cell = Gather(h.bits);
  uint32_t lon_cell = Gather(h.bits >> 1);
  double cells = static_cast<double>(1ULL << h.step);
  double lat_scale = kLatMax - kLatMin;
  double lon_scale = kLonMax - kLonMin;
  // The cell index + 1 wraps in 32 bits, as Redis's does, for hashes no score of a valid
  // point produces.
  uint32_t lat_next = lat_cell + 1;
  uint32_t lon_next = lon_cell + 1;
  out->lat.min = kLatMin + (lat_cell * 1.0 / cells) * lat_scale;
  out->lat.max = kLatMin + (lat_next * 1.0 / cells) * lat_scale;
  out->lon.min = kLonMin + (lon_cell * 1.0 / cells) * lon_scale;
  out->lon.max = kLonMin + (lon_next * 1.0 / cells) * lon_scale;
  return true;
}

uint64_t Align52(HashBits h) { return h.bits << (52 - h.step * 2); }

double ScoreOf(double lon, double lat) {
  HashBits h;
  EncodeLimits(lon, lat, kMaxStep, &h);
  // A longitude of exactly 180 sets bit 53; the conversion then rounds as parsing the
  // decimal integer does in Redis.
  return static_cast<double>(Align52(h));
}

void PositionOf(double score, double* lon, double* lat) {
  Area a;
  DecodeLimits(HashBits{ScoreBits(score), kMaxStep}, &a);
  *lon = std::clamp((a.lon.min + a.lon.max) / 2, kLonMin, kLonMax);
  *lat = std::clamp((a.lat.min + a.lat.max) / 2, kLatMin, kLatMax);
}

Neighbors NeighborsOf(HashBits h) {
  unsigned width = h.step * 2u;
  auto move = [&](int dx, int dy) {
    uint64_t bits = h.bits;
    if (dx != 0) bits = MoveLane(bits, kOddBits, width, dx);
    if (dy != 0) bits = MoveLane(bits, kEvenBits, width, dy);
    return HashBits{bits, h.step};
  };
  Neighbors n;
  n.east = move(1, 0);
  n.west = move(-1, 0);
  n.south = move(0, -1);
  n.north = move(0, 1);
  n.north_west = move(-1, 1);
  n.north_east = move(1, 1);
  n.south_east = move(1, -1);
  n.south_west = move(-1, -1);
  return n;
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon = 0, lat = 0;
  PositionOf(score, &lon, &lat);
  HashBits h;
  Encode({-180, 180}, {-90, 90}, lon, lat, kMaxStep, &h);
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double LatitudeDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(ToRadians(lat2) - ToRadians(lat1));
}

namespace {

// The haversine with the first point's latitude cosine given; Redis's steps, in its order.
double Haversine(double lon1, double lat1, double cos_lat1, double lon2, double lat2) {
  double lon1_r = ToRadians(lon1);
  double lon2_r = ToRadians(lon2);
  double v = std::sin((lon2_r - lon1_r) / 2);
  // Same meridian: the haversine reduces to the latitude difference, computed exactly.
  if (v == 0.0) return LatitudeDistance(lat1, lat2);
  double lat1_r = ToRadians(lat1);
  double lat2_r = ToRadians(lat2);
  double u = std::sin((lat2_r - lat1_r) / 2);
  double a = u * u + cos_lat1 * std::cos(lat2_r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

}  // namespace

double Distance(double lon1, double lat1, double lon2, double lat2) {
  return Haversine(lon1, lat1, std::cos(ToRadians(lat1)), lon2, lat2);
}

Origin OriginAt(double lon, double lat) { return {lon, lat, std::cos(ToRadians(lat))}; }

double DistanceFrom(const Origin& origin, double lon, double lat) {
  return Haversine(origin.lon, origin.lat, origin.cos_lat, lon, lat);
}

}  // namespace cairn::store::geo
