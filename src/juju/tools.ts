/**
 * Typed adapters for the Juju hook tools the charm uses. Each call builds Juju's argv, parses the
 * output with zod and turns failures into `HookToolError`s. Reads that Juju itself caches for
 * the hook (config, leadership, relation databags) are cached here too, so a hook never asks twice.
 */
import * as z from "zod/mini";
import "../zod_en.ts";
import { classifyToolFailure, HookToolError } from "./errors.ts";
import type { ToolRunner } from "./runner.ts";
import { escapeControls, toolMessage } from "./text.ts";

export type Databag = Readonly<Record<string, string>>;
export type SettableStatus = "active" | "blocked" | "maintenance" | "waiting";
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** A relation as `-r` wants it: endpoint and numeric id. */
export interface RelationRef {
  readonly endpoint: string;
  readonly id: number;
}

export interface StatusValue {
  readonly status: string;
  readonly message: string;
}

export interface SecretMetadataOptions {
  readonly label?: string;
  readonly description?: string;
  /** RFC 3339 time or a Go duration such as `24h`. */
  readonly expire?: string;
  readonly rotate?: "never" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
}

export interface SecretInfo {
  readonly id: string;
  readonly revision: number;
  readonly owner: string;
  readonly label?: string;
  readonly description?: string;
  readonly expiry?: string;
  readonly rotation?: string;
  readonly rotates?: string;
}

/** Who a secret is looked up by: its id (URI), its label, or both (which sets the label). */
export interface SecretSelector {
  readonly id?: string;
  readonly label?: string;
}

export interface NetworkInfo {
  readonly ingressAddresses: readonly string[];
  readonly bindAddresses: readonly string[];
  readonly egressSubnets: readonly string[];
}

export interface GoalState {
  readonly units: Readonly<Record<string, { readonly status: string }>>;
  readonly relations: Readonly<
    Record<string, Readonly<Record<string, { readonly status: string }>>>
  >;
}

export interface HookTools {
  relationIds(endpoint: string): Promise<RelationRef[]>;
  relationUnits(relation: RelationRef): Promise<string[]>;
  relationRemoteApp(relation: RelationRef): Promise<string>;
  /** One databag: a unit's (member is a unit name) or an application's (`app: true`). */
  relationGet(relation: RelationRef, member: string, app: boolean): Promise<Databag>;
  /** Merges `data` into the own unit or application databag; `""` deletes a key. */
  relationSet(relation: RelationRef, data: Databag, app: boolean): Promise<void>;
  configGet(): Promise<Readonly<Record<string, unknown>>>;
  isLeader(): Promise<boolean>;
  statusGet(application: boolean): Promise<StatusValue>;
  statusSet(status: SettableStatus, message: string, application?: boolean): Promise<void>;
  applicationVersionSet(version: string): Promise<void>;
  log(level: LogLevel, message: string): Promise<void>;
  actionGet(): Promise<Readonly<Record<string, unknown>>>;
  /** Sets action results; nested objects become dotted keys as Juju expects. */
  actionSet(results: Readonly<Record<string, unknown>>): Promise<void>;
  actionFail(message: string): Promise<void>;
  actionLog(message: string): Promise<void>;
  stateGet(): Promise<Readonly<Record<string, string>>>;
  stateSet(values: Readonly<Record<string, string>>): Promise<void>;
  stateDelete(key: string): Promise<void>;
  secretAdd(
    content: Readonly<Record<string, string>>,
    options?: SecretMetadataOptions & { readonly owner?: "application" | "unit" },
  ): Promise<string>;
  secretGet(
    secret: SecretSelector,
    options?: { readonly refresh?: boolean; readonly peek?: boolean },
  ): Promise<Record<string, string>>;
  secretSet(
    id: string,
    content?: Readonly<Record<string, string>>,
    options?: SecretMetadataOptions,
  ): Promise<void>;
  secretRemove(id: string, revision?: number): Promise<void>;
  secretIds(): Promise<string[]>;
  secretInfoGet(secret: SecretSelector): Promise<SecretInfo>;
  secretGrant(id: string, relation: RelationRef, unit?: string): Promise<void>;
  secretRevoke(id: string, relation: RelationRef, unit?: string): Promise<void>;
  networkGet(binding: string, relation?: RelationRef): Promise<NetworkInfo>;
  goalState(): Promise<GoalState>;
  /** Every tool call made so far, in order (for logs and benchmarks). */
  readonly calls: number;
}

/** Juju rejects argv strings of 128 KiB or more (in bytes); ops splits log lines below that. */
const MAX_ARG_LENGTH = 131071;

const stringMap = z.record(z.string(), z.string());
const nullableStringMap = z.pipe(z.nullable(stringMap), z.transform((value) => value ?? {}));
const stringList = z.pipe(z.nullable(z.array(z.string())), z.transform((value) => value ?? []));
const statusShape = z.object({ status: z.string(), message: z._default(z.string(), "") });
const appStatusShape = z.object({ "application-status": statusShape });
const secretInfoShape = z.record(
  z.string(),
  z.object({
    revision: z.number(),
    owner: z.string(),
    label: z.optional(z.string()),
    description: z.optional(z.string()),
    expiry: z.optional(z.string()),
    rotation: z.optional(z.string()),
    rotates: z.optional(z.string()),
  }),
);
const networkShape = z.object({
  "bind-addresses": z.nullish(z.array(z.object({
    addresses: z.nullish(z.array(z.object({ value: z.string() }))),
  }))),
  "egress-subnets": z.nullish(z.array(z.string())),
  "ingress-addresses": z.nullish(z.array(z.string())),
});
const goalStateShape = z.object({
  units: z.nullish(z.record(z.string(), z.object({ status: z.string() }))),
  relations: z.nullish(
    z.record(z.string(), z.record(z.string(), z.object({ status: z.string() }))),
  ),
});

const rel = (relation: RelationRef) => ["-r", `${relation.endpoint}:${relation.id}`];

function flatten(prefix: string, value: unknown, into: Record<string, string>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      flatten(prefix ? `${prefix}.${key}` : key, inner, into);
    }
  } else if (value !== undefined) {
    into[prefix] = typeof value === "string" ? value : JSON.stringify(value);
  }
}

function metadataArgs(options: SecretMetadataOptions | undefined): string[] {
  const args: string[] = [];
  if (options?.label !== undefined) args.push("--label", options.label);
  if (options?.description !== undefined) args.push("--description", options.description);
  if (options?.expire !== undefined) args.push("--expire", options.expire);
  if (options?.rotate !== undefined) args.push("--rotate", options.rotate);
  return args;
}

/** Secret values go through files (absolute paths, private to this process), never argv. */
async function withContentFiles<T>(
  content: Readonly<Record<string, string>>,
  use: (args: string[]) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "gai-secret-" });
  try {
    const args: string[] = [];
    for (const [key, value] of Object.entries(content)) {
      const path = `${dir}/${key}`;
      await Deno.writeTextFile(path, value, { mode: 0o600 });
      args.push(`${key}#file=${path}`);
    }
    return await use(args);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Who "we" are, so writes to our own databags keep the read cache true. */
export interface Identity {
  readonly unitName: string;
  readonly appName: string;
}

/** Builds the adapters over a runner (the real processes, or an in-process fake in tests). */
export function createHookTools(runner: ToolRunner, own: Identity): HookTools {
  let calls = 0;
  let config: Promise<Record<string, unknown>> | undefined;
  let leader: Promise<boolean> | undefined;
  const databags = new Map<string, Record<string, string>>();
  const relationIds = new Map<string, Promise<string[]>>();

  async function call(tool: string, args: string[], stdin?: string): Promise<string> {
    calls++;
    // A NUL cannot pass through argv (the tool would not spawn): never let one reach it.
    const safe = args.map((arg) =>
      arg.includes("\u0000") ? arg.replaceAll("\u0000", "\\u0000") : arg
    );
    const result = await runner.run(tool, safe, stdin);
    if (result.code !== 0) throw classifyToolFailure(tool, result.code, result.stderr);
    return result.stdout;
  }

  async function json<T>(tool: string, args: string[], schema: z.ZodMiniType<T>): Promise<T> {
    const stdout = await call(tool, args);
    let value: unknown;
    try {
      value = JSON.parse(stdout);
    } catch {
      throw new HookToolError(
        "other",
        tool,
        0,
        `${tool} printed invalid JSON: ${stdout.slice(0, 200)}`,
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new HookToolError(
        "other",
        tool,
        0,
        `${tool} printed unexpected output: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      );
    }
    return parsed.data;
  }

  const databagKey = (relation: RelationRef, member: string, app: boolean) =>
    `${relation.id}\u0000${app ? "app" : "unit"}\u0000${member}`;

  return {
    get calls() {
      return calls;
    },

    async relationIds(endpoint) {
      // A hook's relations do not change while it runs: asked once per endpoint.
      let ids = relationIds.get(endpoint);
      if (!ids) {
        ids = json("relation-ids", [endpoint, "--format=json"], stringList);
        relationIds.set(endpoint, ids);
      }
      return (await ids)
        .map((id) => ({ endpoint, id: Number(id.slice(id.lastIndexOf(":") + 1)) }))
        .filter((relation) => Number.isInteger(relation.id))
        .sort((a, b) => a.id - b.id);
    },

    relationUnits(relation) {
      return json("relation-list", ["--format=json", ...rel(relation)], stringList);
    },

    relationRemoteApp(relation) {
      return json("relation-list", ["--format=json", "--app", ...rel(relation)], z.string());
    },

    async relationGet(relation, member, app) {
      const key = databagKey(relation, member, app);
      const cached = databags.get(key);
      if (cached) return { ...cached };
      const args = ["--format=json", ...rel(relation), ...(app ? ["--app"] : []), "-", member];
      const data = await json("relation-get", args, nullableStringMap);
      databags.set(key, data);
      return { ...data };
    },

    async relationSet(relation, data, app) {
      if (Object.keys(data).length === 0) return;
      await call(
        "relation-set",
        [...rel(relation), ...(app ? ["--app"] : []), "--file", "-"],
        JSON.stringify(data),
      );
      // Juju answers reads of our own databags from the hook's pending writes; so does the cache.
      const cached = databags.get(databagKey(relation, app ? own.appName : own.unitName, app));
      if (cached) {
        for (const [name, value] of Object.entries(data)) {
          if (value === "") delete cached[name];
          else cached[name] = value;
        }
      }
    },

    configGet() {
      config ??= json("config-get", ["--format=json"], z.record(z.string(), z.unknown()));
      return config;
    },

    isLeader() {
      leader ??= json("is-leader", ["--format=json"], z.boolean());
      return leader;
    },

    async statusGet(application) {
      const args = ["--include-data", "--format=json", `--application=${application}`];
      if (!application) return await json("status-get", args, statusShape);
      const shaped = await json("status-get", args, z.union([appStatusShape, statusShape]));
      return "application-status" in shaped ? shaped["application-status"] : shaped;
    },

    async statusSet(status, message, application = false) {
      await call("status-set", [
        `--application=${application ? "True" : "False"}`,
        status,
        "--",
        toolMessage(message),
      ]);
    },

    async applicationVersionSet(version) {
      await call("application-version-set", ["--", version]);
    },

    async log(level, raw) {
      const message = escapeControls(raw);
      // The limit is in bytes: a UTF-16 unit takes up to 3 in UTF-8.
      // deno-lint-ignore no-control-regex
      const step = /^[\u0000-\u007f]*$/.test(message)
        ? MAX_ARG_LENGTH
        : Math.floor(MAX_ARG_LENGTH / 3);
      for (let start = 0; start < message.length; start += step) {
        await call("juju-log", [
          "--log-level",
          level,
          "--",
          message.slice(start, start + step),
        ]);
      }
    },

    actionGet() {
      return json("action-get", ["--format=json"], z.record(z.string(), z.unknown()));
    },

    async actionSet(results) {
      const flat: Record<string, string> = {};
      flatten("", results, flat);
      const args = Object.entries(flat).map(([key, value]) => `${key}=${escapeControls(value)}`);
      // A result argv cannot carry fails the action, saying which, rather than the hook.
      const encoder = new TextEncoder();
      const large = args.find((arg) => encoder.encode(arg).length > MAX_ARG_LENGTH);
      if (large !== undefined) {
        const key = large.slice(0, large.indexOf("="));
        const size = encoder.encode(large).length;
        await call("action-fail", [
          "--",
          toolMessage(
            `the result ${key} is too large to return (${size} bytes, at most ${MAX_ARG_LENGTH})`,
          ),
        ]);
        return;
      }
      if (args.length > 0) await call("action-set", args);
    },

    async actionFail(message) {
      await call("action-fail", ["--", toolMessage(message)]);
    },

    async actionLog(message) {
      await call("action-log", ["--", toolMessage(message)]);
    },

    stateGet() {
      return json("state-get", ["--format=json"], nullableStringMap);
    },

    async stateSet(values) {
      if (Object.keys(values).length === 0) return;
      await call("state-set", ["--file", "-"], JSON.stringify(values));
    },

    async stateDelete(key) {
      await call("state-delete", ["--", key]);
    },

    async secretAdd(content, options) {
      const owner = options?.owner ?? "application";
      const stdout = await withContentFiles(
        content,
        (files) => call("secret-add", [...metadataArgs(options), "--owner", owner, ...files]),
      );
      const uri = stdout.trim();
      if (!/^secret:/.test(uri)) {
        throw new HookToolError(
          "other",
          "secret-add",
          0,
          `secret-add printed no secret URI: ${uri}`,
        );
      }
      return uri;
    },

    secretGet(secret, options) {
      const args = ["--format=json"];
      if (secret.id !== undefined) args.push(secret.id);
      if (secret.label !== undefined) args.push("--label", secret.label);
      if (options?.refresh) args.push("--refresh");
      if (options?.peek) args.push("--peek");
      return json("secret-get", args, stringMap);
    },

    async secretSet(id, content, options) {
      const run = (files: string[]) =>
        call("secret-set", [...metadataArgs(options), "--owner", "application", id, ...files]);
      await (content ? withContentFiles(content, run) : run([]));
    },

    async secretRemove(id, revision) {
      await call("secret-remove", [
        id,
        ...(revision === undefined ? [] : ["--revision", String(revision)]),
      ]);
    },

    secretIds() {
      return json("secret-ids", ["--format=json"], stringList);
    },

    async secretInfoGet(secret) {
      const args = ["--format=json"];
      if (secret.id !== undefined) args.push(secret.id);
      else if (secret.label !== undefined) args.push("--label", secret.label);
      const info = await json("secret-info-get", args, secretInfoShape);
      const [id, value] = Object.entries(info)[0] ?? [];
      if (id === undefined || value === undefined) {
        throw new HookToolError(
          "secret-not-found",
          "secret-info-get",
          0,
          "secret-info-get printed no secret",
        );
      }
      return { id, ...value };
    },

    async secretGrant(id, relation, unit) {
      await call("secret-grant", [
        "--relation",
        String(relation.id),
        ...(unit ? ["--unit", unit] : []),
        id,
      ]);
    },

    async secretRevoke(id, relation, unit) {
      await call("secret-revoke", [
        "--relation",
        String(relation.id),
        ...(unit ? ["--unit", unit] : []),
        id,
      ]);
    },

    async networkGet(binding, relation) {
      const args = ["--format=json", ...(relation ? rel(relation) : []), binding];
      const info = await json("network-get", args, networkShape);
      return {
        ingressAddresses: info["ingress-addresses"] ?? [],
        bindAddresses: (info["bind-addresses"] ?? []).flatMap((bind) =>
          (bind.addresses ?? []).map((address) => address.value)
        ),
        egressSubnets: info["egress-subnets"] ?? [],
      };
    },

    async goalState() {
      const state = await json("goal-state", ["--format=json"], goalStateShape);
      return { units: state.units ?? {}, relations: state.relations ?? {} };
    },
  };
}
