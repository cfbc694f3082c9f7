#!/usr/bin/env bash
# Install imgclf and what the lessons need from a wheelhouse alone, into a fresh virtual environment, with every other
# package source switched off (no index, no pip configuration), then run lesson 2 in it.
#   tools/check_wheelhouse.sh WHEELHOUSE
set -euo pipefail
WH=$(cd "${1:?usage: tools/check_wheelhouse.sh WHEELHOUSE}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
export PIP_CONFIG_FILE=/dev/null; unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT || true
start=$(date +%s)
python3 -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install -q --no-index --find-links "$WH" "imgclf[lessons]"
echo "installed from $(basename "$WH") alone in $(( $(date +%s) - start )) s: $(du -sh "$TMP/venv" | cut -f1) environment"
# In its own folder (its hidden cells read files of the repository), with the installed imgclf: nothing of the checkout is
# on the path. Cells marked `#| eval: false` (a widget waiting for clicks) are left out, as nbdev-test leaves them out.
"$TMP/venv/bin/python" - "$ROOT/nbs/lessons/02_how_a_cnn_sees.ipynb" <<'PY'
import sys, nbformat
from pathlib import Path
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and '#| eval: false' in c.source)]
nb.cells.append(nbformat.v4.new_code_cell(f"import imgclf; assert imgclf.__file__.startswith({sys.prefix!r}), imgclf.__file__")) # the kernel used the installed imgclf
NotebookClient(nb, timeout=600, resources={'metadata': {'path': str(Path(sys.argv[1]).parent)}}).execute()
PY
echo "lesson 2 ran top to bottom in the environment installed from the wheelhouse"
