/**
 * The session runtime as the IO engine hosts it (SPEC §12): node processes are spawned and
 * killed by the supervisor (over its link: `node.spawn`, `node.kill`), their exits come back
 * from it (`node.exited`), `session.*` events go to the bus, and pipelines defined through
 * the API (`PUT /v1/pipelines/NAME`) are kept in the journal's file beside the config's.
 */
import type { Database } from "bun:sqlite";
import type { Config } from "../../config/schema.ts";
import type { LinkEvent } from "../../protocol/link-messages.ts";
import { Refusal } from "../refusal.ts";
import type { EventBus } from "../events/bus.ts";
import type { SupervisorLink } from "../supervisor-link.ts";
import { SessionRuntime } from "./runtime.ts";
import { Pipeline, type PipelineDefinition } from "./schema.ts";
import type { PipelineView } from "../../api/shapes/sessions.ts";

// Typed with the API's schema (src/api/shapes/sessions.ts), which the document is generated from.
export type { PipelineView };

export type HostOptions = {
  config: Config;
  runDir: string;
  instance: string;
  secret: string;
  selfCommand: string[];
  pythonPackage: string;
  db: Database;
  supervisor: SupervisorLink;
  bus: EventBus;
  log(line: string): void;
};

export class PipelineHost {
  readonly runtime: SessionRuntime;
  private readonly fromConfig: Map<string, PipelineDefinition>;
  private readonly fromApi = new Map<string, PipelineDefinition>();

  constructor(private readonly opts: HostOptions) {
    opts.db.exec("CREATE TABLE IF NOT EXISTS api_pipelines (name TEXT PRIMARY KEY, definition TEXT NOT NULL)");
    this.fromConfig = new Map(opts.config.pipelines.map((p) => [p.name, p as PipelineDefinition]));
    for (const row of opts.db.query("SELECT name, definition FROM api_pipelines").all() as { name: string; definition: string }[]) {
      const parsed = Pipeline.safeParse(JSON.parse(row.definition));
      if (parsed.success && !this.fromConfig.has(row.name)) this.fromApi.set(row.name, parsed.data as PipelineDefinition);
    }
    const { supervisor, bus, log } = opts;
    this.runtime = new SessionRuntime(
      {
        runDir: opts.runDir, arraysDir: opts.config.arrays.dir, instance: opts.instance, secret: opts.secret,
        launch: { selfCommand: opts.selfCommand, pythonPackage: opts.pythonPackage, baseEnv: process.env },
        pipelines: this.all(),
      },
      {
        async spawn(launch) {
          const env = Object.fromEntries(Object.entries(launch.env).filter((e): e is [string, string] => e[1] !== undefined));
          const answer = await supervisor.call("node.spawn", { name: launch.name, session: launch.session, node: launch.node, argv: launch.argv, env, memory_limit_mb: launch.memory_limit_mb, gpus: launch.gpus }, 10_000);
          if (!answer.ok) throw new Error(`the supervisor could not start node ${launch.node}: ${answer.error.message}`);
          return answer.value;
        },
        kill: (pid, signal) => supervisor.notify({ kind: "node.kill", pid, signal }),
        publish: (kind, data) => void bus.stage(kind, data),
        log,
      },
    );
  }

  /** A node's process ended (the supervisor's `node.exited`). */
  nodeExited(event: Extract<LinkEvent, { kind: "node.exited" }>): void {
    this.runtime.nodeExited(event.pid, { code: event.code, signal: event.signal, lines: event.lines, reason: event.reason, detail: event.detail });
  }

  list(): PipelineView[] {
    return [...[...this.fromConfig.values()].map((p) => ({ ...p, source: "config" as const })), ...[...this.fromApi.values()].map((p) => ({ ...p, source: "api" as const }))];
  }

  get(name: string): PipelineView {
    const found = this.fromConfig.get(name) ?? this.fromApi.get(name);
    if (!found) throw new Refusal(404, "not_found", `no pipeline '${name}'; see GET /v1/pipelines`);
    return { ...found, source: this.fromConfig.has(name) ? "config" : "api" };
  }

  /** Creates (true) or replaces a pipeline defined through the API. */
  put(def: PipelineDefinition): boolean {
    if (this.fromConfig.has(def.name)) throw fromConfig(def.name, "change");
    const created = !this.fromApi.has(def.name);
    this.fromApi.set(def.name, def);
    this.opts.db.query("INSERT INTO api_pipelines (name, definition) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET definition = excluded.definition").run(def.name, JSON.stringify(def));
    this.runtime.setPipelines(this.all());
    return created;
  }

  remove(name: string): PipelineView {
    const view = this.get(name);
    if (view.source === "config") throw fromConfig(name, "remove");
    this.fromApi.delete(name);
    this.opts.db.query("DELETE FROM api_pipelines WHERE name = ?").run(name);
    this.runtime.setPipelines(this.all());
    return view;
  }

  private all(): PipelineDefinition[] {
    return [...this.fromConfig.values(), ...this.fromApi.values()];
  }
}

function fromConfig(name: string, verb: string): Refusal {
  return new Refusal(409, "config_pipeline", `pipeline '${name}' is defined in the config file; ${verb} it there`);
}
