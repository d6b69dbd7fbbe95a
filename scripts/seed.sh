#!/usr/bin/env bash
# The main job: install the project, build the bundled seed dataset into ./.kb, validate it,
# print a summary, write graphs/seed.ttl and graphs/seed.trig, and print the top conflicts.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e .
kb build
kb validate
kb export -o graphs/seed.ttl
kb export -o graphs/seed.trig
kb conflicts --top 10
