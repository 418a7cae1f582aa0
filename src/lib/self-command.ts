/**
 * How to run this same program again, for any role: the binary itself, or bun and the entry
 * script from a checkout. In a compiled binary argv[1] is `/$bunfs/…`, so the role a child
 * plays always comes from the arguments that follow, never from the path.
 */
export function selfCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
}
