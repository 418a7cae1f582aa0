/** A TCP port on 127.0.0.1 that nobody listens on now (the kernel picks it; a caller that loses a race for it retries or fails loudly). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
