/** Files imported `with { type: "text" }` (the embedded gaia_worker package) are strings. */
declare module "*.py" {
  const text: string;
  export default text;
}
