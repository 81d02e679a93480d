#!/usr/bin/env bash
# The style checks STYLE.md asks CI to run on the files a change touches:
#   - clang-format (.clang-format) on the changed lines of C++ files;
#   - clang-tidy (.clang-tidy) on the changed .cpp files, and on the .cpp beside each
#     changed header (a header is checked through a unit that includes it).
# Usage: scripts/check-style.sh [BASE]   (make lint)
# BASE is a commit; what changed from it to the working tree is checked. Without one,
# the commit in .ci/style-base: the tree was not formatted all at once, so the checks
# start from where they were adopted (move it forward to shorten a CI run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
LINT_DIR="${LINT_DIR:-build-lint}"
JOBS="${JOBS:-$(nproc)}"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format-16}"
GIT_CLANG_FORMAT="${GIT_CLANG_FORMAT:-git-clang-format-16}"
CLANG_TIDY="${CLANG_TIDY:-clang-tidy-16}"

base="${1:-$(tr -d '[:space:]' < .ci/style-base)}"
# Without the history there is no telling what changed: say so, loudly, and check
# nothing rather than fail a build for it (an export of the tree, a shallow clone).
if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "check-style: SKIPPED: $root is not a git work tree, so the changed files are unknown" >&2
  exit 0
fi
if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
  echo "check-style: SKIPPED: base commit $base is not in this clone (a shallow one?); fetch it or pass BASE=" >&2
  exit 0
fi

mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- 'src/*.cpp' 'src/*.hpp' \
                         'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp')
if [ ${#changed[@]} -eq 0 ]; then
  echo "check-style: no C++ file changed since ${base:0:12}"
  exit 0
fi
echo "check-style: ${#changed[@]} C++ files changed since ${base:0:12}"

status=0

# clang-format: only the changed lines, so an old file is not reformatted as a whole.
format_diff="$("$GIT_CLANG_FORMAT" --binary "$CLANG_FORMAT" --diff "$base" -- "${changed[@]}" || true)"
if [ -n "$format_diff" ] && ! grep -qE '^(no modified files to format|clang-format did not modify any files)$' \
                                  <<< "$format_diff"; then
  echo "$format_diff"
  echo "check-style: clang-format would change the lines above; to apply: $GIT_CLANG_FORMAT $base" >&2
  status=1
fi

# clang-tidy needs one compile command per file: a build directory configured without
# the unity build (configured again each time, for new files; nothing is compiled), with
# clang, whose flags clang-tidy understands.
cmake -S . -B "$LINT_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DRELAYCAST_UNITY=OFF \
  -DCMAKE_BUILD_TYPE=Debug > /dev/null
units=()
for f in "${changed[@]}"; do
  case "$f" in
    *.cpp) units+=("$f") ;;
    *.hpp) [ -f "${f%.hpp}.cpp" ] && units+=("${f%.hpp}.cpp") ;;
  esac
done
mapfile -t units < <(printf '%s\n' "${units[@]}" | sort -u | grep -v '^$' || true)
# Findings in headers count only for the changed ones: an unchanged header a unit
# includes is not this change's business.
filter="$(printf '%s\n' "${changed[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')"
if [ ${#units[@]} -gt 0 ]; then
  echo "check-style: clang-tidy on ${#units[@]} files"
  if ! printf '%s\n' "${units[@]}" |
       xargs -P "$JOBS" -n 1 "$CLANG_TIDY" -p "$LINT_DIR" --quiet --header-filter="^$root/($filter)$" \
         2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' >&2); then
    echo "check-style: clang-tidy found the problems above (checks: .clang-tidy)" >&2
    status=1
  fi
fi
[ $status -eq 0 ] && echo "check-style: clean"
exit $status
