#!/usr/bin/env sh
# Print the path of a Python >= 3.12: python3.13/python3.12 on PATH, else pyenv's installed
# versions (Debian 12 ships only 3.11, and pyenv's shims refuse versions not selected).
for candidate in python3.13 python3.12 python3; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
# Prefer the tested 3.12 line, then newer ones.
for path in $(ls -d "$root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r) $(ls -d "$root"/versions/3.1[3-9]*/bin/python3.1[3-9] 2>/dev/null | sort -V -r); do
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
echo "cadretrain needs Python 3.12 or newer, and none was found (looked for python3.13, python3.12 on PATH and in pyenv's versions). Install one, e.g. 'pyenv install 3.12', and run make again." >&2
exit 1
