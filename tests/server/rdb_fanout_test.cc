// tests/server/rdb_fanout_test.cc — one streamed RDB build shared by the clients that asked
// before its capture (src/exec/rdb_fanout.h): who may join when, what each member gets, and
// a member that drops out leaving the others their file.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/exec/rdb_fanout.h"
#include "src/exec/rdb_pipe.h"

using cairn::Code;
using cairn::Result;
using cairn::Status;
using cairn::server::RdbFanout;
using cairn::server::RdbFanouts;
using cairn::server::RdbPipe;

namespace {

// A member whose at_cut pushes "head:<mark>" and starts from `offset` (or fails with kBusy).
struct TestMember {
  explicit TestMember(uint64_t offset, bool fails = false)
      : pipe(std::make_shared<RdbPipe>(nullptr, nullptr)) {
    member.pipe = pipe;
    member.at_cut = [this, offset, fails](uint64_t, std::string_view mark) -> Result<uint64_t> {
      if (fails) return Status(Code::kBusy, "the backlog no longer holds it");
      if (!pipe->Push("head:" + std::string(mark))) return Status(Code::kIoError, "gone");
      return offset;
    };
  }
  std::string Taken() {
    std::vector<std::string> pieces;
    pipe->TakeInto(&pieces);
    std::string all;
    for (const std::string& p : pieces) all += p;
    return all;
  }
  std::shared_ptr<RdbPipe> pipe;
  RdbFanout::Member member;
};

}  // namespace

TEST_CASE("clients that join before the cut share the file; one after it starts the next") {
  RdbFanouts fanouts;
  TestMember a(100), b(140), late(0);
  bool leader = false;
  std::shared_ptr<RdbFanout> first = fanouts.Join("+keys", &a.member, &leader);
  CHECK(leader);
  CHECK(fanouts.Join("+keys", &b.member, &leader) == first);
  CHECK_FALSE(leader);
  CHECK(first->members() == 2);

  Result<uint64_t> offset = first->Cut(7, "MARK");
  std::shared_ptr<RdbFanout> next = fanouts.Join("+keys", &late.member, &leader);
  CHECK(next != first);  // it may have begun after the cut: it gets the next file
  CHECK(leader);
  REQUIRE(offset.ok());
  CHECK(*offset == 140);  // the highest a member starts from: the file's repl-offset
  CHECK(first->Push("file").ok());
  first->Finish(Status::Ok());
  CHECK(a.Taken() == "head:MARKfile");
  CHECK(b.Taken() == "head:MARKfile");
  CHECK(a.member.status.ok());
  CHECK(late.Taken().empty());
}

TEST_CASE("kinds of file do not mix") {
  RdbFanouts fanouts;
  TestMember a(1), b(1);
  bool leader = false;
  std::shared_ptr<RdbFanout> keys = fanouts.Join("+keys", &a.member, &leader);
  CHECK(fanouts.Join("-keys", &b.member, &leader) != keys);
  CHECK(leader);
}

TEST_CASE("a member that drops out leaves the others their file; none left ends the build") {
  RdbFanout fanout;
  TestMember failing(5, /*fails=*/true), leaving(5), staying(5);
  REQUIRE(fanout.Join(&failing.member));
  REQUIRE(fanout.Join(&leaving.member));
  REQUIRE(fanout.Join(&staying.member));
  REQUIRE(fanout.Cut(1, "M").ok());
  CHECK(failing.member.status.code() == Code::kBusy);
  leaving.pipe->Cancel();
  CHECK(fanout.Push("piece").ok());
  CHECK_FALSE(leaving.member.status.ok());
  CHECK(staying.Taken() == "head:Mpiece");
  staying.pipe->Cancel();
  CHECK_FALSE(fanout.Push("more").ok());  // no one reads: the build stops
  fanout.Finish(Status(Code::kIoError, "stopped"));
  CHECK(failing.member.status.code() == Code::kBusy);  // its own failure stays
}

TEST_CASE("the leader's wait ends when enough members join, followers when it finishes") {
  RdbFanout fanout;
  TestMember leader(1), follower(1);
  REQUIRE(fanout.Join(&leader.member));
  std::atomic<bool> enough{false};
  std::thread waiting_leader([&] {
    fanout.WaitForMembers(std::chrono::steady_clock::now() + std::chrono::hours(1), 2, nullptr);
    enough = true;
  });
  REQUIRE(fanout.Join(&follower.member));  // the second of two: the leader starts
  waiting_leader.join();
  CHECK(enough.load());
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    fanout.WaitFinished();
    woke = true;
  });
  CHECK_FALSE(woke.load());
  fanout.Finish(Status::Ok());
  waiter.join();
  CHECK(woke.load());
}

TEST_CASE("a client that comes while the capture is taken learns whether it was cut") {
  RdbFanouts fanouts;
  TestMember a(1), b(1), c(1);
  bool leader = false;
  std::shared_ptr<RdbFanout> fanout = fanouts.Join("+keys", &a.member, &leader);
  fanout->Close();
  std::shared_ptr<RdbFanout> b_joined;
  std::thread b_joins([&] {
    bool b_leads = true;
    b_joined = fanouts.Join("+keys", &b.member, &b_leads);
    CHECK_FALSE(b_leads);
  });
  fanout->Reopen();  // the capture was busy: b waits for nothing more
  b_joins.join();
  CHECK(b_joined == fanout);
  fanout->Close();
  std::shared_ptr<RdbFanout> c_joined;
  std::thread c_joins([&] { c_joined = fanouts.Join("+keys", &c.member, &leader); });
  REQUIRE(fanout->Cut(1, "M").ok());  // taken: c may have begun after the cut
  c_joins.join();
  CHECK(c_joined != fanout);
  CHECK(fanout->members() == 2);
}
