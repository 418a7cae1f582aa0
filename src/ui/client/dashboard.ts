/**
 * The dashboard: its panels, what each reads, and how events drive the reads. The page reads
 * everything once, then each event marks what it changed and the Refresher (refresher.ts)
 * reads that again, at most once a second per kind. The charts are redrawn every few seconds
 * from what the page holds, which asks the API for nothing. The one read on a timer is a
 * cluster's nodes while their panel shows: a node renews its lease without an event, so the
 * lease's time left would otherwise stand still (a gaia of one host hides the panel, and an
 * idle page there still asks for nothing).
 */
import { actHooks } from "./act.ts";
import { get, getOptional } from "./api.ts";
import { chartSvg } from "./chart.ts";
import { $, card } from "./dom.ts";
import { span } from "./format.ts";
import { Live, type LiveState } from "./live.ts";
import { renderJobPage } from "./panels/job-page.ts";
import { renderJobs, stateFilter } from "./panels/jobs.ts";
import { itemsOf, renderListing } from "./panels/listing.ts";
import { renderNodes } from "./panels/nodes.ts";
import { renderArrays, renderGpus } from "./panels/resources.ts";
import { renderSchedules } from "./panels/schedules.ts";
import { renderPools, renderWorkers } from "./panels/workers.ts";
import { affected, Refresher, type Resource } from "./refresher.ts";
import { Depths, Throughput, WINDOW_MS } from "./series.ts";
import type { Arrays, ClusterNode, Gpus, Job, JobLogs, Schedule, Status, Worker } from "./types.ts";

const ALL: Resource[] = ["status", "workers", "jobs", "job", "schedules", "arrays", "gpus", "sessions", "nodes"];
const CHART_REDRAW_MS = 5000;
const RECENT_JOBS = 20;

export class Dashboard {
  private readonly cards = {
    pools: card("pools", "Pools", true),
    workers: card("workers", "Workers", true),
    depth: card("depth", "Queue depth"),
    rate: card("rate", "Jobs per second"),
    jobs: card("jobs", "Recent jobs", true),
    schedules: card("schedules", "Schedules", true),
    arrays: card("arrays", "Arrays"),
    gpus: card("gpus", "GPUs"),
    sessions: card("sessions", "Pipeline sessions", true),
    nodes: card("nodes", "Nodes", true),
    job: card("job", "Job", true),
  };
  private readonly refresher = new Refresher<Resource>((r) => this.load(r), 1000);
  private readonly live: Live;
  private readonly depths = new Depths();
  private readonly rate = new Throughput();
  /** Routes this gaia does not have (a 404): their panels stay hidden and are not read. */
  private readonly absent = new Set<Resource>();
  private jobId: string | null = null;
  private jobState = "";
  private chartTimer: ReturnType<typeof setInterval> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly root: HTMLElement, stillSignedIn: () => Promise<boolean>) {
    this.cards.sessions.root.hidden = this.cards.nodes.root.hidden = true;
    this.cards.jobs.extra.append(stateFilter((state) => ((this.jobState = state), this.refresher.mark("jobs"))));
    root.replaceChildren(...Object.values(this.cards).map((c) => c.root));
    this.live = new Live({
      event: (kind, data) => this.onEvent(kind, data),
      state: (state) => this.showLive(state),
      opened: (again) => again && this.markAll(),
      refused: stillSignedIn,
    });
    actHooks({ notice: (text, error) => this.notice(text, error), refresh: (kinds) => kinds.forEach((k) => this.refresher.mark(k)) });
  }

  start(): void {
    this.route();
    window.addEventListener("hashchange", this.route); // route() has marked what it shows
    this.live.start();
    this.chartTimer = setInterval(() => document.hidden || this.tick(), CHART_REDRAW_MS);
  }

  stop(): void {
    this.live.stop();
    clearInterval(this.chartTimer);
    window.removeEventListener("hashchange", this.route);
  }

  markAll(): void {
    for (const r of ALL) if (this.visible(r)) this.refresher.mark(r);
  }

  /** `#/jobs/ID` shows one job; anything else the dashboard. */
  private readonly route = () => {
    const match = /^#\/jobs\/([^/]+)$/.exec(location.hash);
    this.jobId = match ? decodeURIComponent(match[1]!) : null;
    for (const [name, c] of Object.entries(this.cards)) c.root.hidden = this.jobId ? name !== "job" : name === "job" || this.absent.has(name as Resource);
    if (this.jobId) {
      this.cards.job.extra.textContent = ` ${this.jobId}`;
      this.cards.job.body.replaceChildren("loading…");
      this.refresher.mark("job");
    } else this.markAll();
  };

  private visible(r: Resource): boolean {
    if (this.absent.has(r)) return false;
    if (this.jobId) return r === "job" || r === "status";
    return r !== "job";
  }

  private onEvent(kind: string, data: string): void {
    if (kind === "job.finished") {
      const event = JSON.parse(data) as { at: string; data: { state: string } };
      this.rate.count(Date.parse(event.at) || Date.now(), event.data.state);
    }
    for (const r of affected(kind)) {
      // One job's page reads again only for events that name its job.
      if (r === "job" && !(this.jobId && data.includes(this.jobId))) continue;
      if (this.visible(r)) this.refresher.mark(r);
    }
  }

  private async load(r: Resource): Promise<void> {
    const c = this.cards;
    if (!this.visible(r)) return; // marked before a 404 hid it, or before the page changed
    try {
      switch (r) {
        case "status": return this.showStatus(await get<Status>("/v1/status"));
        case "workers": return renderWorkers(c.workers.body, (await get<{ workers: Worker[] }>("/v1/workers")).workers);
        case "jobs": return renderJobs(c.jobs.body, (await get<{ jobs: Job[] }>(`/v1/jobs?limit=${RECENT_JOBS}${this.jobState ? `&state=${this.jobState}` : ""}`)).jobs);
        case "schedules": return renderSchedules(c.schedules.body, (await get<{ schedules: Schedule[] }>("/v1/schedules")).schedules);
        case "arrays": return renderArrays(c.arrays.body, await get<Arrays>("/v1/arrays"));
        case "gpus": return renderGpus(c.gpus.body, await get<Gpus>("/v1/gpus"));
        case "sessions": return this.showOptional(r, await getOptional("/v1/sessions"), (body, answer) => renderListing(body, itemsOf(answer, r)));
        case "nodes": return this.showOptional(r, await getOptional<{ nodes: ClusterNode[] }>("/v1/nodes"), (body, answer) => renderNodes(body, answer.nodes));
        case "job": return this.showJob();
      }
    } catch (err) {
      this.notice(`reading ${r}: ${(err as Error).message}`, true);
      throw err;
    }
  }

  private async showJob(): Promise<void> {
    const id = this.jobId;
    if (!id) return;
    const [job, logs] = await Promise.all([get<Job>(`/v1/jobs/${encodeURIComponent(id)}`), get<JobLogs>(`/v1/jobs/${encodeURIComponent(id)}/logs`).catch(() => null)]);
    if (id === this.jobId) renderJobPage(this.cards.job.body, job, logs);
  }

  /** A panel whose route this gaia may lack: hidden for good on a 404, else shown and rendered. */
  private showOptional<T>(r: "sessions" | "nodes", answer: T | null, render: (body: HTMLElement, answer: T) => void): void {
    const c = this.cards[r];
    if (answer === null) {
      this.absent.add(r);
      c.root.hidden = true;
      return;
    }
    c.root.hidden = this.jobId !== null;
    render(c.body, answer);
  }

  /** Every few seconds: the charts, and the nodes' leases while they show (see the top). */
  private tick(): void {
    this.drawCharts();
    if (!this.cards.nodes.root.hidden) this.refresher.mark("nodes");
  }

  private showStatus(status: Status): void {
    $("summary").textContent = `${status.version} · ${status.node} · up ${span(status.uptime_s * 1000)} · ${status.state} · io engine ${status.io.state}`;
    renderPools(this.cards.pools.body, status);
    this.depths.add({ t: Date.now(), queued: Object.fromEntries(status.pools.map((p) => [p.name, p.queued])), running: status.jobs.running ?? 0 });
    this.drawCharts();
  }

  private drawCharts(): void {
    const now = Date.now();
    const from = now - WINDOW_MS;
    this.cards.depth.body.innerHTML = chartSvg({ title: "queue depth", lines: this.depths.lines(now), from, to: now });
    this.cards.rate.body.innerHTML = chartSvg({ title: "jobs per second", lines: this.rate.lines(now), from, to: now });
  }

  private showLive(state: LiveState): void {
    const el = $("live");
    el.textContent = state;
    el.className = `pill s-${state}`;
  }

  notice(text: string, error = false): void {
    const el = $("banner");
    el.textContent = text;
    el.className = error ? "error" : "";
    el.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (el.hidden = true), error ? 10_000 : 4000);
  }
}
