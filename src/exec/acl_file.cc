// src/exec/acl_file.cc — see acl_file.h.
#include "src/exec/acl_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cairn::server {
namespace {

std::vector<std::string> SplitSpaces(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

}  // namespace

Status LoadAclUsers(Acl& acl, const std::vector<std::vector<std::string>>& lines,
                    const std::vector<int>& line_numbers) {
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string where = line_numbers.empty() ? "" : " at line " + std::to_string(line_numbers[i]);
    const std::vector<std::string>& words = lines[i];
    if (words.empty()) return Status::Invalid("line should start with user keyword" + where);
    const std::string& name = words[0];
    if (users.contains(name)) {
      return Status::Invalid("Duplicate user '" + name + "' found" + where);
    }
    auto user = std::make_shared<AclUser>(name, acl.table(), acl.PubSubDefault());
    std::vector<std::string> rules(words.begin() + 1, words.end());
    if (Status s = user->ApplyAll(acl.table(), rules); !s.ok()) {
      return Status::Invalid(std::string(s.message()) + where);
    }
    users.emplace(name, std::move(user));
  }
  acl.ReplaceAll(std::move(users));
  return Status::Ok();
}

Status LoadAclFile(Acl& acl, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::Invalid("Error loading ACLs, opening file '" + path +
                           "': " + std::strerror(errno));
  }
  std::vector<std::vector<std::string>> lines;
  std::vector<int> numbers;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::vector<std::string> words = SplitSpaces(line);
    if (words.empty() || words[0][0] == '#') continue;
    if (words[0] != "user" || words.size() < 2) {
      return Status::Invalid(path + ":" + std::to_string(n) +
                             ": line should start with user keyword");
    }
    lines.emplace_back(words.begin() + 1, words.end());
    numbers.push_back(n);
  }
  Status s = LoadAclUsers(acl, lines, numbers);
  if (!s.ok()) return Status::Invalid(path + ": " + std::string(s.message()));
  return s;
}

Status SaveAclFile(const Acl& acl, const std::string& path) {
  std::string text;
  for (const auto& user : acl.Users()) {
    text += "user " + user->name() + " " + user->Describe(acl.table()) + "\n";
  }
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(errno, "Opening temp ACL file for ACL SAVE: " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return Status::IoError(err, "Writing ACL file for ACL SAVE: " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::IoError(err, "Renaming ACL file for ACL SAVE: " + path);
  }
  return Status::Ok();
}

}  // namespace cairn::server
