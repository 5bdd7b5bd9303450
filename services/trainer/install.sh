#!/bin/sh
# Installs the trainer's only dependencies: Debian's packaged Python stack (PyPI is not reachable here).
# Usage: sudo services/trainer/install.sh
# The ONNX parity check runs the exported models with onnxruntime-node from the repository's node_modules
# (installed by `npm ci` at the repository root), because Debian packages no Python onnxruntime.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apt-get update
# shellcheck disable=SC2046
apt-get install -y --no-install-recommends $(grep -v '^#' "$here/debian-packages.txt")
