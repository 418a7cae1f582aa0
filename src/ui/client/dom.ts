/**
 * The few DOM helpers the panels share. Text always goes in as text nodes (never innerHTML),
 * so a job's payload, error or log line shows as written and cannot become markup.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Props = {
  class?: string;
  title?: string;
  href?: string;
  type?: string;
  hidden?: boolean;
  colSpan?: number;
  data?: Record<string, string>;
  onclick?: (event: MouseEvent) => void;
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.title) el.title = props.title;
    if (props.href !== undefined) (el as HTMLAnchorElement).href = props.href;
    if (props.type) el.setAttribute("type", props.type);
    if (props.hidden) el.hidden = true;
    if (props.colSpan) (el as HTMLTableCellElement).colSpan = props.colSpan;
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    if (props.onclick) el.addEventListener("click", props.onclick as EventListener);
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(typeof child === "number" ? String(child) : child);
  }
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** A card with a title; `body` is replaced on each render, the rest stays. */
export function card(id: string, title: string, wide = false): { root: HTMLElement; body: HTMLElement; extra: HTMLElement } {
  const body = h("div", { class: "body" });
  const extra = h("span", { class: "extra" });
  const root = h("section", { class: wide ? "card wide" : "card", data: { panel: id } }, h("h2", null, title, extra), body);
  return { root, body, extra };
}

export type Column<R> = { title: string; cell: (row: R) => Child; class?: string };

/** A table of `rows`, or `empty` when there are none. */
export function table<R>(columns: Column<R>[], rows: R[], empty: string, rowData?: (row: R) => Record<string, string>): HTMLElement {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  const head = h("tr", null, columns.map((c) => h("th", c.class ? { class: c.class } : null, c.title)));
  const body = rows.map((row) => h("tr", rowData ? { data: rowData(row) } : null, columns.map((c) => h("td", c.class ? { class: c.class } : null, c.cell(row)))));
  return h("table", null, h("thead", null, head), h("tbody", null, body));
}

export function button(label: string, onclick: () => void, title?: string): HTMLButtonElement {
  return h("button", { type: "button", title, onclick: (e) => (e.stopPropagation(), onclick()) }, label);
}

export function pill(state: string): HTMLElement {
  return h("span", { class: `pill s-${state.replace(/[^a-z_]/g, "")}` }, state);
}

/** Asks before an action that changes something (SPEC §15: cancel, restart, pause...). */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}

/** The children given, less the absent ones, for replaceChildren. */
export function nodes(...children: (Node | null | undefined | false)[]): Node[] {
  return children.filter((c): c is Node => !!c);
}
