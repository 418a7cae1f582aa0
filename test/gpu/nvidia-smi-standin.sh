#!/usr/bin/env bash
# A STAND-IN for nvidia-smi, for rehearsing test/gpu/device-check.sh without a GPU: it answers
# the two queries that check makes from the NVML stand-in's file (GAIA_NVML_STANDIN_FILE; see
# test/gpu/nvml-standin.c), in nvidia-smi's CSV form:
#   --query-gpu=index,uuid --format=csv,noheader                         0, GPU-...
#   --query-gpu=index,memory.used,memory.total --format=csv,noheader,nounits   0, 3072, 144384
# Memory in whole MiB, rounded down; without nounits each figure ends in " MiB".
set -euo pipefail
query="" format=""
for arg in "$@"; do
  case "$arg" in
    --query-gpu=*) query="${arg#--query-gpu=}" ;;
    --format=*) format="${arg#--format=}" ;;
    *) echo "nvidia-smi stand-in: unsupported argument $arg" >&2; exit 2 ;;
  esac
done
[[ -n "$query" && "$format" == csv,noheader* ]] || { echo "nvidia-smi stand-in: give --query-gpu=... --format=csv,noheader[,nounits]" >&2; exit 2; }
[[ -r "${GAIA_NVML_STANDIN_FILE:-}" ]] || { echo "NVIDIA-SMI has failed: no GAIA_NVML_STANDIN_FILE" >&2; exit 9; }
units=" MiB"
[[ "$format" == *nounits* ]] && units=""
awk -v query="$query" -v units="$units" '
  $1 == "device" {
    delete f
    for (i = 2; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
    n = split(query, names, ",")
    line = ""
    for (i = 1; i <= n; i++) {
      name = names[i]
      if (name == "index") v = f["index"]
      else if (name == "uuid") v = f["uuid"]
      else if (name == "memory.used") v = int(f["used"] / 1048576) units
      else if (name == "memory.total") v = int(f["total"] / 1048576) units
      else { print "nvidia-smi stand-in: unknown field " name > "/dev/stderr"; exit 2 }
      line = line (i > 1 ? ", " : "") v
    }
    print line
  }' "$GAIA_NVML_STANDIN_FILE"
