/*
 * A STAND-IN for NVIDIA's libnvidia-ml.so.1, for gaia's tests: the machines these tests run on
 * have no GPU. It exports the NVML functions gaia calls, with nvml.h's signatures, return
 * codes and struct layouts; everything above the dlopen (gaia's src/supervisor/gpu/, bun:ffi,
 * the structs as bytes) is gaia's real code. Tests compile it into a temp dir:
 *
 *   cc -shared -fPIC -o DIR/libnvidia-ml.so.1 test/gpu/nvml-standin.c [-DSTANDIN_R535 | -DSTANDIN_OLD_DRIVER | -DSTANDIN_NVML13]
 *
 * and point GAIA_NVML_LIBRARY at it. The variants are drivers gaia must cope with:
 *   (default)            a current driver: the _v2/_v3 entry points, 24-byte process entries
 *   STANDIN_R535         an R535 driver, whose _v3 writes 32-byte process entries
 *   STANDIN_OLD_DRIVER   no _v2/_v3 entry points at all (16-byte process entries, nvmlMemory_t)
 *   STANDIN_NVML13       no nvmlDeviceGetTemperature (deprecated in 13.0): only ...TemperatureV
 *
 * What the devices show comes from the file named by GAIA_NVML_STANDIN_FILE, read again on
 * every call, so a test rewrites it between samples (write a temp file, then rename). Lines:
 *   init CODE                             what nvmlInit returns (default 0; 9 = driver not loaded)
 *   device index=0 uuid=GPU-... total=BYTES used=BYTES reserved=BYTES util=GPU/MEM temp=C power_mw=MW fan=PCT name=REST OF LINE
 *   process device=0 pid=PID used=BYTES   a compute process; used=- is NVML_VALUE_NOT_AVAILABLE;
 *                                         with owner=cuda (written by cuda-standin.c) it is gone
 *                                         once that pid is, as a real driver forgets a dead process
 *   processes device=0 unsupported        the process list is NVML_ERROR_NOT_SUPPORTED
 *   race device=0 extra=N                 the next sized process query answers INSUFFICIENT_SIZE, as
 *                                         if N processes had started since the count query
 * A figure left out, or given as "-", is NVML_ERROR_NOT_SUPPORTED. No file: nvmlInit says 9.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct standin_device *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int version; int sensorType; int temperature; } nvmlTemperature_v1_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId; } nvmlProcessInfo_v2_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId; unsigned long long usedGpuCcProtectedMemory; } nvmlProcessInfo_r535_t;

enum { OK = 0, UNINITIALIZED = 1, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, INSUFFICIENT_SIZE = 7, DRIVER_NOT_LOADED = 9, ARGUMENT_VERSION_MISMATCH = 25 };
#define UNSET (-1LL)
#define MAX_DEVICES 16
#define MAX_PROCS 256

struct standin_device {
  int present, index, processes_unsupported, race_extra;
  char uuid[96], name[96];
  long long total, used, reserved, util_gpu, util_mem, temp, power_mw, fan;
};
struct standin_proc { int device; unsigned int pid; long long used; };

static struct standin_device devices[MAX_DEVICES];
static struct standin_proc procs[MAX_PROCS];
static int device_count, proc_count, init_code, inits;
/* A race is armed by a count query and spent by the next sized query (kept across reloads). */
static int race_armed[MAX_DEVICES];

static long long number(const char *text) { return (text[0] == '-' && text[1] == '\0') ? UNSET : strtoll(text, NULL, 10); }

static const char *field(const char *line, const char *key) {
  size_t n = strlen(key);
  for (const char *p = line; (p = strstr(p, key)) != NULL; p += n)
    if ((p == line || p[-1] == ' ') && p[n] == '=') return p + n + 1;
  return NULL;
}

static long long field_number(const char *line, const char *key) {
  const char *v = field(line, key);
  if (!v) return UNSET;
  char token[64];
  sscanf(v, "%63s", token);
  return number(token);
}

static void parse_device(const char *line) {
  long long index = field_number(line, "index");
  if (index < 0 || index >= MAX_DEVICES) return;
  struct standin_device *d = &devices[index];
  memset(d, 0, sizeof *d);
  d->present = 1;
  d->index = (int)index;
  const char *uuid = field(line, "uuid"), *name = field(line, "name"), *util = field(line, "util");
  if (uuid) sscanf(uuid, "%95s", d->uuid);
  if (name) { snprintf(d->name, sizeof d->name, "%s", name); d->name[strcspn(d->name, "\r\n")] = 0; }
  d->total = field_number(line, "total");
  d->used = field_number(line, "used");
  d->reserved = field_number(line, "reserved");
  if (d->reserved == UNSET) d->reserved = 0;
  d->util_gpu = d->util_mem = UNSET;
  if (util && util[0] != '-') sscanf(util, "%lld/%lld", &d->util_gpu, &d->util_mem);
  d->temp = field_number(line, "temp");
  d->power_mw = field_number(line, "power_mw");
  d->fan = field_number(line, "fan");
  if (index + 1 > device_count) device_count = (int)index + 1;
}

/* Reads the file again; 0 when it cannot be read. */
static int load(void) {
  const char *path = getenv("GAIA_NVML_STANDIN_FILE");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return 0;
  memset(devices, 0, sizeof devices);
  device_count = proc_count = init_code = 0;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "init ", 5) == 0) init_code = atoi(line + 5);
    else if (strncmp(line, "device ", 7) == 0) parse_device(line);
    else if (strncmp(line, "process ", 8) == 0 && proc_count < MAX_PROCS) {
      if (strstr(line, "owner=cuda") && kill((pid_t)field_number(line, "pid"), 0) != 0 && errno == ESRCH) continue;
      struct standin_proc *p = &procs[proc_count++];
      p->device = (int)field_number(line, "device");
      p->pid = (unsigned int)field_number(line, "pid");
      p->used = field_number(line, "used");
    } else if (strncmp(line, "processes ", 10) == 0 && strstr(line, "unsupported")) {
      long long d = field_number(line, "device");
      if (d >= 0 && d < MAX_DEVICES) devices[d].processes_unsupported = 1;
    } else if (strncmp(line, "race ", 5) == 0) {
      long long d = field_number(line, "device");
      if (d >= 0 && d < MAX_DEVICES) devices[d].race_extra = (int)field_number(line, "extra");
    }
  }
  fclose(f);
  return 1;
}

/* Every device call: initialized, the file read, the handle one of ours. */
static nvmlReturn_t enter(nvmlDevice_t device) {
  if (inits == 0) return UNINITIALIZED;
  load();
  if (device < devices || device >= devices + MAX_DEVICES || !device->present) return INVALID_ARGUMENT;
  return OK;
}
#define ENTER(device) do { nvmlReturn_t rc_ = enter(device); if (rc_ != OK) return rc_; } while (0)

const char *nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case OK: return "Success";
    case UNINITIALIZED: return "Uninitialized";
    case INVALID_ARGUMENT: return "Invalid Argument";
    case NOT_SUPPORTED: return "Not Supported";
    case INSUFFICIENT_SIZE: return "Insufficient Size";
    case DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case ARGUMENT_VERSION_MISMATCH: return "Argument Version Mismatch";
    default: return "Unknown Error";
  }
}

static nvmlReturn_t init(void) {
  if (!load()) return DRIVER_NOT_LOADED;
  if (init_code != OK) return init_code;
  inits++;
  return OK;
}
nvmlReturn_t nvmlShutdown(void) { if (inits == 0) return UNINITIALIZED; inits--; return OK; }

static nvmlReturn_t count(unsigned int *n) {
  if (inits == 0) return UNINITIALIZED;
  load();
  *n = (unsigned int)device_count;
  return OK;
}

static nvmlReturn_t handle(unsigned int index, nvmlDevice_t *device) {
  if (inits == 0) return UNINITIALIZED;
  load();
  if (index >= MAX_DEVICES || !devices[index].present) return INVALID_ARGUMENT;
  *device = &devices[index];
  return OK;
}

#ifndef STANDIN_OLD_DRIVER
nvmlReturn_t nvmlInit_v2(void) { return init(); }
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { return count(n); }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) { return handle(index, device); }
#endif
nvmlReturn_t nvmlInit(void) { return init(); }
nvmlReturn_t nvmlDeviceGetCount(unsigned int *n) { return count(n); }
nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device) { return handle(index, device); }

nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) { ENTER(device); *index = (unsigned int)device->index; return OK; }

static nvmlReturn_t copy_string(const char *text, char *out, unsigned int length) {
  if (strlen(text) + 1 > length) return INSUFFICIENT_SIZE;
  memcpy(out, text, strlen(text) + 1);
  return OK;
}
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) { ENTER(device); return copy_string(device->uuid, uuid, length); }
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) { ENTER(device); return copy_string(device->name, name, length); }

/* nvmlMemory_t's used counts what the driver reserves; nvmlMemory_v2_t's does not. */
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  ENTER(device);
  if (device->total == UNSET || device->used == UNSET) return NOT_SUPPORTED;
  memory->total = (unsigned long long)device->total;
  memory->used = (unsigned long long)(device->used + device->reserved);
  memory->free = memory->total - memory->used;
  return OK;
}
#ifndef STANDIN_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
  ENTER(device);
  if (memory->version != (unsigned int)(sizeof(nvmlMemory_v2_t) | (2u << 24))) return ARGUMENT_VERSION_MISMATCH;
  if (device->total == UNSET || device->used == UNSET) return NOT_SUPPORTED;
  memory->total = (unsigned long long)device->total;
  memory->reserved = (unsigned long long)device->reserved;
  memory->used = (unsigned long long)device->used;
  memory->free = memory->total - memory->reserved - memory->used;
  return OK;
}
#endif

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u) {
  ENTER(device);
  if (device->util_gpu == UNSET) return NOT_SUPPORTED;
  u->gpu = (unsigned int)device->util_gpu;
  u->memory = (unsigned int)device->util_mem;
  return OK;
}

#ifndef STANDIN_NVML13
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp) {
  ENTER(device);
  if (sensor != 0) return INVALID_ARGUMENT;
  if (device->temp == UNSET) return NOT_SUPPORTED;
  *temp = (unsigned int)device->temp;
  return OK;
}
#endif
#ifndef STANDIN_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t device, nvmlTemperature_v1_t *t) {
  ENTER(device);
  if (t->version != (unsigned int)(sizeof(nvmlTemperature_v1_t) | (1u << 24))) return ARGUMENT_VERSION_MISMATCH;
  if (t->sensorType != 0) return INVALID_ARGUMENT;
  if (device->temp == UNSET) return NOT_SUPPORTED;
  t->temperature = (int)device->temp;
  return OK;
}
#endif

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *mw) {
  ENTER(device);
  if (device->power_mw == UNSET) return NOT_SUPPORTED;
  *mw = (unsigned int)device->power_mw;
  return OK;
}

nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed) {
  ENTER(device);
  if (device->fan == UNSET) return NOT_SUPPORTED;
  *speed = (unsigned int)device->fan;
  return OK;
}

/* nvml.h: *infoCount in is the room, out the count; too little room is INSUFFICIENT_SIZE. */
static nvmlReturn_t processes(nvmlDevice_t device, unsigned int *infoCount, void *infos, size_t stride) {
  ENTER(device);
  if (device->processes_unsupported) return NOT_SUPPORTED;
  int slot = device->index;
  unsigned int n = 0;
  for (int i = 0; i < proc_count; i++) n += procs[i].device == slot;
  if (infos == NULL && *infoCount == 0) {
    race_armed[slot] = device->race_extra;
    *infoCount = n;
    return n == 0 ? OK : INSUFFICIENT_SIZE;
  }
  if (race_armed[slot] > 0) {
    *infoCount = n + (unsigned int)race_armed[slot];
    race_armed[slot] = 0;
    return INSUFFICIENT_SIZE;
  }
  if (*infoCount < n) { *infoCount = n; return INSUFFICIENT_SIZE; }
  if (infos == NULL) return INVALID_ARGUMENT;
  unsigned char *out = infos;
  for (int i = 0; i < proc_count; i++) {
    if (procs[i].device != slot) continue;
    nvmlProcessInfo_r535_t entry = { procs[i].pid, procs[i].used == UNSET ? ~0ULL : (unsigned long long)procs[i].used, 0xFFFFFFFFu, 0xFFFFFFFFu, 0 };
    memcpy(out, &entry, stride); /* the widest layout's prefix is each narrower one */
    out += stride;
  }
  *infoCount = n;
  return OK;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v1_t *p) { return processes(d, c, p, sizeof *p); }
#ifndef STANDIN_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v2_t *p) { return processes(d, c, p, sizeof *p); }
#ifdef STANDIN_R535
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_r535_t *p) { return processes(d, c, p, sizeof *p); }
#else
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v2_t *p) { return processes(d, c, p, sizeof *p); }
#endif
#endif
