// tests/server/command_table_test.cc — the registry finds every command by its name in any
// case, and nothing else.
#include "src/exec/command_table.h"

#include <doctest/doctest.h>

#include <string>

namespace cairn::server {
namespace {

std::string Spelt(std::string_view name, bool upper_first_only) {
  std::string s(name);
  for (size_t i = 0; i < s.size(); ++i) {
    if ((i == 0 || !upper_first_only) && s[i] >= 'a' && s[i] <= 'z') s[i] -= 32;
  }
  return s;
}

TEST_CASE("every command is found by its name in any case") {
  CommandTable table;
  REQUIRE(table.all().size() > 200);
  for (const CommandSpec& spec : table.all()) {
    CHECK(table.Find(spec.name) == &spec);
    CHECK(table.Find(Spelt(spec.name, false)) == &spec);
    CHECK(table.Find(Spelt(spec.name, true)) == &spec);
  }
}

TEST_CASE("names that are not commands are not found") {
  CommandTable table;
  CHECK(table.Find("") == nullptr);
  CHECK(table.Find("ge") == nullptr);
  CHECK(table.Find("gett") == nullptr);
  CHECK(table.Find("get ") == nullptr);
  CHECK(table.Find("client|list") == nullptr);  // a subcommand, not a command
  CHECK(table.Find(std::string("get\0", 4)) == nullptr);
  CHECK(table.Find("G\xc5T") == nullptr);
  CHECK(table.Find(std::string(1000, 'a')) == nullptr);
  for (int c = 0; c < 256; ++c) CHECK(table.Find(std::string(1, static_cast<char>(c))) == nullptr);
}

TEST_CASE("subcommands and parent|sub names") {
  CommandTable table;
  const CommandSpec* client = table.Find("CLIENT");
  REQUIRE(client != nullptr);
  const CommandSpec* list = CommandTable::FindSub(*client, "LiSt");
  REQUIRE(list != nullptr);
  CHECK(table.FindFull("client|list") == list);
  CHECK(table.FindFull("Client|List") == list);
  CHECK(table.FindFull("client|nosuch") == nullptr);
}

// The pipeline prefetch reads the argument element_index names as a field or member of the
// command's first key: it must be an argument after that key in every call the arity allows.
TEST_CASE("an element position names an argument after the first key in every call") {
  CommandTable table;
  size_t with_element = 0;
  for (const CommandSpec& spec : table.all()) {
    if (spec.element_index == 0) continue;
    ++with_element;
    CAPTURE(spec.name);
    CHECK(spec.first_key == 1);
    size_t min_argc = static_cast<size_t>(spec.arity < 0 ? -spec.arity : spec.arity);
    if (spec.element_index > 0) {
      CHECK(static_cast<size_t>(spec.element_index) > 1);
      CHECK(static_cast<size_t>(spec.element_index) < min_argc);
    } else {
      CHECK(static_cast<size_t>(-spec.element_index) + 1 < min_argc);
    }
  }
  CHECK(with_element >= 20);  // hash, set, sorted set and geo lookups of one element
}

}  // namespace
}  // namespace cairn::server
