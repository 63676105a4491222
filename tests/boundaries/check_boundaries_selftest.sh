#!/usr/bin/env bash
# The boundary checker must fail on a tree that breaks the table, and pass on a clean one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/resp" "$tmp/store" "$tmp/src"
echo '#include "resp/parser.h"' > "$tmp/src/ok.cc"
echo '#include <vector>' > "$tmp/resp/ok.cc"
/usr/bin/python3 "$here/check_boundaries.py" "$tmp" >/dev/null
for bad in 'resp/x.cc:#include <uv.h>' 'store/x.cc:#include "resp/writer.h"' \
           'resp/y.cc:#include "store/store.h"' 'src/z.cc:#include "store/detail/table.h"'; do
  file="${bad%%:*}"
  echo "${bad#*:}" > "$tmp/$file"
  if /usr/bin/python3 "$here/check_boundaries.py" "$tmp" >/dev/null; then
    echo "checker accepted a violation: $bad" >&2
    exit 1
  fi
  rm "$tmp/$file"
done
echo "checker rejects every planted violation"
