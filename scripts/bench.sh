#!/usr/bin/env bash
# `make bench`: Canopy's benchmarks and, when PyTorch is available, the PyTorch
# scripts that measure the same work, in the same run. Record results in
# docs/performance.md.
#
# PyTorch is optional: set TORCH_PYTHON to a python with torch, or create
# ./torch-env (python3 -m venv torch-env && torch-env/bin/pip install torch).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
canopy=.build/release/canopy
torch_python=${TORCH_PYTHON:-}
for candidate in torch-env/bin/python ../torch-env/bin/python; do
  [ -z "$torch_python" ] && [ -x "$candidate" ] && torch_python=$candidate
done

echo "## Machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null || echo '?')"
echo
echo "## conv2d per ResNet-32 layer (Canopy)"
"$canopy" bench conv --threads "$threads"
echo
if [ -n "$torch_python" ] && "$torch_python" -c 'import torch' 2>/dev/null; then
  echo "## conv2d per ResNet-32 layer (PyTorch, same run)"
  "$torch_python" -W ignore scripts/torch_conv_layers.py --threads "$threads"
else
  echo "(PyTorch not found: set TORCH_PYTHON or create ./torch-env to add the PyTorch columns)"
fi
