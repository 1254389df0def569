#!/bin/sh
# A git commit-msg hook: a commit's subject (its first line) says what
# changed in at most 72 characters; the body says why. Install it once:
#     ln -s ../../scripts/commit-msg.sh .git/hooks/commit-msg
# or check subjects already made: git log --format=%s REV.. | scripts/commit-msg.sh
#
# usage: scripts/commit-msg.sh [FILE]   (default: subjects on stdin, one a line)
set -eu

max=72
if [ $# -gt 0 ]; then
    # As git hands it to the hook: the first line not a comment.
    subjects=$(grep -v '^#' "$1" | sed -n '/./{p;q;}')
else
    subjects=$(cat)
fi
bad=$(printf '%s\n' "$subjects" | awk -v max="$max" 'length > max')
[ -z "$bad" ] && exit 0
printf '%s\n' "$bad" | while IFS= read -r line; do
    echo "commit-msg: subject longer than $max characters (${#line}): $line" >&2
done
exit 1
