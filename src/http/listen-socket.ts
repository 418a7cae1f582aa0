/**
 * A listening Unix socket as a raw file descriptor that nobody accepts on yet, for a socket
 * that outlives the process serving it: the supervisor makes gaia.sock once per run and
 * hands the fd to each IO engine as its fd 3 (`Bun.spawn`'s `stdio: [..., ..., ..., fd]`); a
 * client that connects while no process accepts waits in the backlog instead of being
 * refused, and is answered by whoever accepts next. While the IO engine is down the
 * supervisor serves a `dupFd(fd)` of it; closing that server closes only the dup.
 *
 * Made with bun:ffi on libc because neither Bun nor node:net can create a listening socket
 * without accepting on it. Measured with Bun 1.4.5: `net.createServer().listen({ fd })`
 * serves an inherited listening fd (and its `close()` closes that fd, which is why the
 * supervisor serves a dup); `Bun.serve({ fd })` ignores the fd; `Bun.listen` has no fd option.
 *
 * The fd is close-on-exec, so no other child inherits it by accident: Bun.spawn dup2()s an
 * fd named in `stdio` onto the child's slot, and dup2 clears close-on-exec on the copy (a
 * child given it at fd 3 served on it in test/http-inherited-fd.test.ts). It is placed at
 * 10 or above so that it can never already be the slot it is passed to (dup2 of an fd onto
 * itself would leave the flag set).
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { chmodSync } from "node:fs";
import { libcPath } from "../lib/libc.ts";

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const F_DUPFD_CLOEXEC = 1030;
const FIRST_FD = 10;
/** The kernel caps this at net.core.somaxconn (4096 by default since Linux 5.4). */
export const DEFAULT_BACKLOG = 4096;
/** sun_path is 108 bytes on Linux, with its terminating NUL. */
const MAX_PATH = 107;

let libc: ReturnType<typeof open> | null = null;
function open() {
  const path = libcPath();
  if (path === null) throw new Error("cannot find this process's C library in /proc/self/maps");
  return dlopen(path, {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    strerror: { args: [FFIType.i32], returns: FFIType.cstring },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}
const c = () => (libc ??= open());

function failure(what: string): Error {
  const errno = read.i32(c().__errno_location()!, 0);
  return new Error(`${what}: ${c().strerror(errno)} (errno ${errno})`);
}

/**
 * Binds and listens on `path` with mode 0600 from its first moment (the umask is set around
 * bind, which is synchronous here), and answers the fd. The path must not exist.
 */
export function createListenSocket(path: string, backlog = DEFAULT_BACKLOG): number {
  const name = Buffer.from(path);
  if (name.length > MAX_PATH) throw new Error(`the socket path is ${name.length} bytes, more than the ${MAX_PATH} a Unix socket allows: ${path}`);
  const made = c().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (made < 0) throw failure("cannot create a Unix socket");
  const fd = c().fcntl(made, F_DUPFD_CLOEXEC, FIRST_FD);
  const moved = fd < 0 ? failure("cannot move the socket's fd") : null;
  c().close(made);
  if (moved) throw moved;
  const addr = new Uint8Array(2 + name.length + 1);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  const umask = process.umask(0o177);
  const bound = c().bind(fd, ptr(addr), addr.length);
  process.umask(umask);
  if (bound !== 0) {
    const err = failure(`cannot bind ${path}`);
    c().close(fd);
    throw err;
  }
  if (c().listen(fd, backlog) !== 0) {
    const err = failure(`cannot listen on ${path}`);
    c().close(fd);
    throw err;
  }
  chmodSync(path, 0o600); // already so by the umask; this only makes it certain
  return fd;
}

/** A close-on-exec copy of `fd` (at 10 or above), for a server whose close must not close the original. */
export function dupFd(fd: number): number {
  const copy = c().fcntl(fd, F_DUPFD_CLOEXEC, FIRST_FD);
  if (copy < 0) throw failure(`cannot duplicate fd ${fd}`);
  return copy;
}

export function closeFd(fd: number): void {
  if (c().close(fd) !== 0) throw failure(`cannot close fd ${fd}`);
}
