// tests/server/string_commands_test.cc — the string family, in-process.
#include <doctest/doctest.h>

#include "tests/server/harness.h"

using cairn::test::InProcess;

TEST_CASE("GET of a missing key replies nil") {
  InProcess t;
  CHECK(t.Cmd("GET nosuch") == "(nil)");
}
