// tests/resp/inline_split_test.cc — splitting an inline command line the way redis-cli and
// telnet users type it: spaces, double quotes with escapes, single quotes.
#include "resp/inline_split.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {
namespace {

using Args = std::vector<std::string>;

// The arguments of line, or {"<unbalanced>"} when SplitInline rejects it.
Args Split(std::string_view line) {
  std::string scratch;
  std::vector<std::string_view> views;
  if (!SplitInline(line, &scratch, &views)) return {"<unbalanced>"};
  return Args(views.begin(), views.end());
}

TEST_CASE("words are separated by any run of spaces and tabs") {
  CHECK(Split("SET key value") == Args{"SET", "key", "value"});
  CHECK(Split("  SET \t key    value  ") == Args{"SET", "key", "value"});
}

TEST_CASE("an empty or blank line has no arguments") {
  CHECK(Split("").empty());
  CHECK(Split("   \t ").empty());
}

TEST_CASE("double quotes keep spaces inside one argument") {
  CHECK(Split("SET k \"hello world\"") == Args{"SET", "k", "hello world"});
  CHECK(Split("\"\"") == Args{""});
}

TEST_CASE("double quotes decode backslash escapes") {
  CHECK(Split("\"a\\nb\\rc\\td\\be\\af\"") == Args{"a\nb\rc\td\be\af"});
  CHECK(Split("\"\\\"\\\\\"") == Args{"\"\\"});
  CHECK(Split("\"\\q\"") == Args{"q"});  // an unknown escape is the character itself
}

TEST_CASE("double quotes decode hex escapes in either case") {
  CHECK(Split("\"\\x41\\x6a\\x6A\"") == Args{"Ajj"});
  CHECK(Split("\"\\x00\\xff\"") == Args{std::string("\0\xff", 2)});
}

TEST_CASE("a backslash-x without two hex digits is an ordinary escape") {
  CHECK(Split("\"\\xZZ\"") == Args{"xZZ"});
  CHECK(Split("\"\\x4\"") == Args{"x4"});
}

TEST_CASE("single quotes take everything literally except an escaped single quote") {
  CHECK(Split("'a b\\n'") == Args{"a b\\n"});
  CHECK(Split("'it\\'s'") == Args{"it's"});
  CHECK(Split("'say \"hi\"'") == Args{"say \"hi\""});
}

TEST_CASE("a quoted part joins the unquoted text before it") {
  CHECK(Split("foo\"bar baz\" next") == Args{"foobar baz", "next"});
}

TEST_CASE("a missing closing quote is unbalanced") {
  CHECK(Split("SET k \"abc") == Args{"<unbalanced>"});
  CHECK(Split("SET k 'abc") == Args{"<unbalanced>"});
  CHECK(Split("\"abc\\\"") == Args{"<unbalanced>"});
  CHECK(Split("\"abc\\") == Args{"<unbalanced>"});
}

TEST_CASE("a closing quote followed by a non-space is unbalanced") {
  CHECK(Split("\"a\"b") == Args{"<unbalanced>"});
  CHECK(Split("'a'b") == Args{"<unbalanced>"});
  CHECK(Split("\"a\" b") == Args{"a", "b"});
}

TEST_CASE("the argument views stay valid for a long line with many arguments") {
  std::string line;
  Args expected;
  for (int i = 0; i < 500; ++i) {
    std::string word = "w" + std::to_string(i);
    line += (i % 2 ? "\"" + word + "\" " : word + " ");
    expected.push_back(word);
  }
  CHECK(Split(line) == expected);
}

TEST_CASE("scratch is reused: a second split replaces the first one's arguments") {
  std::string scratch;
  std::vector<std::string_view> views;
  REQUIRE(SplitInline("a b c", &scratch, &views));
  REQUIRE(SplitInline("\"x y\"", &scratch, &views));
  CHECK(Args(views.begin(), views.end()) == Args{"x y"});
}

}  // namespace
}  // namespace cairn::resp
