#!/usr/bin/env bash
# The boundary checker must fail on a tree that breaks the table, and pass on a clean one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/resp" "$tmp/store/types/list/detail" "$tmp/store/durability" "$tmp/src"
cat > "$tmp/table.txt" <<'TABLE'
resp              resp
store             store
store/types       store/types store
store/durability  store/durability store
src               src resp store store/types store/durability uv
TABLE
echo '#include "resp/parser.h"' > "$tmp/src/ok.cc"
echo '#include <vector>' > "$tmp/resp/ok.cc"
echo '#include "store/types/list/detail/node.h"' > "$tmp/store/types/list/ok.cc"
echo '#include "store/store.h"' > "$tmp/store/durability/ok.cc"
/usr/bin/python3 "$here/check_boundaries.py" "$tmp" "$tmp/table.txt" >/dev/null
for bad in 'resp/x.cc:#include <uv.h>' 'store/x.cc:#include "resp/writer.h"' \
           'resp/y.cc:#include "store/store.h"' 'src/z.cc:#include "store/detail/table.h"' \
           'store/types/list/x.cc:#include "store/durability/wal_format.h"' \
           'store/x.cc:#include "store/durability/snapshot.h"' \
           'store/x.cc:#include "store/types/list/list.h"' \
           'src/x.cc:#include "store/types/list/detail/node.h"'; do
  file="${bad%%:*}"
  echo "${bad#*:}" > "$tmp/$file"
  if /usr/bin/python3 "$here/check_boundaries.py" "$tmp" "$tmp/table.txt" >/dev/null; then
    echo "checker accepted a violation: $bad" >&2
    exit 1
  fi
  rm "$tmp/$file"
done
echo "checker rejects every planted violation"
