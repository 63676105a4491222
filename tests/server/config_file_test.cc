// tests/server/config_file_test.cc — values written by QuoteConfigValue / ConfigWord read
// back byte for byte through SplitConfigLine, and never split a line.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "src/base/config.h"
#include "src/base/config_file.h"

namespace server = cairn::server;

TEST_CASE("a quoted value escapes as Redis writes it") {
  CHECK(server::QuoteConfigValue("") == "\"\"");
  CHECK(server::QuoteConfigValue("a b") == "\"a b\"");
  CHECK(server::QuoteConfigValue("q\"\\") == "\"q\\\"\\\\\"");
  CHECK(server::QuoteConfigValue("\n\r\t\a\b") == "\"\\n\\r\\t\\a\\b\"");
  CHECK(server::QuoteConfigValue(std::string("\xff\x01\0", 3)) == "\"\\xff\\x01\\x00\"");
}

TEST_CASE("every byte value reads back as written, in one word, on one line") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const std::string& v : {all, std::string("x\nbind 0.0.0.0"), std::string("'"),
                               std::string("\"a\" b")}) {
    for (const std::string& written : {server::QuoteConfigValue(v), server::ConfigWord(v)}) {
      CHECK(written.find('\n') == std::string::npos);
      std::vector<std::string> words;
      REQUIRE(server::SplitConfigLine("name " + written, &words));
      REQUIRE(words.size() == 2);
      CHECK(words[1] == v);
    }
  }
}

TEST_CASE("a plain word is written bare") {
  CHECK(server::ConfigWord("127.0.0.1") == "127.0.0.1");
  CHECK(server::ConfigWord("a b") == "\"a b\"");
  CHECK(server::ConfigWord("") == "\"\"");
}
