// tests/server/rdb_pipe_test.cc — the pipe a streamed full sync's RDB goes through
// (src/exec/rdb_pipe.h): the writer waits for the reader past a window, the reader is woken
// once per burst, and a reader that goes stops the writer without registering anything.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "src/exec/rdb_pipe.h"

using cairn::server::RdbPipe;

namespace {

// Waits (up to five seconds) for done to become true.
bool Eventually(const std::atomic<bool>& done) {
  for (int i = 0; i < 500 && !done.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done.load();
}

const std::string kPiece(RdbPipe::kWindowBytes / 4, 'x');

}  // namespace

TEST_CASE("pieces arrive in order, and the reader is woken once per burst") {
  int wakes = 0;
  RdbPipe pipe([&] { ++wakes; }, nullptr);
  CHECK_FALSE(pipe.started());
  CHECK(pipe.Push("REDIS"));
  CHECK(pipe.Push("0010"));
  CHECK(wakes == 1);  // the second push found the first still there
  std::vector<std::string> out;
  CHECK(pipe.TakeInto(&out) == 9);
  CHECK(out == std::vector<std::string>{"REDIS", "0010"});
  CHECK(pipe.Push("tail"));
  CHECK(wakes == 2);  // empty again: the next push wakes the reader
  CHECK(pipe.started());
  CHECK(pipe.pushed() == 13);
}

TEST_CASE("a full window holds the writer until the reader takes") {
  RdbPipe pipe(nullptr, nullptr);
  for (int i = 0; i < 4; ++i) REQUIRE(pipe.Push(kPiece));
  std::atomic<bool> pushed{false};
  std::thread writer([&] {
    CHECK(pipe.Push(kPiece));
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(pushed.load());  // four pieces wait: the fifth may not join them
  std::vector<std::string> out;
  CHECK(pipe.TakeInto(&out) == RdbPipe::kWindowBytes);
  CHECK(Eventually(pushed));
  writer.join();
  out.clear();
  CHECK(pipe.TakeInto(&out) == kPiece.size());
}

TEST_CASE("a reader that goes stops a waiting writer, and nothing registers after it") {
  RdbPipe pipe(nullptr, nullptr);
  for (int i = 0; i < 4; ++i) REQUIRE(pipe.Push(kPiece));
  std::atomic<bool> failed{false};
  std::thread writer([&] { failed = !pipe.Push(kPiece); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pipe.Cancel();
  CHECK(Eventually(failed));
  writer.join();
  CHECK_FALSE(pipe.Push("more"));
  bool ran = false;
  CHECK_FALSE(pipe.RunUnlessCancelled([&] { ran = true; }));
  CHECK_FALSE(ran);
  std::vector<std::string> out;
  CHECK(pipe.TakeInto(&out) == 0);  // what was queued is dropped with the reader
}

TEST_CASE("registration runs while the reader is there") {
  RdbPipe pipe(nullptr, nullptr);
  bool ran = false;
  CHECK(pipe.RunUnlessCancelled([&] { ran = true; }));
  CHECK(ran);
  pipe.set_cut_lsn(42);
  CHECK(pipe.cut_lsn() == 42);
}

TEST_CASE("a reader that makes no progress for the stall limit fails the writer's push") {
  RdbPipe pipe(nullptr, nullptr, std::chrono::milliseconds(1000));
  std::atomic<bool> failed{false};
  std::thread writer([&] {  // pushes until a push fails
    while (pipe.Push(kPiece)) {
    }
    failed = true;
  });
  // A take after 300 ms, then progress on the socket only: each restarts the stall.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::string> out;
  CHECK(pipe.TakeInto(&out) > 0);
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pipe.NoteProgress();
  }
  CHECK_FALSE(failed.load());  // 1.5 s in, never 1 s without progress
  CHECK(Eventually(failed));   // then nothing for a second
  writer.join();
  CHECK(pipe.timed_out());
}

TEST_CASE("a stop (the server shutting down) ends a writer no reader frees") {
  std::atomic<bool> stop{false};
  RdbPipe pipe(nullptr, [&] { return stop.load(); });
  for (int i = 0; i < 4; ++i) REQUIRE(pipe.Push(kPiece));
  std::atomic<bool> failed{false};
  std::thread writer([&] { failed = !pipe.Push(kPiece); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(failed.load());
  stop = true;
  CHECK(Eventually(failed));
  writer.join();
}
