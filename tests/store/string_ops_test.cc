// tests/store/string_ops_test.cc — the string family's store operations (string_ops.h) and
// the typed lookup every family shares (typed.h): what each op returns and leaves behind,
// WRONGTYPE without a change, the size limits, and that the effects they log replay into
// the same keys, values and expiries.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/effects.h"
#include "store/store.h"
#include "store/typed.h"
#include "store/types/hash/hash.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/string/string_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::RecordingJournal;

constexpr int64_t kHourMs = 3600 * 1000;

template <class Op>
auto On(Store& s, std::string_view key, Op op) {
  return s.Access(0, key, [&](KeyHandle& h) { return op(h); });
}

void MakeHash(Store& s, std::string_view key) {
  std::string_view pair[] = {"f", "v"};
  CHECK(On(s, key, [&](KeyHandle& h) { return HashSetFields(h, pair); }).ok());
}

std::string Text(const BufRef& b) { return std::string(b.view()); }

TEST_CASE("the typed lookup gives the value, nullptr for a missing key, WRONGTYPE otherwise") {
  Store s;
  testing::Set(s, "str", "abc");
  MakeHash(s, "hash");
  On(s, "str", [](KeyHandle& h) {
    Result<const BufRef*> str = FindAs<BufRef>(h);
    REQUIRE(str.ok());
    CHECK(Text(**str) == "abc");
    CHECK(FindAs<HashObject>(h).status().code() == Code::kWrongType);
    return 0;
  });
  On(s, "hash", [](KeyHandle& h) {
    Result<const HashObject*> hash = FindAs<HashObject>(h);
    REQUIRE(hash.ok());
    CHECK((*hash)->size() == 1);
    CHECK(FindEntryAs<BufRef>(h).status().code() == Code::kWrongType);
    CHECK(PeekAs<BufRef>(h).status().code() == Code::kWrongType);
    return 0;
  });
  On(s, "none", [](KeyHandle& h) {
    Result<const HashObject*> hash = FindAs<HashObject>(h);
    CHECK((hash.ok() && *hash == nullptr));
    Result<Entry*> e = FindEntryAs<BufRef>(h);
    CHECK((e.ok() && *e == nullptr));
    return 0;
  });
}

TEST_CASE("SET honours NX, XX and GET, and an expiry in the past deletes the key") {
  Store s;
  auto set = [&](std::string_view value, StringSetOptions o) {
    return On(s, "k", [&](KeyHandle& h) { return testing::SetBytes(h, value, o); });
  };
  Result<StringSetResult> r = set("a", {0, SetCondition::kIfExists, false});
  CHECK((r.ok() && !r->done));
  CHECK_FALSE(Get(s, "k").has_value());
  r = set("a", {0, SetCondition::kIfMissing, true});
  CHECK((r.ok() && r->done && !r->old));
  r = set("b", {0, SetCondition::kIfMissing, true});
  CHECK((r.ok() && !r->done && Text(r->old) == "a"));
  int64_t later = s.NowMs() + kHourMs;
  r = set("c", {later, SetCondition::kIfExists, false});
  CHECK((r.ok() && r->done));
  CHECK(ExpireAt(s, "k") == later);
  r = set("d", {kKeepTtl, SetCondition::kAlways, true});
  CHECK((r.ok() && Text(r->old) == "c"));
  CHECK(ExpireAt(s, "k") == later);
  r = set("e", {s.NowMs() - 1, SetCondition::kAlways, false});
  CHECK((r.ok() && r->done));
  CHECK_FALSE(Get(s, "k").has_value());
}

TEST_CASE("SET GET on another type is WRONGTYPE and changes nothing; plain SET replaces it") {
  Store s;
  MakeHash(s, "h");
  Result<StringSetResult> r = On(s, "h", [](KeyHandle& h) {
    return testing::SetBytes(h, "x", {0, SetCondition::kAlways, true});
  });
  CHECK(r.status().code() == Code::kWrongType);
  CHECK(On(s, "h", [](KeyHandle& h) { return FindAs<HashObject>(h).ok(); }));
  r = On(s, "h", [](KeyHandle& h) { return testing::SetBytes(h, "x", {}); });
  CHECK((r.ok() && r->done));
  CHECK(Get(s, "h") == "x");
}

TEST_CASE("GETDEL and GETEX return the value and then delete it or change its expiry") {
  Store s;
  testing::Set(s, "k", "v", s.NowMs() + kHourMs);
  Result<BufRef> v = On(s, "k", [](KeyHandle& h) { return StringGetEx(h, kKeepTtl); });
  CHECK((v.ok() && Text(*v) == "v"));
  CHECK(ExpireAt(s, "k") > 0);
  v = On(s, "k", [](KeyHandle& h) { return StringGetEx(h, 0); });
  CHECK(ExpireAt(s, "k") == 0);
  int64_t at = s.NowMs() + 2 * kHourMs;
  v = On(s, "k", [&](KeyHandle& h) { return StringGetEx(h, at); });
  CHECK(ExpireAt(s, "k") == at);
  v = On(s, "k", [&](KeyHandle& h) { return StringGetEx(h, s.NowMs() - 1); });
  CHECK((v.ok() && Text(*v) == "v"));
  CHECK_FALSE(Get(s, "k").has_value());
  testing::Set(s, "k", "w");
  v = On(s, "k", [](KeyHandle& h) { return StringGetDel(h); });
  CHECK((v.ok() && Text(*v) == "w"));
  v = On(s, "k", [](KeyHandle& h) { return StringGetDel(h); });
  CHECK((v.ok() && !*v));
  MakeHash(s, "h");
  CHECK(On(s, "h", [](KeyHandle& h) { return StringGetDel(h); }).status().code() ==
        Code::kWrongType);
  CHECK(On(s, "h", [](KeyHandle& h) { return FindAs<HashObject>(h).ok(); }));
}

TEST_CASE("APPEND and SETRANGE report the new length and refuse to pass the size limit") {
  Store s;
  auto append = [&](std::string_view tail, uint64_t max) {
    return On(s, "k", [&](KeyHandle& h) { return StringAppend(h, tail, max); });
  };
  Result<size_t> n = append("abc", 100);
  CHECK((n.ok() && *n == 3));
  n = append("de", 5);
  CHECK((n.ok() && *n == 5));
  CHECK(append("f", 5).status().code() == Code::kTooLarge);
  CHECK(Get(s, "k") == "abcde");
  auto setrange = [&](std::string_view key, uint64_t offset, std::string_view patch) {
    return On(s, key, [&](KeyHandle& h) { return StringSetRange(h, offset, patch, 10); });
  };
  n = setrange("k", 7, "xy");
  CHECK((n.ok() && *n == 9));
  CHECK(Get(s, "k") == std::string("abcde\0\0xy", 9));
  CHECK(setrange("k", 9, "zz").status().code() == Code::kTooLarge);
  n = setrange("missing", 3, "");
  CHECK((n.ok() && *n == 0));
  CHECK_FALSE(Get(s, "missing").has_value());
}

TEST_CASE("GETRANGE clamps its indexes into the string as Redis 7.0 does") {
  Store s;
  testing::Set(s, "k", "Hello World");
  auto range = [&](std::string_view key, int64_t start, int64_t end) {
    Result<StringSlice> r =
        On(s, key, [&](KeyHandle& h) { return StringGetRange(h, start, end); });
    REQUIRE(r.ok());
    return std::string(r->bytes);
  };
  CHECK(range("k", 0, 4) == "Hello");
  CHECK(range("k", -5, -1) == "World");
  CHECK(range("k", 6, 1000) == "World");
  CHECK(range("k", -1, -5) == "");
  CHECK(range("k", 5, 3) == "");
  CHECK(range("missing", 0, -1) == "");
}

TEST_CASE("an update keeps the TTL; a failed one changes nothing") {
  Store s;
  int64_t at = s.NowMs() + kHourMs;
  testing::Set(s, "k", "41", at);
  auto plus_one = [](const BufRef* current) -> Result<BufRef> {
    if (current == nullptr) return BufRef::Copy("1");
    if (Text(*current) == "41") return BufRef::Copy("42");
    return Code::kNotInteger;
  };
  Result<BufRef> r = On(s, "k", [&](KeyHandle& h) { return StringUpdate(h, plus_one); });
  CHECK((r.ok() && Text(*r) == "42"));
  CHECK(Get(s, "k") == "42");
  CHECK(ExpireAt(s, "k") == at);
  r = On(s, "k", [&](KeyHandle& h) { return StringUpdate(h, plus_one); });
  CHECK(r.status().code() == Code::kNotInteger);
  CHECK(Get(s, "k") == "42");
  r = On(s, "new", [&](KeyHandle& h) { return StringUpdate(h, plus_one); });
  CHECK(Get(s, "new") == "1");
  MakeHash(s, "h");
  r = On(s, "h", [&](KeyHandle& h) { return StringUpdate(h, plus_one); });
  CHECK(r.status().code() == Code::kWrongType);
}

// As the counters use it: the new text written into the scratch space.
const auto AddOne = [](const BufRef* current, char* scratch) -> Result<std::string_view> {
  int64_t n = 0;
  if (current != nullptr) {
    std::string text(current->view());
    char* end = nullptr;
    n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') return Code::kNotInteger;
  }
  return std::string_view(scratch, std::snprintf(scratch, kStringRewriteScratch, "%lld",
                                                 static_cast<long long>(n + 1)));
};

const Entry* EntryOf(Store& s, std::string_view key) {
  return On(s, key, [](KeyHandle& h) { return static_cast<const Entry*>(h.Peek()); });
}

TEST_CASE("a rewrite changes the bytes in its entry unless a reader holds them") {
  Store s;
  int64_t at = s.NowMs() + kHourMs;
  testing::Set(s, "k", "20000", at);
  const Entry* entry = EntryOf(s, "k");
  auto incr = [&](std::string_view key) {
    return On(s, key, [&](KeyHandle& h) { return StringRewrite(h, AddOne); });
  };
  CHECK(incr("k").ok());
  CHECK(Get(s, "k") == "20001");
  CHECK(EntryOf(s, "k") == entry);  // in place: the key kept its entry (DEBUG OBJECT's at:)
  CHECK(ExpireAt(s, "k") == at);

  BufRef reader = On(s, "k", [](KeyHandle& h) { return h.Find()->value.str; });  // a GET
  CHECK(incr("k").ok());
  CHECK(Get(s, "k") == "20002");
  CHECK(Text(reader) == "20001");  // the reader's bytes stay as they were
  CHECK(ExpireAt(s, "k") == at);

  testing::Set(s, "grows", "99999999", 0);  // the new text needs more room than the old had
  CHECK(incr("grows").ok());
  CHECK(Get(s, "grows") == "100000000");
  CHECK(incr("new").ok());
  CHECK(Get(s, "new") == "1");
  testing::Set(s, "text", "abc", 0);
  CHECK(incr("text").code() == Code::kNotInteger);
  CHECK(Get(s, "text") == "abc");
  MakeHash(s, "h");
  CHECK(incr("h").code() == Code::kWrongType);
}

TEST_CASE("MSETNX sets nothing when one key exists; MGET skips other types") {
  Store s;
  testing::Set(s, "b", "old");
  MakeHash(s, "h");
  std::vector<KeyRef> keys = {{0, "a"}, {0, "b"}, {0, "h"}};
  auto mset = [&](bool nx) {
    std::vector<NewString> values;
    values.emplace_back("a", "1");
    values.emplace_back("b", "2");
    values.emplace_back("h", "3");
    return s.AccessMany(keys, [&](std::span<KeyHandle> hs) {
      return StringSetMany(hs, values, nx);
    });
  };
  std::vector<BufRef> got(3);
  s.AccessMany(keys, [&](std::span<KeyHandle> hs) { StringGetMany(hs, got); });
  CHECK((!got[0] && Text(got[1]) == "old" && !got[2]));
  CHECK_FALSE(mset(true));
  CHECK_FALSE(Get(s, "a").has_value());
  CHECK(mset(false));
  CHECK((Get(s, "a") == "1" && Get(s, "b") == "2" && Get(s, "h") == "3"));
}

// Every key's value and expiry, for comparing a live store with its replay.
std::map<std::string, std::pair<std::string, int64_t>> Contents(Store& s) {
  std::map<std::string, std::pair<std::string, int64_t>> out;
  s.ForEach(0, [&](const Entry& e) {
    out[std::string(e.key())] = {std::string(e.value.str.view()), e.expire_at_ms};
  });
  return out;
}

TEST_CASE("the string ops' logged effects replay into the same keys, values and expiries") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  int64_t at = live.NowMs() + kHourMs;
  auto on = [&](std::string_view key, auto op) { return On(live, key, op); };
  auto digits = [](const BufRef* c) -> Result<BufRef> {
    return BufRef::Copy(c == nullptr ? "0" : std::string(c->view()) + "0");
  };
  (void)on("s", [&](KeyHandle& h) { return testing::SetBytes(h, "v", {at}); });
  (void)on("s", [&](KeyHandle& h) {
    return testing::SetBytes(h, "w", {kKeepTtl, SetCondition::kIfExists, true});
  });
  (void)on("nx", [&](KeyHandle& h) {
    return testing::SetBytes(h, "once", {0, SetCondition::kIfMissing, false});
  });
  (void)on("a", [](KeyHandle& h) { return StringAppend(h, "abc", 100); });
  (void)on("a", [](KeyHandle& h) { return StringAppend(h, "def", 100); });
  (void)on("r", [](KeyHandle& h) { return StringSetRange(h, 4, "xy", 100); });
  (void)on("r", [](KeyHandle& h) { return StringSetRange(h, 0, "ab", 100); });
  (void)on("n", [&](KeyHandle& h) { return StringUpdate(h, digits); });
  (void)on("n", [&](KeyHandle& h) { return testing::SetBytes(h, "1", {at}); });
  (void)on("n", [&](KeyHandle& h) { return StringUpdate(h, digits); });
  (void)on("c", [&](KeyHandle& h) { return testing::SetBytes(h, "41", {at}); });
  (void)on("c", [&](KeyHandle& h) { return StringRewrite(h, AddOne); });  // in place
  (void)on("c2", [&](KeyHandle& h) { return StringRewrite(h, AddOne); });  // a new key
  (void)on("ex", [&](KeyHandle& h) { return testing::SetBytes(h, "e", {at}); });
  (void)on("ex", [](KeyHandle& h) { return StringGetEx(h, 0); });
  (void)on("gone", [&](KeyHandle& h) { return testing::SetBytes(h, "g", {}); });
  (void)on("gone", [](KeyHandle& h) { return StringGetDel(h); });
  std::vector<KeyRef> keys = {{0, "m1"}, {0, "m2"}};
  std::vector<NewString> values;
  values.emplace_back("m1", "x");
  values.emplace_back("m2", std::string(300, 'y'));
  live.AccessMany(keys, [&](std::span<KeyHandle> hs) { StringSetMany(hs, values, true); });

  Store replayed;
  for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  CHECK(Contents(replayed) == Contents(live));
  CHECK(Get(replayed, "s") == "w");
  CHECK(ExpireAt(replayed, "s") == at);
  CHECK(Get(replayed, "a") == "abcdef");
  CHECK(Get(replayed, "r") == std::string("ab\0\0xy", 6));
  CHECK(Get(replayed, "n") == "10");
  CHECK(ExpireAt(replayed, "n") == at);
  CHECK(Get(replayed, "c") == "42");
  CHECK(ExpireAt(replayed, "c") == at);
  CHECK(Get(replayed, "c2") == "1");
  CHECK(ExpireAt(replayed, "ex") == 0);
  CHECK_FALSE(Get(replayed, "gone").has_value());
  CHECK(Get(replayed, "m2") == std::string(300, 'y'));
}

}  // namespace
}  // namespace cairn::store
