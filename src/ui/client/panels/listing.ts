/**
 * Pipeline sessions (GET /v1/sessions, SPEC §12). The route comes with another part of gaia:
 * its panel shows only while the route answers, and hides on a 404. So the page does not
 * break on a field it does not know, each item is shown by the fields it has: the well-known
 * ones first, any other scalar after them, and nested values (a session's nodes) as a line each.
 */
import { h, pill, type Child } from "../dom.ts";
import { ago, brief, bytes, mib } from "../format.ts";

type Item = Record<string, unknown>;

const FIRST = ["id", "pipeline", "state", "reason", "created_at", "ready_at", "ended_at"];

/** The list inside an answer: `{sessions: [...]}`, or a bare array. */
export function itemsOf(answer: unknown, key: string): Item[] {
  if (Array.isArray(answer)) return answer as Item[];
  const list = (answer as Record<string, unknown> | null)?.[key];
  return Array.isArray(list) ? (list as Item[]) : [];
}

export function renderListing(body: HTMLElement, items: Item[]): void {
  if (items.length === 0) {
    body.replaceChildren(h("p", { class: "muted" }, "no pipeline sessions"));
    return;
  }
  const keys = [...new Set([...FIRST.filter((k) => items.some((i) => k in i)), ...items.flatMap((i) => Object.keys(i).filter(scalarField(i)))])];
  const nested = [...new Set(items.flatMap((i) => Object.keys(i).filter((k) => !keys.includes(k))))];
  const rows = items.map((item) => {
    const data = { item: String(item.id ?? item.name ?? ""), state: String(item.state ?? "") };
    const main = h("tr", { data }, keys.map((k) => h("td", null, cell(k, item[k]))));
    const extra = nested.filter((k) => item[k] !== null && item[k] !== undefined);
    if (extra.length === 0) return main;
    const detail = h("tr", { class: "nested" }, h("td", { colSpan: keys.length }, extra.map((k) => nestedValue(k, item[k]))));
    return [main, detail];
  });
  body.replaceChildren(h("table", null, h("thead", null, h("tr", null, keys.map((k) => h("th", null, k.replace(/_/g, " "))))), h("tbody", null, rows)));
}

const scalarField = (item: Item) => (k: string) => item[k] === null || typeof item[k] !== "object";

function cell(key: string, value: unknown): Child {
  if (value === null || value === undefined) return "-";
  if (key === "state" && typeof value === "string") return pill(value);
  if (typeof value === "string" && /_at$|_until$/.test(key)) return h("span", { title: value }, ago(value));
  if (typeof value === "number" && /rss_kb$/.test(key)) return mib(value);
  if (typeof value === "number" && /bytes$/.test(key)) return bytes(value);
  if (typeof value === "object") return brief(value, 60);
  return String(value);
}

function nestedValue(key: string, value: unknown): HTMLElement {
  // A session's nodes: one line per node with the figures SPEC §12 names.
  if (Array.isArray(value) && value.every((v) => v && typeof v === "object")) {
    return h(
      "div",
      null,
      h("strong", null, `${key}: `),
      (value as Item[]).map((v) =>
        h("span", { class: "node" }, [String(v.id ?? v.name ?? "?"), v.state ? " " : "", v.state ? pill(String(v.state)) : null, v.pid ? ` pid ${v.pid}` : "", v.frames_in !== undefined ? ` in ${v.frames_in}` : "", v.frames_out !== undefined ? ` out ${v.frames_out}` : "", typeof v.rss_kb === "number" ? ` ${mib(v.rss_kb)} MiB` : ""]),
      ),
    );
  }
  return h("div", null, h("strong", null, `${key}: `), brief(value, 300));
}
