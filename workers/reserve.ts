/**
 * Reserving an output file's pages up front with posix_fallocate(3), through bun:ffi (Node's
 * fs has no fallocate). tmpfs does not refuse a write to a sparse file past its size: it
 * kills the writer with SIGBUS. posix_fallocate instead fails with ENOSPC, which becomes the
 * task's error; it also gives the pages in one call rather than one fault per 4 KiB page.
 * Where libc cannot be opened (not glibc), the file stays sparse and only the free-space
 * check before it protects the worker.
 */
import { dlopen, FFIType } from "bun:ffi";

type Fallocate = (fd: number, offset: number, length: number) => number;

let fallocate: Fallocate | null | undefined;

function load(): Fallocate | null {
  try {
    const libc = dlopen("libc.so.6", { posix_fallocate: { args: [FFIType.i32, FFIType.i64, FFIType.i64], returns: FFIType.i32 } });
    return (fd, offset, length) => libc.symbols.posix_fallocate(fd, offset, length) as number;
  } catch {
    return null;
  }
}

/** Gives `fd` its `bytes`; an errno (ENOSPC is 28) when the filesystem cannot, 0 when done or not possible here. */
export function reserve(fd: number, bytes: number): number {
  if (fallocate === undefined) fallocate = load();
  return fallocate ? fallocate(fd, 0, bytes) : 0;
}
