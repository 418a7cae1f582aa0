import { describe, expect, test } from "bun:test";
import { SseParser } from "./sse.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("the SSE parser", () => {
  test("gaia's frames: comments skipped, retry kept, id, event and data read", () => {
    const parser = new SseParser();
    const out = parser.feed("retry: 1000\n: subscribed to job x\n\nid: 17\nevent: job.finished\ndata: {\"id\":17}\n\n: heartbeat 2026\n\n");
    expect(out).toEqual([{ id: "17", event: "job.finished", data: '{"id":17}' }]);
    expect(parser.retryMs).toBe(1000);
    expect(parser.lastId).toBe("17");
  });

  test("chunks split anywhere, even inside a UTF-8 character or a CRLF, give the same events", () => {
    const text = "id: 1\r\nevent: a\r\ndata: héllo\r\n\r\nid: 2\ndata: x\ndata: y\n\n";
    const whole = new SseParser().feed(bytes(text));
    const raw = bytes(text);
    for (let cut = 1; cut < raw.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.feed(raw.subarray(0, cut)), ...parser.feed(raw.subarray(cut))];
      expect({ cut, events }).toEqual({ cut, events: whole });
    }
    expect(whole).toEqual([{ id: "1", event: "a", data: "héllo" }, { id: "2", event: "message", data: "x\ny" }]);
  });

  test("the last id carries over events without one, as EventSource does; an empty event dispatches nothing", () => {
    const parser = new SseParser();
    expect(parser.feed("id: 5\ndata: a\n\ndata: b\n\nid: 6\n\n")).toEqual([{ id: "5", event: "message", data: "a" }, { id: "5", event: "message", data: "b" }]);
    expect(parser.lastId).toBe("6");
  });

  test("a thousand events in one chunk come out in order", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `id: ${i}\nevent: e\ndata: ${i}\n\n`).join("");
    const out = new SseParser().feed(text);
    expect(out.length).toBe(1000);
    expect(out[999]).toEqual({ id: "999", event: "e", data: "999" });
  });
});
