#!/bin/sh
# The pipe demo (`npm run demo`): craft a multipart email with an attachment, then
# describe it. Every stage is a `poste` command reading and writing raw bytes.
set -eu
cd "$(dirname "$0")/.."
poste() { node bin/run.js "$@"; }
out="${TMPDIR:-/tmp}/poste-demo.eml"

poste make --from 'Poste Demo <demo@example.org>' --to 'Ada Lovelace <ada@example.net>' \
    --subject 'Bonjour — a picture from poste' --seed demo scripts/demo/note.txt \
  | poste make wrap --mixed --seed demo \
  | poste make put --type image/png scripts/demo/poste.png \
  > "$out"

echo "== the email ($out)"
cat "$out"
echo
echo "== poste descr"
poste descr < "$out"
echo
echo "== poste hdr Subject"
poste hdr Subject < "$out"
echo
echo "== poste extract --part 2 | cmp - scripts/demo/poste.png"
poste extract --part 2 < "$out" | cmp - scripts/demo/poste.png && echo "the attachment comes back identical"
