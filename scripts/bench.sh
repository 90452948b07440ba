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
have_torch=
if [ -n "$torch_python" ] && "$torch_python" -c 'import torch' 2>/dev/null; then have_torch=1; fi
torch_bench=${TORCH_BENCH:-scripts/torch_cifar_bench.py}

echo "## Whole training step, CIFAR ResNet-32, batch 128 (JSON lines: Canopy, then PyTorch)"
for branches in 1 3; do
  spec=specs/bench/resnet32-cifar100.yaml
  [ "$branches" = 3 ] && spec=specs/bench/resnet32-peers3-cifar100.yaml
  "$canopy" bench train "$spec" --threads "$threads"
  [ -n "$have_torch" ] && [ -f "$torch_bench" ] && "$torch_python" -W ignore "$torch_bench" --depth 32 --branches "$branches" --threads "$threads"
done
"$canopy" bench train specs/bench/resnet32-cifar100.yaml --mode eval --threads "$threads"
[ -n "$have_torch" ] && [ -f "$torch_bench" ] && "$torch_python" -W ignore "$torch_bench" --depth 32 --mode eval --threads "$threads"
echo
echo "## Whole training step, Fashion-MNIST ResNet-8 + 3 peers (specs/quickstart.yaml), batch 128"
"$canopy" bench train specs/quickstart.yaml --threads "$threads"
[ -n "$have_torch" ] && [ -f "$torch_bench" ] && "$torch_python" -W ignore "$torch_bench" --depth 8 --in-ch 1 --size 28 --classes 10 --branches 3 --threads "$threads"
echo
echo "## conv2d per ResNet-32 layer (Canopy)"
"$canopy" bench conv --threads "$threads"
echo
if [ -n "$have_torch" ]; then
  echo "## conv2d per ResNet-32 layer (PyTorch, same run)"
  "$torch_python" -W ignore scripts/torch_conv_layers.py --threads "$threads"
else
  echo "(PyTorch not found: set TORCH_PYTHON or create ./torch-env to add the PyTorch columns)"
fi
