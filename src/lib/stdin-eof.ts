/**
 * SPEC §1: every child's stdin is a pipe from the supervisor that is never written. EOF on
 * it means the supervisor is gone (even after `kill -9`: the kernel closes the pipe), and Bun
 * does not take its children down with it, so each child watches for EOF and leaves.
 */
export function exitOnStdinEof(onEof: () => void): void {
  const reader = Bun.stdin.stream().getReader();
  const pump = async (): Promise<void> => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return onEof();
    }
  };
  void pump().catch(() => onEof());
}
