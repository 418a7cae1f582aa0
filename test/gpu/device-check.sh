#!/usr/bin/env bash
# The real-GPU check, for a machine with an NVIDIA GPU and its driver (nvidia-smi, libcuda,
# libnvidia-ml): the compiled ./gaia with one Bun pool of two workers sharing device 0, each
# worker's devices, GET /v1/gpus against nvidia-smi, usage.gpu_memory_peak_mb, and a task that
# allocates past gpu_memory_limit_mb failing with gpu_memory_limit_exceeded. The checks are in
# device-check.ts, run by ./gaia itself (BUN_BE_BUN=1: a compiled Bun binary can act as bun), so
# nothing but the binary and this working tree is needed. One PASS or FAIL line per check; the
# exit code is 0 only when every check passed. It passes once the GPU modules are wired in.
#
#   test/gpu/device-check.sh            from the repository root (or anywhere: it cds there)
#   NVIDIA_SMI=path  GAIA_NVML_LIBRARY=path  GAIA_CUDA_LIBRARY=path   stand-ins, where there is no GPU
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

if [[ ! -e ./gaia && -f ./gaia.gz ]]; then
  gunzip -c ./gaia.gz > ./gaia && chmod +x ./gaia || { echo "FAIL setup: cannot gunzip ./gaia.gz"; exit 1; }
fi
if [[ ! -x ./gaia ]]; then
  echo "FAIL setup: no ./gaia here; build it with: bun build.ts"
  exit 1
fi
smi="${NVIDIA_SMI:-nvidia-smi}"
if ! command -v "$smi" > /dev/null; then
  echo "FAIL setup: $smi not found; this check needs the NVIDIA driver's nvidia-smi (or NVIDIA_SMI=path)"
  exit 1
fi

# timeout(1) makes a process group of its own and, at 170 s, signals all of it: the checks, the
# gaia they started and its workers (none of which leaves its parent's group).
timeout -k 5 170 env BUN_BE_BUN=1 ./gaia test/gpu/device-check.ts
status=$?
if (( status == 124 || status == 137 )); then
  echo "FAIL timeout: the checks did not finish within 170 s"
fi
exit "$(( status == 0 ? 0 : 1 ))"
