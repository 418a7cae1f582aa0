/**
 * A Bun node's input side: its data socket, one consumer per input channel, and the inbox
 * that feeds `process` one frame at a time, in the order frames arrived across all inputs.
 *
 * A frame's credit goes back only when `process` has finished with it (its promise and the
 * emits it made), so the frames buffered here are bounded by the channels' capacity, and a
 * view of shared memory stays valid while `process` runs. Synchronous `process` calls run in
 * one loop per socket read, so a burst of frames costs one credit frame per channel.
 */
import { rmSync } from "node:fs";
import { ChannelConsumer, checkOpen, refuseOpen, type InputSpec } from "../../src/channels/consumer.ts";
import { listenFramed, type Framed } from "../../src/channels/framed.ts";
import { SlotMaps } from "../../src/channels/slots.ts";
import type { NodeInit } from "../../src/protocol/pipeline-messages.ts";

/** A connection that has not opened a channel within this long is closed. */
const OPEN_WITHIN_MS = 10_000;

export type InputEvents = {
  /** Runs one frame; null when it finished synchronously, else a promise for when it has. */
  process(port: string, value: unknown): Promise<void> | null;
  /** `process` threw or rejected: the node reports it and exits. */
  failed(err: unknown): void;
  lost(channel: string, reason: string): void;
  /** Every input has ended and no frame is left. */
  drained(): void;
  log(line: string): void;
};

type Item = { consumer: ChannelConsumer; value: unknown };

export class Inputs {
  private readonly specs = new Map<string, InputSpec>();
  private readonly consumers = new Map<string, ChannelConsumer>();
  private queue: Item[] = [];
  private head = 0;
  private busy = false;
  private listener: ReturnType<typeof listenFramed> | null = null;

  constructor(
    private readonly init: NodeInit,
    private readonly session: string,
    private readonly secret: string,
    private readonly events: InputEvents,
  ) {
    // One map cache per channel: a producer holds about capacity + 2 slots (src/channels/slots.ts).
    for (const { port, channel } of init.inputs) {
      const maps = new SlotMaps(init.arrays.dir, init.arrays.accept, init.capacity + 4);
      this.specs.set(channel, { channel, port, capacity: init.capacity, maps });
    }
  }

  /** Binds the data socket before the node reports ready: producers connect after `start`. */
  listen(): void {
    if (!this.init.listen) return;
    rmSync(this.init.listen, { force: true });
    this.listener = listenFramed(this.init.listen, {
      onOpen: (conn) => {
        setTimeout(() => conn.tag === null && !conn.closed && conn.drop(`no chan.open within ${OPEN_WITHIN_MS} ms`), OPEN_WITHIN_MS);
      },
      onFrame: (conn, raw) => this.onFrame(conn, raw),
      onClose: (conn, reason) => (conn.tag as ChannelConsumer | null)?.onClose(reason),
      log: this.events.log,
    });
  }

  get ended(): boolean {
    for (const channel of this.specs.keys()) if (this.consumers.get(channel)?.state.kind !== "ended") return false;
    return true;
  }

  get idle(): boolean {
    return !this.busy && this.head === this.queue.length;
  }

  stats(): Record<string, { frames: number; queued: number }> {
    const out: Record<string, { frames: number; queued: number }> = {};
    for (const spec of this.specs.values()) {
      const c = this.consumers.get(spec.channel);
      out[spec.port] = { frames: c?.frames ?? 0, queued: c?.outstanding ?? 0 };
    }
    return out;
  }

  private onFrame(conn: Framed, raw: unknown): void {
    if (conn.tag instanceof ChannelConsumer) return conn.tag.onFrame(raw);
    const open = checkOpen(raw, {
      secret: this.secret,
      session: this.session,
      find: (channel) => (this.consumers.has(channel) ? "open" : (this.specs.get(channel) ?? null)),
    });
    if (!open.ok) return refuseOpen(conn, open.reason, this.events.log);
    const consumer = new ChannelConsumer(conn, open.spec, {
      deliver: (c, value) => this.push({ consumer: c, value }),
      ended: () => this.checkDrained(),
      lost: (c, reason) => this.events.lost(c.channel, reason),
    });
    this.consumers.set(open.spec.channel, consumer);
  }

  private push(item: Item): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      // A stream that never lets the inbox empty would otherwise keep every slot it ever used.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.queue.push(item);
    if (!this.busy) this.pump();
  }

  /** Runs frames until one is asynchronous (it resumes the loop when done) or none is left. */
  private pump(): void {
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Item;
      let wait: Promise<void> | null;
      try {
        wait = this.events.process(item.consumer.spec.port, item.value);
      } catch (err) {
        this.busy = true; // nothing more runs: the node is reporting the error and exiting
        return this.events.failed(err);
      }
      if (wait) {
        this.busy = true;
        wait.then(() => {
          this.busy = false;
          item.consumer.release();
          this.pump();
        }, (err) => this.events.failed(err));
        return;
      }
      item.consumer.release();
    }
    this.queue = [];
    this.head = 0;
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.ended && this.idle) this.events.drained();
  }

  close(): void {
    this.listener?.stop(true);
  }
}
