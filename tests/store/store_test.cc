#include <doctest/doctest.h>
#include "store/store.h"
TEST_CASE("store builds") { cairn::store::Store s; CHECK(s.Stats(0).keys == 0); }
