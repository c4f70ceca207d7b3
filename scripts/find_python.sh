#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain and fail.
# autofit needs Python >= 3.12; the default python3 on many machines is older.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.14 python3.13 python3.12 python3)
for root in "${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv; do
  for path in "$root"/versions/3.1[2-9]*/bin/python3 "$root"/versions/3.[2-9][0-9]*/bin/python3; do
    [ -x "$path" ] && candidates+=("$path")
  done
done
candidates+=(/usr/bin/python3 /usr/local/bin/python3)
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
echo "No Python >= 3.12 found (autofit needs it). Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2
exit 1
