/**
 * Bundles the dashboard at build time (build.ts calls it before `bun build --compile`):
 * src/ui/client/main.ts and everything it imports into one minified browser script, and
 * client/style.css minified, written to src/ui/generated/ (ignored by git), where
 * src/ui/assets.ts imports them as text into the binary.
 *
 * Why not Bun's HTML imports: they are made for Bun.serve, and gaia answers HTTP with its own
 * server (src/http/); a text import works with any server and keeps the page one response.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shell } from "./shell.ts";

const here = import.meta.dir;

/** Sizes in bytes: the script, the styles, the page they make, and that page gzipped (as served). */
export type PageBuild = { scriptBytes: number; styleBytes: number; pageBytes: number; gzipBytes: number };

export async function buildPage(): Promise<PageBuild> {
  const script = await bundle(join(here, "client/main.ts"), "browser");
  const style = await bundle(join(here, "client/style.css"), "browser");
  // Inline, "</script" or "</style" would end the element early: refuse rather than guess.
  if (/<\/script/i.test(script)) throw new Error("build-page: the bundled script contains '</script'; it cannot go inline");
  if (/<\/style/i.test(style)) throw new Error("build-page: the styles contain '</style'; they cannot go inline");
  const out = join(here, "generated");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "app.js.txt"), script);
  writeFileSync(join(out, "app.css.txt"), style);
  const page = Buffer.from(shell(script, style));
  return { scriptBytes: Buffer.byteLength(script), styleBytes: Buffer.byteLength(style), pageBytes: page.length, gzipBytes: Bun.gzipSync(page, { level: 9 }).length };
}

async function bundle(entry: string, target: "browser"): Promise<string> {
  const result = await Bun.build({ entrypoints: [entry], target, minify: true, format: "esm", sourcemap: "none" });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build-page: cannot bundle ${entry}`);
  }
  // A script comes out as the "entry-point"; a stylesheet as an "asset" (Bun 1.4).
  const texts = await Promise.all(result.outputs.filter((o) => o.kind === "entry-point" || o.path.endsWith(".css")).map((o) => o.text()));
  return texts.join("\n").trim();
}
