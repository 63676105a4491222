// src/base/cpu_list.cc — see cpu_list.h.
#include "src/base/cpu_list.h"

#include <charconv>
#include <cstdint>

namespace cairn::server {
namespace {

// Reads a decimal number at the front of *text (consuming it); false without one.
bool TakeNumber(std::string_view* text, uint32_t* out) {
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, *out);
  if (ec != std::errc() || ptr == text->data()) return false;
  text->remove_prefix(static_cast<size_t>(ptr - text->data()));
  return true;
}

bool TakeChar(std::string_view* text, char c) {
  if (text->empty() || text->front() != c) return false;
  text->remove_prefix(1);
  return true;
}

// One range, up to the next comma or the end.
bool AddRange(std::string_view* text, cpu_set_t* cpus) {
  uint32_t first = 0, last = 0, step = 1;
  if (!TakeNumber(text, &first)) return false;
  last = first;
  if (TakeChar(text, '-')) {
    if (!TakeNumber(text, &last)) return false;
    if (TakeChar(text, ':') && (!TakeNumber(text, &step) || step == 0)) return false;
  }
  if (first > last || last >= CPU_SETSIZE) return false;
  for (uint64_t cpu = first; cpu <= last; cpu += step) CPU_SET(cpu, cpus);
  return true;
}

}  // namespace

bool ParseCpuList(std::string_view text, cpu_set_t* cpus) {
  CPU_ZERO(cpus);
  do {
    if (!AddRange(&text, cpus)) return false;
  } while (TakeChar(&text, ','));
  return text.empty();
}

}  // namespace cairn::server
