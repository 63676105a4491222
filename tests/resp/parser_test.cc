#include <doctest/doctest.h>
#include "resp/parser.h"
TEST_CASE("parser builds") { cairn::resp::Parser p; CHECK(p.Parse("PING\r\n") == cairn::resp::ParseStatus::kCommand); }
