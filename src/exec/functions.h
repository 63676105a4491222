// src/exec/functions.h — the function libraries of FUNCTION LOAD / FCALL, independent of Lua:
// each library's name, code and the functions it registered (name, description, flags).
//
// The registry is the server's truth: FUNCTION LOAD compiles a library on the calling thread
// (src/scripting/function_loader.h) and adds it here; every thread's interpreter notices the
// new epoch and loads the current libraries before its next FCALL. Libraries are persisted as
// store metadata ("function:<name>" -> code), so they are logged, snapshotted and recovered
// like data.
//
// Threading: every member is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/scripts.h"
#include "store/base/status.h"

namespace cairn::server {

// The store metadata name prefix of a library's code.
inline constexpr std::string_view kFunctionMetaPrefix = "function:";

struct FunctionInfo {
  std::string name;
  std::string description;  // empty: none
  bool has_description = false;
  uint32_t flags = 0;  // ScriptFlag bits (never kScriptCompat)
  std::string library;
  std::atomic<LockMode> lock_mode{LockMode::kUnknown};
};

struct Library {
  std::string name;
  std::string code;  // as loaded, shebang included
  std::vector<std::shared_ptr<FunctionInfo>> functions;
};

class FunctionRegistry {
 public:
  // Adds lib (replacing the library of that name when replace). Fails with Redis's text when
  // the library exists and !replace, or one of its functions belongs to another library.
  Status Add(std::shared_ptr<Library> lib, bool replace);
  // Removes the library; false when there is none.
  bool Delete(std::string_view name);
  void Clear();
  std::shared_ptr<FunctionInfo> FindFunction(std::string_view name) const;
  std::shared_ptr<Library> FindLibrary(std::string_view name) const;
  // Every library, by name.
  std::vector<std::shared_ptr<Library>> Libraries() const;
  size_t function_count() const;
  // Changes with every Add/Delete/Clear: interpreters reload when theirs differs.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

 private:
  void Unlink(const Library& lib);

  // Function names are case-insensitive (FCALL TEST finds "test"), library names are not,
  // as in Redis.
  struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Library>, std::less<>> libraries_;
  std::map<std::string, std::shared_ptr<FunctionInfo>, CaseInsensitiveLess> functions_;
  std::atomic<uint64_t> epoch_{1};
};

// Library metadata from the code's first line, `#!<engine> name=<name>`.
struct LibraryHeader {
  std::string engine;
  std::string name;
  size_t shebang_len = 0;
};
Result<LibraryHeader> ParseLibraryHeader(std::string_view code);
// Letters, digits and underscores, at least one (library and function names).
bool ValidFunctionName(std::string_view name);

}  // namespace cairn::server
