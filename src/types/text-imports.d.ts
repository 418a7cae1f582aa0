/** Files imported `with { type: "text" }` (the embedded gaia_worker package) are strings. */
declare module "*.py" {
  const text: string;
  export default text;
}

/** parse-prometheus-text-format (a test dependency) ships no types. */
declare module "parse-prometheus-text-format" {
  type Metric = { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string };
  export default function parse(text: string): { name: string; help: string; type: string; metrics: Metric[] }[];
}
