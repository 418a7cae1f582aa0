/**
 * Aligned plain-text tables and `key: value` blocks for the human output.
 * No borders and no colour, so the output greps, pastes and diffs well.
 */

export type Column<Row> = {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  /** Numbers read best right-aligned. */
  align?: "left" | "right";
};

/** `rows` as columns separated by two spaces, under an upper-case header line. */
export function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]!.length)));
  const render = (line: string[]) =>
    line
      .map((text, i) => (columns[i]!.align === "right" ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [render(columns.map((column) => column.header.toUpperCase())), ...cells.map(render)].join("\n");
}

/** `key: value` lines with the values lined up; a multi-line value is indented under its key. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([key]) => key.length)) + 2;
  return pairs
    .map(([key, value]) => `${`${key}:`.padEnd(width)}${value.replaceAll("\n", `\n${" ".repeat(width)}`)}`)
    .join("\n");
}

function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  // A cell is one line: a newline inside (an error message) would break the columns.
  return String(value).replace(/\s*\n[\s\S]*$/, " …");
}
