// tests/server/client_peaks_test.cc — the recent peaks of client buffers (INFO clients'
// client_recent_max_*): remembered for 8 seconds, forgotten after, even across seconds in
// which no cron ran.
#include "src/exec/client_peaks.h"

#include <doctest/doctest.h>

namespace cairn::server {
namespace {

TEST_CASE("a client buffer peak shows for the next seconds and is then forgotten") {
  ClientPeaks peaks;
  peaks.Advance(100);
  peaks.Note(5000, 70);
  peaks.Note(300, 900);
  for (int64_t s = 101; s <= 106; ++s) {
    peaks.Advance(s);
    peaks.Note(10, 10);
    CHECK(peaks.MaxInput() == 5000);
    CHECK(peaks.MaxOutput() == 900);
  }
  peaks.Advance(107);  // second 100's slot comes next: emptied ahead of its reuse
  CHECK(peaks.MaxInput() == 10);
  CHECK(peaks.MaxOutput() == 10);
}

TEST_CASE("seconds without a cron do not keep an old peak past 8 seconds") {
  ClientPeaks peaks;
  peaks.Advance(100);
  peaks.Note(5000, 5000);
  peaks.Advance(103);  // crons late: 101 and 102 never current
  CHECK(peaks.MaxInput() == 5000);
  peaks.Advance(109);
  CHECK(peaks.MaxInput() == 0);
  peaks.Note(7, 8);
  peaks.Advance(109);  // a second cron in the same second changes nothing
  CHECK(peaks.MaxInput() == 7);
  CHECK(peaks.MaxOutput() == 8);
}

}  // namespace
}  // namespace cairn::server
