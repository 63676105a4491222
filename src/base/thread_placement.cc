// src/base/thread_placement.cc — see thread_placement.h.
#include "src/base/thread_placement.h"

#include <pthread.h>
#include <sched.h>

#include <array>
#include <cstring>

#include "src/base/cpu_list.h"

namespace cairn::server {
namespace {

constexpr size_t kRoles = 4;

struct Placement {
  bool pins = false;  // some list is configured
  std::array<cpu_set_t, kRoles> cpus;
};

Placement& placement() {
  static Placement p;
  return p;
}

size_t Index(ThreadRole role) { return static_cast<size_t>(role); }

}  // namespace

std::vector<std::string> ConfigureThreadPlacement(const CpuLists& lists) {
  std::vector<std::string> warnings;
  Placement& p = placement();
  cpu_set_t started;
  if (sched_getaffinity(0, sizeof(started), &started) != 0) CPU_ZERO(&started);
  // A role's CPUs: its list, or the list it falls back to, or the starting set.
  auto resolve = [&](const std::string& list, const char* name, const cpu_set_t& fallback,
                     cpu_set_t* out) {
    *out = fallback;
    if (list.empty()) return;
    cpu_set_t parsed, usable;
    if (!ParseCpuList(list, &parsed)) {
      warnings.push_back(std::string("invalid ") + name + " '" + list + "' ignored");
      return;
    }
    // The kernel would refuse it (Redis then leaves the thread where it was, silently).
    CPU_AND(&usable, &parsed, &started);
    if (CPU_COUNT(&usable) == 0) {
      warnings.push_back(std::string(name) + " '" + list +
                         "' names no CPU this process may use; ignored");
      return;
    }
    *out = parsed;
    p.pins = true;
  };
  cpu_set_t& server = p.cpus[Index(ThreadRole::kServer)];
  resolve(lists.server, "server_cpulist", started, &server);
  resolve(lists.background, "bio_cpulist", started, &p.cpus[Index(ThreadRole::kBackground)]);
  resolve(lists.save, "bgsave_cpulist", server, &p.cpus[Index(ThreadRole::kSave)]);
  resolve(lists.rewrite, "aof_rewrite_cpulist", server, &p.cpus[Index(ThreadRole::kRewrite)]);
  return warnings;
}

void PlaceThisThread(ThreadRole role, const char* name) {
  char title[16];  // the kernel keeps 15 characters
  std::strncpy(title, name, sizeof(title) - 1);
  title[sizeof(title) - 1] = '\0';
  pthread_setname_np(pthread_self(), title);
  const Placement& p = placement();
  // Every list kept names a CPU the process may use, so the kernel takes it.
  if (p.pins) (void)sched_setaffinity(0, sizeof(cpu_set_t), &p.cpus[Index(role)]);
}

}  // namespace cairn::server
