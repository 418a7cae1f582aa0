/**
 * The dashboard page as the binary carries it: the script and styles that build.ts bundled
 * (src/ui/build-page.ts writes them into generated/, and `bun build --compile` embeds these
 * text imports), put inline into one HTML document, so the page costs one request and works
 * with nothing fetched from elsewhere.
 *
 * Inline code would need `'unsafe-inline'` under a Content-Security-Policy; instead the policy
 * names the SHA-256 of the one script and the one style block, so nothing else can run even
 * if some job's text ever slipped into the markup. Made on the first request (the IO engine's
 * start pays nothing for it), then served as it is, gzipped for browsers that take it, with an
 * ETag so that a reload is a 304.
 */
import script from "./generated/app.js.txt" with { type: "text" };
import style from "./generated/app.css.txt" with { type: "text" };
import { shell } from "./shell.ts";

type Page = { html: Uint8Array; gzip: Uint8Array; etag: string; headers: Record<string, string> };

let page: Page | null = null;

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("base64");

function makePage(): Page {
  const text = shell(script, style);
  const html = new TextEncoder().encode(text);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(script)}'`,
    `style-src 'sha256-${sha256(style)}'`,
    "connect-src 'self'", // fetch and EventSource to this listener only
    "img-src data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const etag = `"${Bun.hash(text).toString(36)}"`;
  return {
    html,
    gzip: Bun.gzipSync(html, { level: 9 }),
    etag,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      // Revalidated each time (a new binary brings a new page), answered 304 when unchanged.
      "cache-control": "no-cache",
      etag,
      vary: "accept-encoding",
    },
  };
}

export function pageResponse(ifNoneMatch: string | undefined, acceptEncoding: string | undefined): Response {
  page ??= makePage();
  if (ifNoneMatch === page.etag) return new Response(null, { status: 304, headers: { etag: page.etag, "cache-control": "no-cache" } });
  const gzip = /\bgzip\b/.test(acceptEncoding ?? "");
  const headers = gzip ? { ...page.headers, "content-encoding": "gzip" } : page.headers;
  return new Response(gzip ? page.gzip : page.html, { headers });
}
