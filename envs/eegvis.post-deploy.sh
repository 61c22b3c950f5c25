#!/usr/bin/env bash
# Install the eegvis package (without dependencies: the environment has them)
# into the freshly created conda environment. Snakemake runs this script from
# the working directory of the workflow, which is the repository root.
set -euo pipefail
if [[ ! -f pyproject.toml ]]; then
    echo "eegvis post-deploy: run snakemake from the eegvis repository root (no pyproject.toml in $PWD)" >&2
    exit 1
fi
python -m pip install --no-deps --no-build-isolation --editable .
