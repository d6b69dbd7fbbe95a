#!/usr/bin/env bash
# The main job: install the project, build the bundled seed dataset into ./.kb, validate it,
# print a summary, write graphs/seed.ttl and graphs/seed.trig, print every conflict grouped by claim,
# and write the interactive page graphs/seed.html.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e .
kb build
kb validate
kb export -o graphs/seed.ttl
kb export -o graphs/seed.trig
kb conflicts --by-claim
kb viz -o graphs/seed.html --title "Seed: the 2020 BBC interview with Ilham Aliyev"
