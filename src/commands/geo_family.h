// src/commands/geo_family.h — what the geo command files share: the coordinate, distance and
// unit arguments (with Redis's error texts) and the reply shapes of distances and
// coordinates. Internal to src/commands/.
//
// The parsers report a failure as error text instead of replying, so a search can parse its
// arguments once without a reply to learn its keys (geo_search_commands.cc).
#pragma once

#include <string>
#include <string_view>

#include "resp/writer.h"

namespace cairn::server {

class CommandTable;

// lon_arg, lat_arg as a valid position; otherwise false and *error is the reply text (not a
// float, or "invalid longitude,latitude pair lon,lat").
[[nodiscard]] bool ParseLonLat(std::string_view lon_arg, std::string_view lat_arg, double* lon,
                               double* lat, std::string* error);
// M, KM, FT, MI (any case) as meters per unit; false for anything else.
[[nodiscard]] bool ParseGeoUnit(std::string_view arg, double* to_meters);

// A distance as Redis prints it: a bulk string with exactly four decimals ("0.7750"), in
// RESP2 and RESP3 alike.
void WriteGeoDistance(resp::Writer& w, double distance);
// A coordinate with up to 17 decimals, trailing zeros cut ("13.36138933897018433"): a bulk
// string in RESP2, a double in RESP3.
void WriteGeoCoordinate(resp::Writer& w, double value);

// Registration of GEORADIUS*, GEOSEARCH and GEOSEARCHSTORE (geo_search_commands.cc);
// geo_commands.cc registers the rest and calls it.
void RegisterGeoSearchCommands(CommandTable& table);

}  // namespace cairn::server
