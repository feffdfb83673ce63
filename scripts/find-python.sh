#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 (Django 6 needs it), preferring the newest, or fails with a clear message.
set -euo pipefail
candidates=()
for name in python3.14 python3.13; do
  if command -v "$name" >/dev/null 2>&1; then candidates+=("$(command -v "$name")"); fi
done
if command -v pyenv >/dev/null 2>&1; then
  # pyenv's bare shims fail unless pyenv selects that version: use the interpreters themselves, newest first.
  while IFS= read -r dir; do
    [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
  done < <(ls -d "$(pyenv root)"/versions/3.1[2-9]* 2>/dev/null | sort -V -r)
fi
for name in python3.12 python3; do
  if command -v "$name" >/dev/null 2>&1; then candidates+=("$(command -v "$name")"); fi
done
for python in "${candidates[@]}"; do
  if "$python" -c 'import sys, sqlite3, ssl, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    echo "$python"
    exit 0
  fi
done
echo "No Python >= 3.12 found (looked for python3.14/3.13/3.12 on PATH and pyenv versions). Install one and retry." >&2
exit 1
