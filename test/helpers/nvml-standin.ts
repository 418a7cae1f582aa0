/**
 * The NVML stand-in for tests (test/gpu/nvml-standin.c): this machine has no GPU, so tests
 * compile a shared library with NVML's signatures and struct layouts into a temp dir and
 * point GAIA_NVML_LIBRARY at it. Everything above the dlopen is gaia's real code.
 *
 * The library reads its devices from the file GAIA_NVML_STANDIN_FILE names, on every call.
 * In this test process that variable must be in the C environment, which Bun's process.env
 * does not write to, so `useStandinFile` sets it with libc's setenv(3); a gaia started as a
 * child process gets it in its environment as usual.
 */
import { dlopen, FFIType } from "bun:ffi";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { libcPath } from "../../src/lib/libc.ts";

export const STANDIN_SOURCE = resolve(import.meta.dir, "../gpu/nvml-standin.c");
/** The libcuda stand-in that keeps the NVML stand-in's process list in step (for the device check's rehearsal). */
export const CUDA_STANDIN_SOURCE = resolve(import.meta.dir, "../gpu/cuda-standin.c");

export type Variant = "current" | "r535" | "old-driver" | "nvml13";
const FLAGS: Record<Variant, string[]> = {
  current: [],
  r535: ["-DSTANDIN_R535"],
  "old-driver": ["-DSTANDIN_OLD_DRIVER"],
  nvml13: ["-DSTANDIN_NVML13"],
};

/** A temp dir with the stand-in compiled into `<dir>/<variant>/libnvidia-ml.so.1`, and its devices file. */
export class Standin {
  readonly dir = mkdtempSync(join(tmpdir(), "gaia-nvml-"));
  readonly file = join(this.dir, "devices.txt");

  /** Compiles one variant of the NVML stand-in; returns the library's path. */
  build(variant: Variant = "current"): string {
    return compile(STANDIN_SOURCE, join(this.dir, variant), "libnvidia-ml.so.1", FLAGS[variant]);
  }

  /** Compiles the libcuda stand-in; returns the library's path. */
  buildCuda(): string {
    return compile(CUDA_STANDIN_SOURCE, join(this.dir, "cuda"), "libcuda.so.1", []);
  }

  /** Replaces the devices file in one step (rename), so the library never reads half of it. */
  write(lines: string[]): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${lines.join("\n")}\n`);
    renameSync(tmp, this.file);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function compile(source: string, dir: string, name: string, flags: string[]): string {
  mkdirSync(dir, { recursive: true });
  const lib = join(dir, name);
  const cc = Bun.spawnSync(["cc", "-shared", "-fPIC", "-Wall", "-o", lib, source, ...flags], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc failed on ${source}: ${cc.stderr.toString()}`);
  return lib;
}

let setenv: ((name: Uint8Array, value: Uint8Array, overwrite: number) => number) | undefined;

/** Puts GAIA_NVML_STANDIN_FILE into this process's C environment. */
export function useStandinFile(file: string): void {
  if (!setenv) {
    const path = libcPath();
    if (!path) throw new Error("cannot find this process's C library in /proc/self/maps (needed for setenv)");
    const libc = dlopen(path, { setenv: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 } });
    setenv = (name, value, overwrite) => libc.symbols.setenv(name, value, overwrite) as number;
  }
  const cstr = (text: string) => new TextEncoder().encode(`${text}\0`);
  if (setenv(cstr("GAIA_NVML_STANDIN_FILE"), cstr(file), 1) !== 0) throw new Error("setenv(GAIA_NVML_STANDIN_FILE) failed");
}

/** A device line of the stand-in's file. */
export function device(fields: {
  index: number; uuid: string; name: string; total?: number; used?: number; reserved?: number;
  util?: [number, number]; temp?: number; power_mw?: number; fan?: number;
}): string {
  const value = (v: number | undefined) => (v === undefined ? "-" : String(v));
  return [
    `device index=${fields.index} uuid=${fields.uuid}`,
    `total=${value(fields.total)} used=${value(fields.used)} reserved=${value(fields.reserved)}`,
    `util=${fields.util ? fields.util.join("/") : "-"} temp=${value(fields.temp)} power_mw=${value(fields.power_mw)} fan=${value(fields.fan)}`,
    `name=${fields.name}`,
  ].join(" ");
}

export const gpuProcess = (device: number, pid: number, used: number | null) => `process device=${device} pid=${pid} used=${used === null ? "-" : used}`;
