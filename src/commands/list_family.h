// src/commands/list_family.h — what the list command files share: LEFT/RIGHT parsing, the
// reply of one element, and the registration of the moving and blocking commands.
#pragma once

#include <string_view>

#include "resp/writer.h"
#include "src/exec/command.h"
#include "src/exec/command_table.h"
#include "store/store.h"
#include "store/types/list/list.h"

namespace cairn::server {

// LEFT or RIGHT (any case); false for anything else.
bool ParseListSide(std::string_view arg, store::ListSide* side);

// One element as a bulk string (integers formatted without a temporary).
inline void WriteListElem(resp::Writer& w, const store::ListElem& e) {
  if (e.is_int) {
    w.WriteBulkInt64(e.num);
  } else {
    w.WriteBulk(e.text);
  }
}

// Reports elements popped from key at side ("lpop" or "rpop"), then "del" when that emptied
// the list (the pop deleted the key), as Redis does for every pop, blocking or not.
void NotifyListPopped(CommandContext& ctx, std::string_view key, store::ListSide side,
                      bool emptied);

// LMOVE, RPOPLPUSH, LMPOP and the blocking commands (list_move_commands.cc).
void RegisterListMoveCommands(CommandTable& table);

}  // namespace cairn::server
