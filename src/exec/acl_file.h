// src/exec/acl_file.h — users as text: "user <name> <rules...>" lines, the format of the
// aclfile (ACL SAVE / ACL LOAD) and of the config file's user directives.
//
// Loading is all or nothing: any bad line fails the whole load with Redis's message naming
// the line, and the users in force stay as they were. Saving writes a temporary file, syncs
// it and renames it over the old one, so a crash leaves either the old or the new file.
// Thread: any (the registry is thread-safe).
#pragma once

#include <string>
#include <vector>

#include "src/exec/acl.h"

namespace cairn::server {

// Builds users from user lines (each: name, rules...) and installs them in acl, replacing
// every user; the default user is created when the lines do not define it. origin names the
// source in errors ("/path/users.acl"); line_numbers, when given, the line of each entry.
[[nodiscard]] Status LoadAclUsers(Acl& acl, const std::vector<std::vector<std::string>>& lines,
                                  const std::vector<int>& line_numbers);
// Reads path and installs its users (ACL LOAD and startup with aclfile).
[[nodiscard]] Status LoadAclFile(Acl& acl, const std::string& path);
// Writes every user to path (ACL SAVE).
[[nodiscard]] Status SaveAclFile(const Acl& acl, const std::string& path);

}  // namespace cairn::server
