// src/exec/functions.cc — see functions.h.
#include "src/exec/functions.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "src/base/config.h"

namespace cairn::server {

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

Result<LibraryHeader> ParseLibraryHeader(std::string_view code) {
  if (code.substr(0, 2) != "#!") return Status::Invalid("Missing library metadata");
  size_t end = code.find('\n');
  if (end == std::string_view::npos) return Status::Invalid("Invalid library metadata");
  LibraryHeader header;
  header.shebang_len = end;
  // Words as Redis splits its arguments: `name="foo"` names the library foo.
  std::vector<std::string> parts;
  if (!SplitConfigLine(code.substr(0, end), &parts) || parts.empty()) {
    return Status::Invalid("Invalid library metadata");
  }
  header.engine = std::string(parts[0].substr(2));
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];  // parts outlives the loop
    std::string prefix(part.substr(0, 5));
    for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (prefix != "name=") {
      return Status::Invalid("Invalid metadata value given: " + std::string(part));
    }
    if (named) {
      return Status::Invalid("Invalid metadata value, name argument was given multiple times");
    }
    named = true;
    header.name = std::string(part.substr(5));
  }
  if (!named) return Status::Invalid("Library name was not given");
  return header;
}

bool FunctionRegistry::CaseInsensitiveLess::operator()(std::string_view a,
                                                      std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

void FunctionRegistry::Unlink(const Library& lib) {
  for (const auto& fn : lib.functions) functions_.erase(fn->name);
  libraries_.erase(lib.name);
}

Status FunctionRegistry::Add(std::shared_ptr<Library> lib, bool replace) {
  std::unique_lock lock(mu_);
  auto old = libraries_.find(lib->name);
  if (old != libraries_.end() && !replace) {
    return Status::Invalid("Library '" + lib->name + "' already exists");
  }
  for (const auto& fn : lib->functions) {
    auto it = functions_.find(fn->name);
    if (it != functions_.end() && it->second->library != lib->name) {
      return Status::Invalid("Function " + fn->name + " already exists");
    }
  }
  if (old != libraries_.end()) Unlink(*old->second);
  for (const auto& fn : lib->functions) functions_[fn->name] = fn;
  libraries_[lib->name] = std::move(lib);
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return Status::Ok();
}

bool FunctionRegistry::Delete(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return false;
  std::shared_ptr<Library> lib = it->second;
  Unlink(*lib);
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void FunctionRegistry::Clear() {
  std::unique_lock lock(mu_);
  libraries_.clear();
  functions_.clear();
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<FunctionInfo> FunctionRegistry::FindFunction(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

std::shared_ptr<Library> FunctionRegistry::FindLibrary(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = libraries_.find(name);
  return it == libraries_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Library>> FunctionRegistry::Libraries() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Library>> out;
  for (const auto& [name, lib] : libraries_) out.push_back(lib);
  return out;
}

size_t FunctionRegistry::function_count() const {
  std::shared_lock lock(mu_);
  return functions_.size();
}

}  // namespace cairn::server
