// store/types/zset/geo_order.h — ordering geo search results by distance the way Redis orders
// them, including among equal distances (members at the same position).
//
// Redis sorts all results with the C library's qsort, which in glibc is a stable merge sort:
// equal distances keep the order the search found them in. When COUNT asks for fewer results
// than were found, it sorts only what the first COUNT positions need, with a partial
// three-way-partitioning quicksort (Bentley and McIlroy's "Engineering a Sort Function",
// pruned to the wanted range). That sort is not stable, so which of several equally distant
// members make the cut depends on its exact steps; SortByDistance takes the same steps, so
// the members and their order equal redis-server's.
//
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

#include "store/types/zset/geo_search.h"

namespace cairn::store::geo {

// Orders points by distance_m, ascending or descending. With wanted < points->size(), only
// the first `wanted` positions are guaranteed to hold the nearest (farthest) points in order.
void SortByDistance(std::vector<GeoPoint>* points, bool descending, size_t wanted);

}  // namespace cairn::store::geo
