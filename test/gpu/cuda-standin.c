/*
 * A STAND-IN for libcuda.so.1, for rehearsing test/gpu/device-check.sh on a machine without a
 * GPU: it exports the CUDA driver API calls test/gpu/cuda_task.ts makes, with cuda.h's
 * signatures, and keeps the NVML stand-in (nvml-standin.c) in step, as a real driver would:
 * a context and its allocations show up in NVML's process list under this process's pid.
 * Everything above the dlopen (bun:ffi, cuda_task.ts, gaia) is real code.
 *
 *   cc -shared -fPIC -o DIR/libcuda.so.1 test/gpu/cuda-standin.c
 *
 * Devices are the NVML stand-in's (the `device` lines of GAIA_NVML_STANDIN_FILE); CUDA sees
 * those CUDA_VISIBLE_DEVICES names by UUID, in its order (all of them when it is unset). A
 * context holds CONTEXT_BYTES, like a real one's few hundred MiB. This process's memory is
 * written back into that file as `process device=N pid=P used=B owner=cuda` lines (under an
 * flock, by rename), which the NVML stand-in drops once the pid is gone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct { char bytes[16]; } CUuuid;
typedef struct standin_context *CUcontext;

enum { SUCCESS = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, NO_DEVICE = 100, INVALID_DEVICE = 101, INVALID_CONTEXT = 201 };
#define CONTEXT_BYTES (300ULL << 20)
#define MAX_DEVICES 16
#define MAX_ALLOCS 1024

struct standin_context { int nvml_index; int live; };
struct device { char uuid[96]; int nvml_index; };

static struct device visible[MAX_DEVICES];
static int visible_count, initialized;
static unsigned long long held[MAX_DEVICES]; /* bytes this process holds, by NVML index */
static struct standin_context contexts[MAX_DEVICES];
static CUcontext current;
static struct { CUdeviceptr ptr; size_t size; int nvml_index; } allocs[MAX_ALLOCS];
static CUdeviceptr next_ptr = 0x7f0000000000ULL;

static const char *file(void) { return getenv("GAIA_NVML_STANDIN_FILE"); }

/* The NVML stand-in's devices, then the visible ones among them. */
static int discover(void) {
  FILE *f = file() ? fopen(file(), "r") : NULL;
  if (!f) return 0;
  struct device all[MAX_DEVICES];
  int n = 0;
  char line[512];
  while (fgets(line, sizeof line, f) && n < MAX_DEVICES) {
    int index;
    char uuid[96];
    const char *i = strstr(line, " index="), *u = strstr(line, " uuid=");
    if (strncmp(line, "device ", 7) != 0 || !i || !u || sscanf(i, " index=%d", &index) != 1 || sscanf(u, " uuid=%95s", uuid) != 1) continue;
    snprintf(all[n].uuid, sizeof all[n].uuid, "%s", uuid);
    all[n++].nvml_index = index;
  }
  fclose(f);
  const char *names = getenv("CUDA_VISIBLE_DEVICES");
  visible_count = 0;
  if (!names) {
    memcpy(visible, all, sizeof(struct device) * (size_t)n);
    visible_count = n;
    return 1;
  }
  char list[1024];
  snprintf(list, sizeof list, "%s", names);
  for (char *name = strtok(list, ","); name && visible_count < MAX_DEVICES; name = strtok(NULL, ",")) {
    int found = 0;
    for (int k = 0; k < n; k++) if (strcasecmp(all[k].uuid, name) == 0) { visible[visible_count++] = all[k]; found = 1; }
    if (!found) break; /* CUDA stops at the first name it does not know */
  }
  return 1;
}

/* Rewrites this pid's process lines in the NVML stand-in's file. */
static void publish(void) {
  const char *path = file();
  if (!path) return;
  char lock_path[4096], tmp_path[4096], line[512], mine[64];
  snprintf(lock_path, sizeof lock_path, "%s.lock", path);
  snprintf(tmp_path, sizeof tmp_path, "%s.%d.tmp", path, (int)getpid());
  snprintf(mine, sizeof mine, " pid=%d ", (int)getpid());
  int lock = open(lock_path, O_CREAT | O_RDWR, 0600);
  if (lock < 0) return;
  flock(lock, LOCK_EX);
  FILE *in = fopen(path, "r"), *out = fopen(tmp_path, "w");
  if (in && out) {
    while (fgets(line, sizeof line, in))
      if (!(strncmp(line, "process ", 8) == 0 && strstr(line, mine) && strstr(line, "owner=cuda"))) fputs(line, out);
    for (int d = 0; d < MAX_DEVICES; d++)
      if (held[d] > 0) fprintf(out, "process device=%d pid=%d used=%llu owner=cuda\n", d, (int)getpid(), held[d]);
  }
  if (in) fclose(in);
  if (out) { fclose(out); rename(tmp_path, path); }
  flock(lock, LOCK_UN);
  close(lock);
}

CUresult cuInit(unsigned int flags) {
  if (flags != 0) return INVALID_VALUE;
  if (!discover()) return NO_DEVICE;
  initialized = 1;
  return SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  if (!initialized) return NOT_INITIALIZED;
  *count = visible_count;
  return SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (!initialized) return NOT_INITIALIZED;
  if (ordinal < 0 || ordinal >= visible_count) return INVALID_DEVICE;
  *device = ordinal;
  return SUCCESS;
}

/* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" back into its 16 bytes. */
CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev) {
  if (!initialized) return NOT_INITIALIZED;
  if (dev < 0 || dev >= visible_count) return INVALID_DEVICE;
  const char *p = visible[dev].uuid + 4;
  for (int b = 0; b < 16; b++) {
    while (*p == '-') p++;
    unsigned int byte = 0;
    if (sscanf(p, "%2x", &byte) != 1) return INVALID_DEVICE;
    uuid->bytes[b] = (char)byte;
    p += 2;
  }
  return SUCCESS;
}
CUresult cuDeviceGetUuid(CUuuid *uuid, CUdevice dev) { return cuDeviceGetUuid_v2(uuid, dev); }

CUresult cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev) {
  (void)flags;
  if (!initialized) return NOT_INITIALIZED;
  if (dev < 0 || dev >= visible_count) return INVALID_DEVICE;
  for (int c = 0; c < MAX_DEVICES; c++) {
    if (contexts[c].live) continue;
    contexts[c] = (struct standin_context){ visible[dev].nvml_index, 1 };
    held[visible[dev].nvml_index] += CONTEXT_BYTES;
    current = *pctx = &contexts[c];
    publish();
    return SUCCESS;
  }
  return OUT_OF_MEMORY;
}

CUresult cuCtxDestroy_v2(CUcontext ctx) {
  if (!ctx || !ctx->live) return INVALID_CONTEXT;
  for (int a = 0; a < MAX_ALLOCS; a++)
    if (allocs[a].ptr && allocs[a].nvml_index == ctx->nvml_index) { held[ctx->nvml_index] -= allocs[a].size; allocs[a].ptr = 0; }
  held[ctx->nvml_index] -= CONTEXT_BYTES;
  ctx->live = 0;
  if (current == ctx) current = NULL;
  publish();
  return SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
  if (!current) return INVALID_CONTEXT;
  if (bytesize == 0) return INVALID_VALUE;
  for (int a = 0; a < MAX_ALLOCS; a++) {
    if (allocs[a].ptr) continue;
    allocs[a].ptr = *dptr = next_ptr;
    allocs[a].size = bytesize;
    allocs[a].nvml_index = current->nvml_index;
    next_ptr += (bytesize + 0xfff) & ~0xfffULL;
    held[current->nvml_index] += bytesize;
    publish();
    return SUCCESS;
  }
  return OUT_OF_MEMORY;
}

CUresult cuMemFree_v2(CUdeviceptr dptr) {
  for (int a = 0; a < MAX_ALLOCS; a++) {
    if (allocs[a].ptr != dptr || dptr == 0) continue;
    held[allocs[a].nvml_index] -= allocs[a].size;
    allocs[a].ptr = 0;
    publish();
    return SUCCESS;
  }
  return INVALID_VALUE;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
    case SUCCESS: *name = "CUDA_SUCCESS"; return SUCCESS;
    case INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return SUCCESS;
    case OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return SUCCESS;
    case NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; return SUCCESS;
    case NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return SUCCESS;
    case INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; return SUCCESS;
    case INVALID_CONTEXT: *name = "CUDA_ERROR_INVALID_CONTEXT"; return SUCCESS;
    default: *name = NULL; return INVALID_VALUE;
  }
}
