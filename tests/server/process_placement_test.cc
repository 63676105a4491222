// tests/server/process_placement_test.cc — Redis's CPU list syntax (src/base/cpu_list.h) and
// the transparent-huge-pages rule of disable-thp (src/base/process_tuning.h).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "src/base/cpu_list.h"
#include "src/base/process_tuning.h"

namespace cairn::server {
namespace {

std::vector<int> Cpus(const char* text) {
  cpu_set_t set;
  REQUIRE(ParseCpuList(text, &set));
  std::vector<int> out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) out.push_back(cpu);
  }
  return out;
}

TEST_CASE("CPU lists name single CPUs, ranges and ranges with a step") {
  CHECK(Cpus("3") == std::vector<int>{3});
  CHECK(Cpus("0-7:2") == std::vector<int>{0, 2, 4, 6});
  CHECK(Cpus("1,3,8-9") == std::vector<int>{1, 3, 8, 9});
  CHECK(Cpus("4-4") == std::vector<int>{4});
  CHECK(Cpus("0-5:3,1") == std::vector<int>{0, 1, 3});
  CHECK(Cpus("2-6:10") == std::vector<int>{2});
}

TEST_CASE("CPU lists outside the syntax are refused") {
  cpu_set_t set;
  for (const char* bad : {"", "a", "3-1", "0-4:0", "1-", "1,,2", "1x", ",1", "1,", "-1",
                          "0-3:", "99999", "0-1024", " 1"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseCpuList(bad, &set));
  }
}

std::string ThpEnabledLine() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("THP_enabled:", 0) == 0) return line;
  }
  return "";
}

TEST_CASE("disable-thp turns huge pages off only when the kernel gives them to everyone") {
  CHECK_FALSE(DisableThpIfAlways("always [madvise] never\n"));
  CHECK_FALSE(DisableThpIfAlways("always madvise [never]\n"));
  CHECK_FALSE(DisableThpIfAlways(""));
  if (ThpEnabledLine().empty()) return;  // a kernel that does not report it
  // In a child, so that the other tests keep this process's setting.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    bool turned_off = DisableThpIfAlways("[always] madvise never\n");
    _exit(turned_off && ThpEnabledLine() == "THP_enabled:\t0" ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace cairn::server
