// tests/server/failing_wal.h — a real group-commit WAL for an InProcess server, on a disk
// that can be made to fail (every write and sync gets ENOSPC) and recover, so MISCONF and
// what happens around it can be tested without a socket.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/durability/group_commit.h"
#include "store/durability/log_file.h"
#include "tests/server/harness.h"
#include "tests/support/temp_dir.h"

namespace cairn::test {

class FailingWal {
 public:
  // Installs the log as s's WAL and its store's journal; declare it after s.
  explicit FailingWal(InProcess& s) : s_(s) {
    store::GroupCommitOptions o;
    o.wal.dir = dir_.path();
    o.wal.open = [this](const std::string& path) -> Result<std::unique_ptr<store::LogFile>> {
      Result<std::unique_ptr<store::LogFile>> f = store::OpenWalSegmentFile(path);
      if (!f.ok()) return f;
      return std::unique_ptr<store::LogFile>(
          std::make_unique<File>(std::move(f).value(), &failing_));
    };
    o.retry_interval_ms = 5;
    // The text MISCONF carries, as the server's durability layer keeps it.
    o.on_error = [&state = s.state()](const Status& st) {
      std::lock_guard lock(state.wal_error_mu);
      state.wal_error = st.ok() ? "" : std::strerror(st.sys_errno());
    };
    wal_ = std::make_unique<store::GroupCommit>(std::move(o), 1);
    wal_->Start();
    s_.store().set_journal(wal_.get());
    s_.state().wal = wal_.get();
  }
  ~FailingWal() {
    s_.state().wal = nullptr;
    s_.store().set_journal(nullptr);
    failing_ = false;
    (void)wal_->Stop();
  }

  // Makes the disk fail and waits until the log has noticed, which takes a write: it sets
  // the key "wal-probe".
  void Fail() {
    failing_ = true;
    s_.Cmd("SET wal-probe 1");
    REQUIRE(WaitFor(true));
  }
  // Lets the disk work again and waits until the log has written what was held.
  void Recover() {
    failing_ = false;
    REQUIRE(WaitFor(false));
  }

 private:
  class File final : public store::LogFile {
   public:
    File(std::unique_ptr<store::LogFile> inner, const std::atomic<bool>* failing)
        : inner_(std::move(inner)), failing_(failing) {}
    Status Append(std::string_view data) override {
      return failing_->load() ? Status::IoError(ENOSPC, "write") : inner_->Append(data);
    }
    Status Sync() override {
      return failing_->load() ? Status::IoError(ENOSPC, "fdatasync") : inner_->Sync();
    }
    Status Truncate(uint64_t size) override { return inner_->Truncate(size); }
    uint64_t size() const override { return inner_->size(); }

   private:
    std::unique_ptr<store::LogFile> inner_;
    const std::atomic<bool>* failing_;
  };

  bool WaitFor(bool failed) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (wal_->failed() != failed || (!failed && wal_->durable_lsn() < wal_->last_lsn())) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  InProcess& s_;
  TempDir dir_;
  std::atomic<bool> failing_{false};
  std::unique_ptr<store::GroupCommit> wal_;
};

}  // namespace cairn::test
