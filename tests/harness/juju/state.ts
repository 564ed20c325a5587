/**
 * The state-in/state-out model of one unit as Juju sees it, the charm metadata Juju reads from the
 * charm, and a consistency check that rejects setups Juju could never produce.
 */

import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** A relation databag: Juju stores every value as a string. */
export type Databag = Record<string, string>;

/** One relation of the unit under test, seen from its side. */
export interface RelationState {
  id: number;
  endpoint: string;
  /** The remote application; for a peer relation, the unit's own application. */
  remoteApp: string;
  /** Current members: unit name -> unit databag. */
  remoteUnits?: Record<string, Databag>;
  /** Units that have departed: not in relation-list, but their data stays readable. */
  departedUnits?: Record<string, Databag>;
  remoteAppData?: Databag;
  localAppData?: Databag;
  localUnitData?: Databag;
  /** The relation is being broken: relation-list is empty. */
  dying?: boolean;
  /** A cross-model relation: the other model's UUID (what `relation-model-get` answers). On the
   * offering side Juju names the consuming application `remote-<token>`; the requirer's own
   * name and model are only in its databags. */
  remoteModelUuid?: string;
}

/** One revision of a secret's content (plain text, already decoded). */
export interface SecretRevision {
  revision: number;
  content: Record<string, string>;
}

/** A secret the unit owns or consumes. */
export interface SecretState {
  /** Bare 20-character id `[0-9a-z]`; the URI is `secret://<model-uuid>/<id>`. */
  id: string;
  /** `null`: owned by another application and consumed by this one. */
  owner: "application" | "unit" | null;
  /** The owner label for owned secrets, the consumer label for consumed ones. */
  label?: string;
  description?: string;
  /** RFC 3339 time. */
  expire?: string;
  /** Rotation policy: never, hourly, daily, weekly, monthly, quarterly or yearly. */
  rotate?: string;
  /** Ascending by revision. */
  revisions: SecretRevision[];
  /** The revision this unit tracks; defaults to the latest. */
  trackedRevision?: number;
  /** Access granted by an owned secret; target is an application or unit name. */
  grants?: { relationId: number; target: string }[];
}

/** A workload status as `status-set` and `status-get` see it. */
export interface Status {
  status: "active" | "blocked" | "maintenance" | "waiting" | "error" | "unknown" | "terminated";
  message: string;
}

/** Everything Juju knows about the unit before (and after) one hook. */
export interface JujuState {
  leader: boolean;
  /** Default `testing`. */
  modelName?: string;
  /** Default {@link DEFAULT_MODEL_UUID}. */
  modelUuid?: string;
  /** Default 0; the application name comes from the charm metadata `name`. */
  unitId?: number;
  /** Default `3.6.4`. */
  jujuVersion?: string;
  /** User-set values; defaults come from config.yaml. */
  config?: Record<string, string | number | boolean>;
  relations?: RelationState[];
  secrets?: SecretState[];
  /** The `state-get`/`state-set` store. */
  unitState?: Record<string, string>;
  unitStatus?: Status;
  appStatus?: Status;
  workloadVersion?: string;
  /** Entries like `80/tcp`, `53/udp`, `icmp`. */
  openedPorts?: string[];
  /** What `goal-state` reports. */
  planned?: { appDying?: boolean; units?: Record<string, "active" | "dying" | "waiting"> };
  /** `network-get` answers per binding; unknown-but-valid bindings get a default address. */
  networks?: Record<string, { ingressAddress: string; bindAddress?: string; cidr?: string }>;
}

/** The event Juju dispatches. */
export type HookEvent =
  | { kind: "hook"; name: string }
  | {
    kind: "relation";
    name: "created" | "joined" | "changed" | "departed" | "broken";
    relationId: number;
    remoteUnit?: string;
    departingUnit?: string;
  }
  | {
    kind: "secret";
    name: "changed" | "rotate" | "expired" | "remove";
    secretId: string;
    label?: string;
    revision?: number;
  }
  | { kind: "action"; name: string; params?: Record<string, unknown>; id?: string };

/** One hook-tool call as the charm made it. */
export interface ToolCall {
  tool: string;
  args: string[];
  code: number;
  stdin?: string;
}

/** How an action ended, as `juju run` would report it. */
export interface ActionOutcome {
  status: "completed" | "failed";
  message?: string;
  /** Nested from the dotted keys given to action-set. */
  results: Record<string, unknown>;
  logs: string[];
}

/** What one hook run produced. */
export interface HookResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Buffered changes are applied only if the hook succeeded; immediate ones always. */
  state: JujuState;
  statusHistory: { target: "unit" | "app"; status: string; message: string }[];
  logs: { level: string; message: string }[];
  action?: ActionOutcome;
  toolCalls: ToolCall[];
  peakRssKb?: number;
}

/** What Juju knows from the charm's metadata.yaml, config.yaml and actions.yaml. */
export interface CharmMeta {
  name: string;
  provides: Record<string, { interface: string; limit?: number }>;
  requires: Record<string, { interface: string; limit?: number }>;
  peers: Record<string, { interface: string }>;
  /** Extra network bindings (`extra-bindings`), valid for network-get. */
  extraBindings?: string[];
  config: Record<
    string,
    {
      type: "string" | "int" | "float" | "boolean" | "secret";
      default?: unknown;
      description?: string;
    }
  >;
  actions: Record<
    string,
    {
      description?: string;
      params?: Record<string, { type?: string; default?: unknown; description?: string }>;
      required?: string[];
    }
  >;
}

export const DEFAULT_MODEL_NAME = "testing";
export const DEFAULT_MODEL_UUID = "2c2a4a4b-8b5e-4d3f-9f0e-6a1b7c8d9e0f";
export const DEFAULT_JUJU_VERSION = "3.6.4";

/** The unit's application name. */
export function appName(meta: CharmMeta): string {
  return meta.name;
}

/** The unit's name, `<app>/<id>`. */
export function unitName(meta: CharmMeta, state: JujuState): string {
  return `${meta.name}/${state.unitId ?? 0}`;
}

/** The model UUID, defaulted. */
export function modelUuid(state: JujuState): string {
  return state.modelUuid ?? DEFAULT_MODEL_UUID;
}

/** The full URI Juju 3.6 prints for a secret id. */
export function secretUri(state: JujuState, id: string): string {
  return `secret://${modelUuid(state)}/${id}`;
}

const SECRET_ID = /^[0-9a-z]{20}$/;

/** The bare id of `secret:<id>`, `secret://<uuid>/<id>` or `<id>`; undefined if none parses. */
export function parseSecretId(value: string): string | undefined {
  let id = value;
  const long = /^secret:\/\/[^/]*\/(.*)$/.exec(value);
  if (long) id = long[1];
  else if (value.startsWith("secret:")) id = value.slice("secret:".length);
  return SECRET_ID.test(id) ? id : undefined;
}

/** Every endpoint of the charm with its role. */
export function endpointRole(
  meta: CharmMeta,
  endpoint: string,
): "provides" | "requires" | "peers" | undefined {
  if (Object.hasOwn(meta.provides, endpoint)) return "provides";
  if (Object.hasOwn(meta.requires, endpoint)) return "requires";
  if (Object.hasOwn(meta.peers, endpoint)) return "peers";
  return undefined;
}

/** The hook name Juju puts in `JUJU_HOOK_NAME` (empty for actions). */
export function hookName(state: JujuState, event: HookEvent): string {
  switch (event.kind) {
    case "hook":
      return event.name;
    case "relation": {
      const rel = state.relations?.find((r) => r.id === event.relationId);
      return `${rel?.endpoint ?? "unknown"}-relation-${event.name}`;
    }
    case "secret":
      return `secret-${event.name}`;
    case "action":
      return "";
  }
}

// --- Loading metadata ------------------------------------------------------------------------

const endpointSchema = z.object({ interface: z.string(), limit: z.number().int().optional() });
const endpointsSchema = z.record(z.string(), endpointSchema).nullish().transform((v) => v ?? {});
const configOptionSchema = z.object({
  type: z.enum(["string", "int", "float", "boolean", "secret"]),
  default: z.unknown().optional(),
  description: z.string().optional(),
});
const configSchema = z.record(z.string(), configOptionSchema).nullish().transform((v) => v ?? {});
const actionSchema = z.object({
  description: z.string().optional(),
  params: z.record(
    z.string(),
    z.object({
      type: z.string().optional(),
      default: z.unknown().optional(),
      description: z.string().optional(),
    }),
  ).nullish().transform((v) => v ?? undefined),
  required: z.array(z.string()).optional(),
}).nullish().transform((v) => v ?? {});
const actionsSchema = z.record(z.string(), actionSchema).nullish().transform((v) => v ?? {});
const metadataSchema = z.object({
  name: z.string(),
  provides: endpointsSchema,
  requires: endpointsSchema,
  peers: endpointsSchema,
  "extra-bindings": z.record(z.string(), z.unknown()).nullish(),
});

function readYamlFile(path: string, optional: boolean): unknown {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (optional && err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  return parseYaml(text);
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`invalid ${what}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function toMeta(
  metadata: z.infer<typeof metadataSchema>,
  config: CharmMeta["config"],
  actions: CharmMeta["actions"],
): CharmMeta {
  const peers: CharmMeta["peers"] = {};
  for (const [name, ep] of Object.entries(metadata.peers)) {
    peers[name] = { interface: ep.interface };
  }
  const extra = metadata["extra-bindings"];
  return {
    name: metadata.name,
    provides: metadata.provides,
    requires: metadata.requires,
    peers,
    ...(extra ? { extraBindings: Object.keys(extra) } : {}),
    config,
    actions,
  };
}

/** Reads metadata.yaml, config.yaml and actions.yaml from an unpacked charm directory. */
export function loadCharmMeta(charmDir: string): CharmMeta {
  const metadata = parseWith(
    metadataSchema,
    readYamlFile(`${charmDir}/metadata.yaml`, false),
    `${charmDir}/metadata.yaml`,
  );
  const configFile = readYamlFile(`${charmDir}/config.yaml`, true) as
    | { options?: unknown }
    | null
    | undefined;
  const config = parseWith(configSchema, configFile?.options, `${charmDir}/config.yaml`);
  const actions = parseWith(
    actionsSchema,
    readYamlFile(`${charmDir}/actions.yaml`, true),
    `${charmDir}/actions.yaml`,
  );
  return toMeta(metadata, config, actions);
}

/** Reads a single charmcraft.yaml with name/provides/requires/peers/config.options/actions. */
export function loadCharmMetaFromCharmcraft(path: string): CharmMeta {
  const doc = readYamlFile(path, false) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== "object") throw new Error(`invalid ${path}: not a mapping`);
  const metadata = parseWith(metadataSchema, doc, path);
  const configDoc = doc.config as { options?: unknown } | null | undefined;
  const config = parseWith(configSchema, configDoc?.options, `${path} config`);
  const actions = parseWith(actionsSchema, doc.actions, `${path} actions`);
  return toMeta(metadata, config, actions);
}

// --- Consistency ------------------------------------------------------------------------------

const APP_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;
const UNIT_NAME = /^([a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)\/(0|[1-9][0-9]*)$/;
const STATUSES = ["active", "blocked", "maintenance", "waiting", "error", "unknown", "terminated"];
const PORT_SPEC = /^(?:icmp|(\d+)(?:-(\d+))?\/(tcp|udp))$/;

/** True for a valid Juju application name. */
export function isValidAppName(name: string): boolean {
  return APP_NAME.test(name);
}

/** The application of a valid unit name, or undefined. */
export function unitApp(name: string): string | undefined {
  return UNIT_NAME.exec(name)?.[1];
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesJsonType(value: unknown, type: string): boolean {
  const actual = jsonType(value);
  if (type === "number") return actual === "number" || actual === "integer";
  return actual === type;
}

function configTypeError(
  type: CharmMeta["config"][string]["type"],
  value: unknown,
): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "expected a string";
    case "int":
      return Number.isInteger(value) ? undefined : "expected an integer";
    case "float":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "expected a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected a boolean";
    case "secret":
      return typeof value === "string" && parseSecretId(value) !== undefined
        ? undefined
        : "expected a secret URI (secret:<20-char id>)";
  }
}

function checkRelations(meta: CharmMeta, state: JujuState, problems: string[]): void {
  const seen = new Set<number>();
  const me = unitName(meta, state);
  for (const rel of state.relations ?? []) {
    const where = `relation ${rel.id} (${rel.endpoint})`;
    if (!Number.isInteger(rel.id) || rel.id < 0) {
      problems.push(`${where}: id must be an integer >= 0`);
    }
    if (seen.has(rel.id)) problems.push(`duplicate relation id ${rel.id}`);
    seen.add(rel.id);
    const role = endpointRole(meta, rel.endpoint);
    if (!role) {
      problems.push(`${where}: endpoint "${rel.endpoint}" is not in the charm metadata`);
      continue;
    }
    if (!isValidAppName(rel.remoteApp)) problems.push(`${where}: invalid remote app name`);
    if (role === "peers" && rel.remoteApp !== meta.name) {
      problems.push(
        `${where}: a peer relation's remoteApp must be the charm's own app "${meta.name}"`,
      );
    }
    if (role !== "peers" && rel.remoteApp === meta.name) {
      problems.push(`${where}: remoteApp is the charm's own app, but the endpoint is not a peer`);
    }
    if (role === "peers" && rel.remoteAppData !== undefined) {
      problems.push(`${where}: a peer relation has no remote app databag (use localAppData)`);
    }
    for (
      const [kind, units] of [["remoteUnits", rel.remoteUnits], [
        "departedUnits",
        rel.departedUnits,
      ]] as const
    ) {
      for (const unit of Object.keys(units ?? {})) {
        if (unitApp(unit) !== rel.remoteApp) {
          problems.push(`${where}: ${kind} "${unit}" is not a unit of "${rel.remoteApp}"`);
        }
        if (unit === me) problems.push(`${where}: ${kind} contains the unit under test "${me}"`);
      }
    }
    for (const unit of Object.keys(rel.departedUnits ?? {})) {
      if (Object.hasOwn(rel.remoteUnits ?? {}, unit)) {
        problems.push(`${where}: "${unit}" is both a member and departed`);
      }
    }
    const bags: [string, Databag | undefined][] = [
      ["remoteAppData", rel.remoteAppData],
      ["localAppData", rel.localAppData],
      ["localUnitData", rel.localUnitData],
      ...Object.entries({ ...rel.remoteUnits, ...rel.departedUnits }),
    ];
    for (const [kind, bag] of bags) {
      for (const [k, v] of Object.entries(bag ?? {})) {
        if (typeof v !== "string") problems.push(`${where}: ${kind}["${k}"] is not a string`);
      }
    }
  }
}

function checkSecrets(state: JujuState, problems: string[]): void {
  const ids = new Set<string>();
  const labels = new Set<string>();
  for (const secret of state.secrets ?? []) {
    const where = `secret ${secret.id}`;
    if (!SECRET_ID.test(secret.id)) problems.push(`${where}: id must be 20 characters of [0-9a-z]`);
    if (ids.has(secret.id)) problems.push(`duplicate secret id ${secret.id}`);
    ids.add(secret.id);
    if (secret.label !== undefined) {
      if (labels.has(secret.label)) problems.push(`duplicate secret label "${secret.label}"`);
      labels.add(secret.label);
    }
    if (secret.revisions.length === 0) problems.push(`${where}: needs at least one revision`);
    let last = 0;
    for (const rev of secret.revisions) {
      if (!Number.isInteger(rev.revision) || rev.revision <= last) {
        problems.push(`${where}: revisions must be ascending positive integers`);
      }
      last = rev.revision;
    }
    if (
      secret.trackedRevision !== undefined &&
      !secret.revisions.some((r) => r.revision === secret.trackedRevision)
    ) {
      problems.push(`${where}: trackedRevision ${secret.trackedRevision} is not a revision`);
    }
    for (const grant of secret.grants ?? []) {
      if (secret.owner === null) problems.push(`${where}: only owned secrets have grants`);
      const rel = state.relations?.find((r) => r.id === grant.relationId);
      if (!rel) {
        problems.push(`${where}: grant for unknown relation ${grant.relationId}`);
      } else if (grant.target !== rel.remoteApp && unitApp(grant.target) !== rel.remoteApp) {
        problems.push(`${where}: grant target "${grant.target}" is not in relation ${rel.id}`);
      }
    }
  }
}

function checkConfig(meta: CharmMeta, state: JujuState, problems: string[]): void {
  for (const [key, value] of Object.entries(state.config ?? {})) {
    const option = meta.config[key];
    if (!option) {
      problems.push(`config option "${key}" is not in config.yaml`);
      continue;
    }
    const err = configTypeError(option.type, value);
    if (err) {
      problems.push(
        `config option "${key}" (${option.type}): ${err}, got ${JSON.stringify(value)}`,
      );
    }
  }
}

function checkEvent(meta: CharmMeta, state: JujuState, event: HookEvent, problems: string[]): void {
  switch (event.kind) {
    case "hook": {
      if (/-relation-(created|joined|changed|departed|broken)$/.test(event.name)) {
        problems.push(`hook "${event.name}" is a relation hook: use kind "relation"`);
      }
      if (/^secret-(changed|rotate|expired|remove)$/.test(event.name)) {
        problems.push(`hook "${event.name}" is a secret hook: use kind "secret"`);
      }
      if (!/^[a-z0-9][a-z0-9-]*$/.test(event.name)) {
        problems.push(`invalid hook name "${event.name}"`);
      }
      if (event.name === "leader-elected" && !state.leader) {
        problems.push(`leader-elected only runs on the leader`);
      }
      if (event.name === "leader-settings-changed" && state.leader) {
        problems.push(`leader-settings-changed only runs on non-leaders`);
      }
      return;
    }
    case "relation": {
      const rel = state.relations?.find((r) => r.id === event.relationId);
      if (!rel) {
        problems.push(
          `relation event for relation id ${event.relationId}, which is not in the state`,
        );
        return;
      }
      const role = endpointRole(meta, rel.endpoint);
      const me = unitName(meta, state);
      if (event.name === "broken" && role === "peers") {
        problems.push(`relation-broken never runs for the peer relation "${rel.endpoint}"`);
      }
      const unit = event.remoteUnit;
      if (event.name === "created" || event.name === "broken") {
        if (unit) problems.push(`relation-${event.name} has no remote unit, got "${unit}"`);
      } else if (unit !== undefined) {
        if (unitApp(unit) !== rel.remoteApp || unit === me) {
          problems.push(`remote unit "${unit}" is not a unit of "${rel.remoteApp}"`);
        } else if (event.name === "joined" && !Object.hasOwn(rel.remoteUnits ?? {}, unit)) {
          problems.push(`relation-joined for "${unit}", which is not in remoteUnits`);
        } else if (event.name === "changed" && !Object.hasOwn(rel.remoteUnits ?? {}, unit)) {
          problems.push(`relation-changed for "${unit}", which is not in remoteUnits`);
        }
      } else if (event.name === "joined" || event.name === "departed") {
        problems.push(`relation-${event.name} needs a remoteUnit`);
      }
      if (event.departingUnit !== undefined) {
        if (event.name !== "departed") problems.push(`departingUnit is only for relation-departed`);
        else if (event.departingUnit !== unit && event.departingUnit !== me) {
          problems.push(`departingUnit must be the remote unit or the unit under test`);
        }
      }
      return;
    }
    case "secret": {
      const id = parseSecretId(event.secretId);
      const secret = state.secrets?.find((s) => s.id === id);
      if (!secret) {
        problems.push(`secret event for "${event.secretId}", which is not in the state`);
        return;
      }
      if (event.name === "changed" && secret.owner !== null) {
        problems.push(
          `secret-changed goes to consumers; secret ${secret.id} is owned by this charm`,
        );
      }
      if (event.name !== "changed") {
        if (secret.owner === null) {
          problems.push(`secret-${event.name} goes to the owner; secret ${secret.id} is consumed`);
        } else if (secret.owner === "application" && !state.leader) {
          problems.push(
            `secret-${event.name} of an application-owned secret only goes to the leader`,
          );
        }
      }
      if (event.name === "expired" || event.name === "remove") {
        if (event.revision === undefined) problems.push(`secret-${event.name} needs a revision`);
        else if (!secret.revisions.some((r) => r.revision === event.revision)) {
          problems.push(
            `secret-${event.name} for revision ${event.revision}, which does not exist`,
          );
        }
      }
      return;
    }
    case "action": {
      const action = meta.actions[event.name];
      if (!action) {
        problems.push(`action "${event.name}" is not in actions.yaml`);
        return;
      }
      const declared = action.params ?? {};
      const params = event.params ?? {};
      for (const [key, value] of Object.entries(params)) {
        const spec = declared[key];
        if (!spec) {
          problems.push(`action "${event.name}": param "${key}" is not declared`);
        } else if (spec.type !== undefined && !matchesJsonType(value, spec.type)) {
          problems.push(
            `action "${event.name}": param "${key}" should be ${spec.type}, got ${jsonType(value)}`,
          );
        }
      }
      for (const key of action.required ?? []) {
        if (!Object.hasOwn(params, key) && declared[key]?.default === undefined) {
          problems.push(`action "${event.name}": required param "${key}" is missing`);
        }
      }
      return;
    }
  }
}

/** Every reason why Juju could never produce this (meta, state, event); empty when consistent. */
export function consistencyProblems(meta: CharmMeta, state: JujuState, event: HookEvent): string[] {
  const problems: string[] = [];
  if (state.unitId !== undefined && (!Number.isInteger(state.unitId) || state.unitId < 0)) {
    problems.push(`unitId must be an integer >= 0`);
  }
  if (!isValidAppName(meta.name)) problems.push(`invalid charm name "${meta.name}"`);
  checkRelations(meta, state, problems);
  checkSecrets(state, problems);
  checkConfig(meta, state, problems);
  for (
    const [what, status] of [["unitStatus", state.unitStatus], [
      "appStatus",
      state.appStatus,
    ]] as const
  ) {
    if (status && !STATUSES.includes(status.status)) {
      problems.push(`${what}: unknown status "${status.status}"`);
    }
  }
  for (const port of state.openedPorts ?? []) {
    if (!PORT_SPEC.test(port)) problems.push(`openedPorts: "${port}" is not like 80/tcp or icmp`);
  }
  const bindings = new Set([
    "juju-info",
    ...Object.keys(meta.provides),
    ...Object.keys(meta.requires),
    ...Object.keys(meta.peers),
    ...(meta.extraBindings ?? []),
  ]);
  for (const binding of Object.keys(state.networks ?? {})) {
    if (!bindings.has(binding)) {
      problems.push(`networks: "${binding}" is not an endpoint or binding`);
    }
  }
  for (const unit of Object.keys(state.planned?.units ?? {})) {
    if (unitApp(unit) !== meta.name) {
      problems.push(`planned unit "${unit}" is not a unit of ${meta.name}`);
    }
  }
  checkEvent(meta, state, event, problems);
  return problems;
}

/** Throws one Error listing every inconsistency, before anything runs. */
export function checkConsistency(meta: CharmMeta, state: JujuState, event: HookEvent): void {
  const problems = consistencyProblems(meta, state, event);
  if (problems.length > 0) {
    throw new Error(`inconsistent scenario:\n  - ${problems.join("\n  - ")}`);
  }
}
