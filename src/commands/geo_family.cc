// src/commands/geo_family.cc — argument parsing and reply shapes shared by the geo command
// files (see geo_family.h).
#include "src/commands/geo_family.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "resp/number.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "store/types/zset/geohash.h"

namespace cairn::server {

bool ParseLonLat(std::string_view lon_arg, std::string_view lat_arg, double* lon, double* lat,
                 std::string* error) {
  if (!resp::ParseDouble(lon_arg, lon) || !resp::ParseDouble(lat_arg, lat)) {
    *error = errors::kNotFloat;
    return false;
  }
  if (store::geo::ValidLonLat(*lon, *lat)) return true;
  char pair[2 * 400];  // "%f" of the largest double is about 320 characters
  std::snprintf(pair, sizeof(pair), "%f,%f", *lon, *lat);
  *error = std::string(errors::kGeoInvalidPair) + pair;
  return false;
}

bool ParseGeoUnit(std::string_view arg, double* to_meters) {
  if (EqualsIgnoreCase(arg, "m")) {
    *to_meters = 1;
  } else if (EqualsIgnoreCase(arg, "km")) {
    *to_meters = 1000;
  } else if (EqualsIgnoreCase(arg, "ft")) {
    *to_meters = 0.3048;
  } else if (EqualsIgnoreCase(arg, "mi")) {
    *to_meters = 1609.34;
  } else {
    return false;
  }
  return true;
}

void WriteGeoDistance(resp::Writer& w, double distance) {
  // Rounded to 1/10000 of the unit in the current rounding mode (to nearest, ties to even),
  // then printed as a fixed-point number.
  long long scaled = std::llrint(distance * 10000.0);
  unsigned long long magnitude =
      scaled < 0 ? 0ULL - static_cast<unsigned long long>(scaled) : scaled;
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%s%llu.%04llu", scaled < 0 ? "-" : "",
                        magnitude / 10000, magnitude % 10000);
  w.WriteBulk(std::string_view(buf, static_cast<size_t>(n)));
}

void WriteGeoCoordinate(resp::Writer& w, double value) {
  char buf[resp::kMaxLongDoubleChars];
  std::string_view text(buf, resp::FormatLongDouble(value, buf));
  if (w.protocol() < 3) return w.WriteBulk(text);
  w.WriteRaw(",");
  w.WriteRaw(text);
  w.WriteRaw("\r\n");
}

}  // namespace cairn::server
