/**
 * An in-process fake of one Juju hook context: it answers every hook tool the way Juju 3.6 does
 * (argv grammar, output shapes, error texts, exit codes) against a {@link JujuState}, and applies
 * Juju's commit rules when the hook ends (buffered changes only on success, immediate ones always).
 */

import { isMap, isScalar, parseDocument } from "yaml";
import type { ToolResult, ToolRunner } from "../../../src/juju/runner.ts";
import {
  FlagError,
  type FlagSpec,
  goQuote,
  goQuoteList,
  HelpRequested,
  type ParsedArgs,
  parseGnuFlags,
} from "./flags.ts";
import { formatOutput, goStruct, type OutputFormat } from "./format.ts";
import {
  type ActionOutcome,
  appName,
  type CharmMeta,
  type Databag,
  DEFAULT_JUJU_VERSION,
  DEFAULT_MODEL_NAME,
  endpointRole,
  type HookEvent,
  hookName,
  type HookResult,
  isValidAppName,
  type JujuState,
  modelUuid,
  parseSecretId,
  type RelationState,
  type SecretState,
  secretUri,
  type Status,
  type ToolCall,
  unitApp,
  unitName,
} from "./state.ts";

/** A tool failed: juju/cmd prints `ERROR <message>` and exits with `code`. */
class ToolFailure extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Argument validation (gnuflag/Init) failures exit 2. */
function initError(message: string): ToolFailure {
  return new ToolFailure(2, message);
}

/** Failures while running the command exit 1. */
function runError(message: string): ToolFailure {
  return new ToolFailure(1, message);
}

/** The tool needs stdin (`--file -`) and the client has not sent it yet. */
class StdinRequired extends Error {}

/** Returned by {@link FakeJuju.execute} when the client must call again with its stdin. */
export const STDIN_REQUIRED = "hook tool requires stdin, none supplied";

/** Where a tool call came from: the caller's working directory and, once asked for, its stdin. */
export interface ToolInvocation {
  cwd?: string;
  stdin?: string;
}

/** Options for the hook process environment. */
export interface HookEnvOptions {
  charmDir: string;
  contextId: string;
  /** `127.0.0.1:<port>` of the tool server. */
  socketAddress: string;
  /** Directory holding the hook tools; goes first on PATH. */
  toolsDir: string;
  extra?: Record<string, string>;
}

interface Call {
  readonly tool: string;
  readonly flags: ParsedArgs;
  readonly args: string[];
  readonly cwd: string;
  readonly stdin: string | undefined;
  stdinUsed: boolean;
  stderr: string;
}

interface ToolSpec {
  readonly flags: readonly FlagSpec[];
  /** Tools that print a value: the default and allowed `--format`s. */
  readonly formats?: { readonly default: OutputFormat; readonly allowed: readonly OutputFormat[] };
  readonly usage: string;
  /** The value to format (tools with formats) or raw stdout (others, undefined = nothing). */
  readonly run: (call: Call) => unknown;
}

const AGENT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SETTABLE_STATUSES = ["maintenance", "blocked", "waiting", "active"];
const ROTATE_POLICIES = ["never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"];
const SECRET_KEY = /^([a-z](?:-?[a-z0-9]){2,})$/;
const ACTION_KEY = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_ACTION_KEYS = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];
const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const MAX_SECRET_VALUE = 8 * 1024;
const MAX_SECRET_CONTENT = 64 * 1024;
const MAX_STATE_KEY = 256;
const MAX_STATE_VALUE = 64 * 1024;
const GOAL_STATE_SINCE = "2026-01-01 00:00:00Z";
const XID_ALPHABET = "0123456789abcdefghijklmnopqrstuv";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function byteLength(value: string): number {
  return encoder.encode(value).length;
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function checkEmpty(args: readonly string[]): void {
  if (args.length > 0) throw initError(`unrecognized args: ${goQuoteList(args)}`);
}

function isValidUnitName(name: string): boolean {
  return unitApp(name) !== undefined;
}

/** juju/utils keyvalues.Parse: `key=value`, trimmed, no duplicates. */
function parseKeyValues(
  args: readonly string[],
  allowEmptyValues: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq < 0) throw initError(`expected "key=value", got ${goQuote(arg)}`);
    const key = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    if (key === "" || (!allowEmptyValues && value === "")) {
      throw initError(`expected "key=value", got "${key}=${value}"`);
    }
    if (Object.hasOwn(out, key)) throw initError(`key ${goQuote(key)} specified more than once`);
    out[key] = value;
  }
  return out;
}

/** yaml.v2 Unmarshal into map[string]string: scalars keep their source text, null is "". */
function parseStringMap(text: string): Record<string, string> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw runError(`yaml: ${doc.errors[0].message.split("\n")[0]}`);
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return {};
  if (!isMap(contents)) {
    throw runError("yaml: unmarshal errors:\n  line 1: cannot unmarshal into map[string]string");
  }
  const scalarText = (node: unknown): string | undefined => {
    if (!isScalar(node)) return undefined;
    if (node.value === null) return "";
    if (typeof node.value === "string") return node.value;
    return typeof node.source === "string" ? node.source : String(node.value);
  };
  const out: Record<string, string> = {};
  for (const item of contents.items) {
    const key = scalarText(item.key);
    const value = item.value === null ? "" : scalarText(item.value);
    if (key === undefined || value === undefined) {
      throw runError("yaml: unmarshal errors:\n  cannot unmarshal !!map into string");
    }
    out[key] = value;
  }
  return out;
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith("/") ? path : `${cwd}/${path}`;
}

function readTextFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`open ${path}: no such file or directory`);
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new Error(`open ${path}: permission denied`);
    }
    throw err;
  }
}

/** Go's time.ParseDuration, in milliseconds; undefined when it does not parse. */
function parseGoDuration(value: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(value);
  if (!match && value !== "0") return undefined;
  if (value === "0") return 0;
  let total = 0;
  for (const part of value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * units[part[2]];
  }
  return match![1] === "-" ? -total : total;
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `--expire`: RFC 3339, RFC 3339 without a zone (UTC), or a Go duration from now. */
function parseExpire(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return rfc3339(date);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value)) {
    const date = new Date(`${value}Z`);
    if (!Number.isNaN(date.getTime())) return rfc3339(date);
  }
  const ms = parseGoDuration(value);
  if (ms === undefined) throw initError(`expire time or duration ${goQuote(value)} not valid`);
  if (ms <= 0) throw initError(`negative expire duration ${goQuote(value)} not valid`);
  return rfc3339(new Date(Date.now() + ms));
}

function base64Encode(value: string): string {
  let binary = "";
  for (const byte of encoder.encode(value)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64Decode(value: string): string | undefined {
  try {
    const binary = atob(value);
    return decoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

function newSecretId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => XID_ALPHABET[b % 32]).join("");
}

interface PortRange {
  from: number;
  to: number;
  protocol: "tcp" | "udp" | "icmp";
}

function portKey(p: PortRange): string {
  if (p.protocol === "icmp") return "icmp";
  return p.from === p.to ? `${p.from}/${p.protocol}` : `${p.from}-${p.to}/${p.protocol}`;
}

/** open-port/close-port argument parsing, with Juju's texts. */
function parsePortSpec(spec: string): PortRange {
  const format = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp";
  const arg = spec.toLowerCase();
  if (arg === "icmp") return { from: -1, to: -1, protocol: "icmp" };
  const match = /^(\d+)(?:-(\d+))?(?:\/([a-z0-9]+))?$/.exec(arg);
  if (!match) throw initError(`expected ${format}; got ${goQuote(spec)}`);
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  const protocol = match[3] ?? "tcp";
  const inRange = (port: number) => port >= 1 && port <= 65535;
  if (from === to) {
    if (protocol === "icmp") {
      throw initError(`protocol "icmp" doesn't support any ports; got "${from}"`);
    }
    if (!inRange(from)) throw initError(`port must be in the range [1, 65535]; got "${from}"`);
  } else {
    if (from > to) {
      throw initError(`invalid port range ${from}-${to}/${protocol}; expected fromPort <= toPort`);
    }
    if (protocol === "icmp") {
      throw initError(`protocol "icmp" doesn't support any ports; got "${from}"`);
    }
    if (!inRange(from)) throw initError(`fromPort must be in the range [1, 65535]; got "${from}"`);
    if (!inRange(to)) throw initError(`toPort must be in the range [1, 65535]; got "${to}"`);
  }
  if (protocol !== "tcp" && protocol !== "udp") {
    throw initError(`protocol must be "tcp", "udp", or "icmp"; got ${goQuote(protocol)}`);
  }
  return { from, to, protocol };
}

function parsePortKey(key: string): PortRange {
  if (key === "icmp") return { from: -1, to: -1, protocol: "icmp" };
  const [ports, protocol = "tcp"] = key.split("/");
  const [from, to = from] = ports.split("-");
  return { from: Number(from), to: Number(to), protocol: protocol as PortRange["protocol"] };
}

function comparePorts(a: string, b: string): number {
  const pa = parsePortKey(a);
  const pb = parsePortKey(b);
  if (pa.protocol !== pb.protocol) return pa.protocol < pb.protocol ? -1 : 1;
  return pa.from - pb.from || pa.to - pb.to;
}

function setNested(target: Record<string, unknown>, keys: readonly string[], value: string): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** The process environment Juju gives the dispatch process for this event (juju-runtime §1.4). */
export function hookEnvironment(
  meta: CharmMeta,
  state: JujuState,
  event: HookEvent,
  options: HookEnvOptions,
): Record<string, string> {
  const name = hookName(state, event);
  const env: Record<string, string> = {
    JUJU_DISPATCH_PATH: event.kind === "action" ? `actions/${event.name}` : `hooks/${name}`,
    JUJU_HOOK_NAME: name,
    JUJU_CHARM_DIR: options.charmDir,
    CHARM_DIR: options.charmDir,
    JUJU_UNIT_NAME: unitName(meta, state),
    JUJU_MODEL_NAME: state.modelName ?? DEFAULT_MODEL_NAME,
    JUJU_MODEL_UUID: modelUuid(state),
    JUJU_VERSION: state.jujuVersion ?? DEFAULT_JUJU_VERSION,
    JUJU_CONTEXT_ID: options.contextId,
    JUJU_AGENT_SOCKET_ADDRESS: options.socketAddress,
    JUJU_AGENT_SOCKET_NETWORK: "tcp",
    JUJU_API_ADDRESSES: "10.0.0.1:17070",
    JUJU_MACHINE_ID: "",
    JUJU_PRINCIPAL_UNIT: "",
    JUJU_AVAILABILITY_ZONE: "",
    CLOUD_API_VERSION: "",
    JUJU_CHARM_HTTP_PROXY: "",
    JUJU_CHARM_HTTPS_PROXY: "",
    JUJU_CHARM_FTP_PROXY: "",
    JUJU_CHARM_NO_PROXY: "",
    LANG: "C.UTF-8",
    TERM: "tmux-256color",
    DEBIAN_FRONTEND: "noninteractive",
    APT_LISTCHANGES_FRONTEND: "none",
    PATH: `${options.toolsDir}:${AGENT_PATH}`,
  };
  switch (event.kind) {
    case "relation": {
      const rel = state.relations?.find((r) => r.id === event.relationId);
      if (rel) {
        env.JUJU_RELATION = rel.endpoint;
        env.JUJU_RELATION_ID = `${rel.endpoint}:${rel.id}`;
        env.JUJU_REMOTE_APP = rel.remoteApp;
      }
      env.JUJU_REMOTE_UNIT = event.remoteUnit ?? "";
      if (event.name === "departed") {
        env.JUJU_DEPARTING_UNIT = event.departingUnit ?? event.remoteUnit ?? "";
      }
      break;
    }
    case "action": {
      const id = event.id ?? "1";
      env.JUJU_ACTION_NAME = event.name;
      env.JUJU_ACTION_UUID = id;
      env.JUJU_ACTION_TAG = `action-${id}`;
      break;
    }
    case "secret": {
      const id = parseSecretId(event.secretId) ?? event.secretId;
      const secret = state.secrets?.find((s) => s.id === id);
      env.JUJU_SECRET_ID = secretUri(state, id);
      env.JUJU_SECRET_LABEL = event.label ?? secret?.label ?? "";
      if ((event.name === "expired" || event.name === "remove") && (event.revision ?? 0) > 0) {
        env.JUJU_SECRET_REVISION = String(event.revision);
      }
      break;
    }
    case "hook":
      break;
  }
  return { ...env, ...options.extra };
}

/** The state of one hook run; implements the charm's {@link ToolRunner} in-process. */
export class FakeJuju implements ToolRunner {
  readonly meta: CharmMeta;
  readonly event: HookEvent;
  readonly unit: string;
  readonly app: string;
  private readonly before: JujuState;
  private readonly leader: boolean;
  private readonly tools: Map<string, ToolSpec>;

  // Immediate effects: kept whatever the exit code.
  private unitStatus: Status | undefined;
  private appStatus: Status | undefined;
  private workloadVersion: string | undefined;
  private readonly statusHistory: HookResult["statusHistory"] = [];
  private readonly logs: HookResult["logs"] = [];
  private readonly toolCalls: ToolCall[] = [];
  private readonly action:
    | { failed: boolean; message?: string; results: Record<string, unknown>; logs: string[] }
    | undefined;

  // Buffered effects: committed only when the hook exits 0. Copies are made on first write.
  private readonly relationWrites = new Map<number, { unit?: Databag; app?: Databag }>();
  private unitStateWork: Record<string, string> | undefined;
  private secretsWork: SecretState[] | undefined;
  private portsWork: string[] | undefined;
  /** Revision created by this hook per secret id: later secret-sets in the hook coalesce into it. */
  private readonly pendingRevisions = new Map<string, number>();
  /** Changes accepted locally that the controller refuses at commit (non-leader secret updates). */
  private readonly commitErrors: string[] = [];

  constructor(meta: CharmMeta, state: JujuState, event: HookEvent) {
    this.meta = meta;
    this.event = event;
    this.before = structuredClone(state);
    this.leader = state.leader;
    this.unit = unitName(meta, state);
    this.app = appName(meta);
    this.unitStatus = state.unitStatus;
    this.appStatus = state.appStatus;
    this.workloadVersion = state.workloadVersion;
    // Juju shows "installing charm software" during install unless the charm already set a status.
    if (
      event.kind === "hook" && event.name === "install" &&
      (!state.unitStatus || state.unitStatus.status === "unknown")
    ) {
      this.unitStatus = { status: "maintenance", message: "installing charm software" };
    }
    if (event.kind === "action") this.action = { failed: false, results: {}, logs: [] };
    this.tools = this.buildTools();
  }

  /** Runs one hook tool in-process, as the charm's ToolRunner (stdin given = the caller's stdin). */
  run(tool: string, args: readonly string[], stdin?: string): Promise<ToolResult> {
    let result = this.execute(tool, args, { stdin });
    // The process client sends stdin only when asked; an absent stdin reads as empty (/dev/null).
    if (result === STDIN_REQUIRED) result = this.execute(tool, args, { stdin: "" });
    return Promise.resolve(result as ToolResult);
  }

  /**
   * Executes one hook tool. Returns {@link STDIN_REQUIRED} (and records nothing) when the tool reads
   * `--file -` and `invocation.stdin` is undefined; the client then calls again with its stdin.
   */
  execute(
    tool: string,
    args: readonly string[],
    invocation: ToolInvocation = {},
  ): ToolResult | typeof STDIN_REQUIRED {
    const spec = this.tools.get(tool);
    if (!spec) {
      const result = { code: 127, stdout: "", stderr: `ERROR unknown command ${goQuote(tool)}\n` };
      this.toolCalls.push({ tool, args: [...args], code: result.code });
      return result;
    }
    const flagSpecs = [...spec.flags];
    if (spec.formats) {
      const allowed = spec.formats.allowed;
      flagSpecs.push(
        {
          names: ["format"],
          kind: "string",
          validate: (v) =>
            allowed.includes(v as OutputFormat) ? undefined : `unknown format ${goQuote(v)}`,
        },
        { names: ["o", "output"], kind: "string" },
      );
    }
    let call: Call | undefined;
    let result: ToolResult;
    try {
      const flags = parseGnuFlags(args, flagSpecs);
      call = {
        tool,
        flags,
        args: flags.positionals,
        cwd: invocation.cwd ?? Deno.cwd(),
        stdin: invocation.stdin,
        stdinUsed: false,
        stderr: "",
      };
      const value = spec.run(call);
      let stdout = "";
      if (spec.formats) {
        const format = (flags.strings.get("format") ?? spec.formats.default) as OutputFormat;
        stdout = formatOutput(value, format);
        const outputFile = flags.strings.get("o");
        if (outputFile !== undefined) {
          Deno.writeTextFileSync(resolvePath(call.cwd, outputFile), stdout);
          stdout = "";
        }
      } else if (typeof value === "string") {
        stdout = value;
      }
      result = { code: 0, stdout, stderr: call.stderr };
    } catch (err) {
      if (err instanceof StdinRequired) return STDIN_REQUIRED;
      if (err instanceof HelpRequested) {
        result = { code: 0, stdout: `Usage: ${tool} ${spec.usage}\n`, stderr: "" };
      } else if (err instanceof FlagError || err instanceof ToolFailure) {
        const code = err instanceof ToolFailure ? err.code : 2;
        result = { code, stdout: "", stderr: `${call?.stderr ?? ""}ERROR ${err.message}\n` };
      } else {
        throw err;
      }
    }
    const record: ToolCall = { tool, args: [...args], code: result.code };
    if (call?.stdinUsed && call.stdin !== undefined) record.stdin = call.stdin;
    this.toolCalls.push(record);
    return result;
  }

  /** The environment of the dispatch process for this hook. */
  env(options: HookEnvOptions): Record<string, string> {
    return hookEnvironment(this.meta, this.before, this.event, options);
  }

  /**
   * Ends the hook like Juju's context Flush: on exit 0 commits the buffered changes (unless the
   * controller refuses them, which fails the hook), otherwise drops them; immediate changes stay.
   */
  finish(exitCode: number, stdout = "", stderr = ""): Omit<HookResult, "durationMs" | "peakRssKb"> {
    let code = exitCode;
    let err = stderr;
    let committed = code === 0;
    if (committed && this.commitErrors.length > 0) {
      committed = false;
      code = 1;
      err += `fake-juju: committing the hook's changes failed (the hook fails after exit 0): ${
        this.commitErrors.join("; ")
      }\n`;
    }
    const state: JujuState = structuredClone(this.before);
    if (this.unitStatus !== undefined) state.unitStatus = { ...this.unitStatus };
    if (this.appStatus !== undefined) state.appStatus = { ...this.appStatus };
    if (this.workloadVersion !== undefined) state.workloadVersion = this.workloadVersion;
    if (committed) {
      for (const [id, writes] of this.relationWrites) {
        const rel = state.relations?.find((r) => r.id === id);
        if (!rel) continue;
        if (writes.unit) rel.localUnitData = writes.unit;
        if (writes.app) rel.localAppData = writes.app;
      }
      if (this.unitStateWork) state.unitState = this.unitStateWork;
      if (this.secretsWork) state.secrets = structuredClone(this.secretsWork);
      if (this.portsWork) state.openedPorts = [...this.portsWork];
    } else if (this.event.kind !== "action") {
      // A failed hook puts the unit in error until a retry succeeds.
      state.unitStatus = {
        status: "error",
        message: `hook failed: "${hookName(this.before, this.event)}"`,
      };
    }
    const result: Omit<HookResult, "durationMs" | "peakRssKb"> = {
      exitCode: code,
      stdout,
      stderr: err,
      state,
      statusHistory: structuredClone(this.statusHistory),
      logs: structuredClone(this.logs),
      toolCalls: structuredClone(this.toolCalls),
    };
    if (this.action) {
      const outcome: ActionOutcome = {
        status: this.action.failed || code !== 0 ? "failed" : "completed",
        results: structuredClone(this.action.results),
        logs: [...this.action.logs],
      };
      if (code !== 0) outcome.message = `exit status ${code}`;
      else if (this.action.failed) outcome.message = this.action.message;
      result.action = outcome;
    }
    return result;
  }

  // --- Views of the in-hook state ------------------------------------------------------------

  private relations(): RelationState[] {
    return this.before.relations ?? [];
  }

  private relationById(id: number): RelationState | undefined {
    return this.relations().find((r) => r.id === id);
  }

  private currentRelation(): RelationState | undefined {
    return this.event.kind === "relation" ? this.relationById(this.event.relationId) : undefined;
  }

  private isPeer(rel: RelationState): boolean {
    return endpointRole(this.meta, rel.endpoint) === "peers";
  }

  private localUnitData(rel: RelationState): Databag {
    return this.relationWrites.get(rel.id)?.unit ?? rel.localUnitData ?? {};
  }

  private localAppData(rel: RelationState): Databag {
    return this.relationWrites.get(rel.id)?.app ?? rel.localAppData ?? {};
  }

  /** Units in relation-list: joined and not departed; none while the relation is breaking. */
  private members(rel: RelationState): string[] {
    const ev = this.event;
    const breaking = rel.dying ||
      (ev.kind === "relation" && ev.relationId === rel.id && ev.name === "broken");
    if (breaking) return [];
    const departing = ev.kind === "relation" && ev.relationId === rel.id && ev.name === "departed"
      ? ev.remoteUnit
      : undefined;
    return Object.keys(rel.remoteUnits ?? {}).filter((u) => u !== departing).sort();
  }

  private network(binding: string): { ingress: string; bind: string; cidr: string } {
    const unitId = this.before.unitId ?? 0;
    const given = this.before.networks?.[binding];
    const ingress = given?.ingressAddress ?? `10.1.0.${10 + (unitId % 240)}`;
    const bind = given?.bindAddress ?? ingress;
    const cidr = given?.cidr ?? `${bind.split(".").slice(0, 3).join(".")}.0/24`;
    return { ingress, bind, cidr };
  }

  /** Juju writes the unit's addresses into every unit databag itself. */
  private withJujuKeys(bag: Databag, unit: string, rel: RelationState): Databag {
    let address: string;
    if (unit === this.unit) {
      address = this.network(rel.endpoint).ingress;
    } else {
      const n = Number(unit.split("/")[1] ?? 0);
      address = `10.1.${1 + (rel.id % 250)}.${10 + (n % 240)}`;
    }
    return {
      "egress-subnets": `${address}/32`,
      "ingress-address": address,
      "private-address": address,
      ...bag,
    };
  }

  private unitState(): Record<string, string> {
    return this.unitStateWork ?? this.before.unitState ?? {};
  }

  private secrets(): SecretState[] {
    return this.secretsWork ?? this.before.secrets ?? [];
  }

  private mutableSecrets(): SecretState[] {
    this.secretsWork ??= structuredClone(this.before.secrets ?? []);
    return this.secretsWork;
  }

  private ports(): string[] {
    return this.portsWork ?? this.before.openedPorts ?? [];
  }

  /** A unit may manage (and see the metadata of) unit-owned secrets, and app-owned as leader. */
  private canManage(secret: SecretState): boolean {
    return secret.owner === "unit" || (secret.owner === "application" && this.leader);
  }

  private requireAction(): NonNullable<FakeJuju["action"]> {
    if (!this.action) throw runError("not running an action");
    return this.action;
  }

  private readStdinOrFile(call: Call, path: string): string {
    if (path === "-") {
      if (call.stdin === undefined) throw new StdinRequired();
      call.stdinUsed = true;
      return call.stdin;
    }
    try {
      return readTextFile(resolvePath(call.cwd, path));
    } catch (err) {
      throw runError((err as Error).message);
    }
  }

  // --- Relation id flag -----------------------------------------------------------------------

  /** gnuflag Set of the relation id: keeps what follows the last ':'; the prefix must match. */
  private relationFlagError(value: string): string | undefined {
    const colon = value.lastIndexOf(":");
    const tail = colon >= 0 ? value.slice(colon + 1) : value;
    if (!/^[+-]?\d+$/.test(tail)) return "invalid relation id";
    const rel = this.relationById(Number(tail));
    if (!rel) return "relation not found";
    if (colon >= 0) {
      // `-r=ingress:5` reaches us as "=ingress:5": tolerate that leading '='.
      const prefix = value.slice(0, colon).replace(/^=/, "");
      if (prefix !== "" && prefix !== rel.endpoint) return "relation not found";
    }
    return undefined;
  }

  private relationFlag(): FlagSpec {
    return { names: ["r", "relation"], kind: "string", validate: (v) => this.relationFlagError(v) };
  }

  /** The relation given by -r, or the hook's own relation. */
  private relationArg(call: Call): RelationState | undefined {
    const value = call.flags.strings.get("r");
    if (value === undefined) return this.currentRelation();
    const colon = value.lastIndexOf(":");
    return this.relationById(Number(colon >= 0 ? value.slice(colon + 1) : value));
  }

  private requireRelation(call: Call): RelationState {
    const rel = this.relationArg(call);
    if (!rel) throw initError("no relation id specified");
    return rel;
  }

  // --- Tools ----------------------------------------------------------------------------------

  private buildTools(): Map<string, ToolSpec> {
    const smart = { default: "smart", allowed: ["smart", "json", "yaml"] } as const;
    const yamlJson = { default: "yaml", allowed: ["yaml", "json"] } as const;
    const bool = (...names: string[]): FlagSpec => ({ names, kind: "bool" });
    const str = (...names: string[]): FlagSpec => ({ names, kind: "string" });
    const upsertFlags = [
      str("label"),
      str("description", "info"),
      str("expire"),
      str("rotate"),
      str("owner"),
      str("file"),
    ];
    const tools: [string, ToolSpec][] = [
      ["relation-ids", {
        flags: [],
        formats: smart,
        usage: "[<name>]",
        run: (c) => this.relationIds(c),
      }],
      [
        "relation-list",
        {
          flags: [this.relationFlag(), bool("app")],
          formats: smart,
          usage: "",
          run: (c) => this.relationList(c),
        },
      ],
      [
        "relation-get",
        {
          flags: [this.relationFlag(), bool("app")],
          formats: smart,
          usage: "<key> <unit id>",
          run: (c) => this.relationGet(c),
        },
      ],
      [
        "relation-model-get",
        {
          flags: [this.relationFlag()],
          formats: smart,
          usage: "",
          run: (c) => this.relationModelGet(c),
        },
      ],
      [
        "relation-set",
        {
          flags: [this.relationFlag(), bool("app"), str("file"), str("format")],
          usage: "key=value [key=value ...]",
          run: (c) => this.relationSet(c),
        },
      ],
      ["config-get", {
        flags: [bool("a", "all")],
        formats: smart,
        usage: "[<key>]",
        run: (c) => this.configGet(c),
      }],
      [
        "is-leader",
        {
          flags: [],
          formats: smart,
          usage: "",
          run: (c) => {
            checkEmpty(c.args);
            return this.leader;
          },
        },
      ],
      [
        "status-get",
        {
          flags: [bool("include-data"), bool("application")],
          formats: smart,
          usage: "[--include-data] [--application]",
          run: (c) => this.statusGet(c),
        },
      ],
      [
        "status-set",
        {
          flags: [bool("application")],
          usage: "<maintenance | blocked | waiting | active> [message]",
          run: (c) => this.statusSet(c),
        },
      ],
      [
        "application-version-set",
        { flags: [], usage: "<new-version>", run: (c) => this.applicationVersionSet(c) },
      ],
      [
        "juju-log",
        {
          flags: [bool("debug"), str("l", "log-level"), str("format")],
          usage: "<message>",
          run: (c) => this.jujuLog(c),
        },
      ],
      ["action-get", {
        flags: [],
        formats: smart,
        usage: "[<key>[.<key>.<key>...]]",
        run: (c) => this.actionGet(c),
      }],
      ["action-set", {
        flags: [],
        usage: "<key>=<value> [<key>=<value> ...]",
        run: (c) => this.actionSet(c),
      }],
      ["action-fail", {
        flags: [],
        usage: '["<failure message>"]',
        run: (c) => this.actionFail(c),
      }],
      ["action-log", { flags: [], usage: "<message>", run: (c) => this.actionLog(c) }],
      ["state-get", {
        flags: [bool("strict")],
        formats: smart,
        usage: "[<key>]",
        run: (c) => this.stateGet(c),
      }],
      ["state-set", {
        flags: [str("file")],
        usage: "key=value [key=value ...]",
        run: (c) => this.stateSet(c),
      }],
      ["state-delete", { flags: [], usage: "<key>", run: (c) => this.stateDelete(c) }],
      ["secret-add", {
        flags: upsertFlags,
        usage: "[key[#base64|#file]=value...]",
        run: (c) => this.secretAdd(c),
      }],
      ["secret-set", {
        flags: upsertFlags,
        usage: "<ID> [key[#base64]=value...]",
        run: (c) => this.secretSet(c),
      }],
      [
        "secret-get",
        {
          flags: [str("label"), bool("peek"), bool("refresh")],
          formats: yamlJson,
          usage: "<ID> [key[#base64]]",
          run: (c) => this.secretGet(c),
        },
      ],
      ["secret-info-get", {
        flags: [str("label")],
        formats: yamlJson,
        usage: "<ID>",
        run: (c) => this.secretInfoGet(c),
      }],
      ["secret-ids", { flags: [], formats: yamlJson, usage: "", run: (c) => this.secretIds(c) }],
      ["secret-remove", {
        flags: [str("revision")],
        usage: "<ID>",
        run: (c) => this.secretRemove(c),
      }],
      ["secret-grant", {
        flags: [this.relationFlag(), str("unit")],
        usage: "<ID>",
        run: (c) => this.secretGrant(c),
      }],
      [
        "secret-revoke",
        {
          flags: [this.relationFlag(), str("app", "application"), str("unit")],
          usage: "<ID>",
          run: (c) => this.secretRevoke(c),
        },
      ],
      [
        "network-get",
        {
          flags: [
            this.relationFlag(),
            bool("primary-address"),
            bool("bind-address"),
            bool("ingress-address"),
            bool("egress-subnets"),
          ],
          formats: smart,
          usage: "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
          run: (c) => this.networkGet(c),
        },
      ],
      ["goal-state", { flags: [], formats: smart, usage: "", run: (c) => this.goalState(c) }],
      ["open-port", {
        flags: [str("endpoints"), str("format")],
        usage: "<port>[/<protocol>] or icmp",
        run: (c) => this.port(c, true),
      }],
      ["close-port", {
        flags: [str("endpoints"), str("format")],
        usage: "<port>[/<protocol>] or icmp",
        run: (c) => this.port(c, false),
      }],
      ["opened-ports", {
        flags: [bool("endpoints")],
        formats: smart,
        usage: "",
        run: (c) => this.openedPorts(c),
      }],
    ];
    return new Map(tools);
  }

  // relation-*

  private relationIds(call: Call): string[] {
    const [given, ...rest] = call.args;
    checkEmpty(rest);
    const name = given ?? this.currentRelation()?.endpoint ?? "";
    if (name === "") throw initError("no endpoint name specified");
    return this.relations().filter((r) => r.endpoint === name).map((r) => `${r.endpoint}:${r.id}`)
      .sort();
  }

  private relationList(call: Call): unknown {
    const rel = this.requireRelation(call);
    checkEmpty(call.args);
    return call.flags.bools.get("app") ? rel.remoteApp : this.members(rel);
  }

  private relationGet(call: Call): unknown {
    const rel = this.requireRelation(call);
    const [first, second, ...rest] = call.args;
    checkEmpty(rest);
    const key = first === undefined || first === "-" ? "" : first;
    let app = call.flags.bools.get("app") ?? false;
    let member = second ?? "";
    if (member === "") {
      const ev = this.event;
      if (ev.kind === "relation" && ev.remoteUnit) {
        member = ev.remoteUnit;
      } else if (ev.kind === "relation" && this.currentRelation()) {
        member = this.currentRelation()!.remoteApp;
        app = true;
      } else {
        throw initError("no unit or application specified");
      }
    }
    let data: Databag;
    if (app) {
      if (isValidUnitName(member)) member = unitApp(member)!;
      else if (!isValidAppName(member)) {
        throw initError(`invalid application name ${goQuote(member)}`);
      }
      if (member === this.app) {
        if (this.leader) data = this.localAppData(rel);
        else if (this.isPeer(rel)) data = rel.localAppData ?? {};
        else throw runError("permission denied");
      } else if (member === rel.remoteApp) {
        data = rel.remoteAppData ?? {};
      } else {
        throw runError("permission denied");
      }
    } else {
      if (!isValidUnitName(member)) {
        if (isValidAppName(member)) {
          throw initError(`expected unit name, got application name ${goQuote(member)}`);
        }
        throw initError(`invalid unit name ${goQuote(member)}`);
      }
      if (member === this.unit) {
        data = this.withJujuKeys(this.localUnitData(rel), member, rel);
      } else {
        const bag = rel.remoteUnits?.[member] ?? rel.departedUnits?.[member];
        if (bag === undefined) {
          throw runError(
            `cannot read settings for unit ${goQuote(member)} in relation ${
              goQuote(`${rel.endpoint}:${rel.id}`)
            }: unit ${goQuote(member)}: settings not found`,
          );
        }
        data = this.withJujuKeys(bag, member, rel);
      }
    }
    if (key !== "") return Object.hasOwn(data, key) ? data[key] : null;
    return sortedKeys(data);
  }

  /** Juju >= 3.6.2: the UUID of the model on the other side (ours for a same-model relation). */
  private relationModelGet(call: Call): unknown {
    const rel = this.requireRelation(call);
    checkEmpty(call.args);
    return goStruct({ uuid: rel.remoteModelUuid ?? modelUuid(this.before) });
  }

  private relationSet(call: Call): undefined {
    const rel = this.requireRelation(call);
    const overrides = parseKeyValues(call.args, true);
    if (call.flags.strings.has("format")) {
      call.stderr += `--format flag deprecated for command "relation-set"`;
    }
    let settings: Record<string, string> = {};
    const file = call.flags.strings.get("file");
    if (file !== undefined && file !== "") {
      settings = parseStringMap(this.readStdinOrFile(call, file));
    }
    settings = { ...settings, ...overrides };
    const app = call.flags.bools.get("app") ?? false;
    if (app && !this.leader) throw runError("cannot write relation settings");
    const writes = this.relationWrites.get(rel.id) ?? {};
    const bag = { ...(app ? this.localAppData(rel) : this.localUnitData(rel)) };
    for (const [key, value] of Object.entries(settings)) {
      if (value === "") delete bag[key];
      else bag[key] = value;
    }
    if (app) writes.app = bag;
    else writes.unit = bag;
    this.relationWrites.set(rel.id, writes);
    return undefined;
  }

  // config-get, status

  private configGet(call: Call): unknown {
    const [key, ...rest] = call.args;
    checkEmpty(rest);
    const all = call.flags.bools.get("a") ?? false;
    if (key !== undefined && all) {
      throw initError(`cannot use argument --all together with key ${goQuote(key)}`);
    }
    const values: Record<string, unknown> = {};
    for (const [name, option] of Object.entries(this.meta.config)) {
      const value = this.before.config?.[name] ?? option.default;
      if (value !== undefined && value !== null) values[name] = value;
      else if (all) values[name] = null;
    }
    if (key !== undefined) return values[key] ?? null;
    return values;
  }

  private statusGet(call: Call): unknown {
    checkEmpty(call.args);
    const unit = this.unitStatus ?? { status: "unknown", message: "" };
    const unitDetails = { message: unit.message, status: unit.status, "status-data": {} };
    if (call.flags.bools.get("application")) {
      if (!this.leader) throw runError("finding application status: this unit is not the leader");
      const app = this.appStatus ?? { status: "unknown", message: "" };
      return {
        "application-status": {
          message: app.message,
          status: app.status,
          "status-data": {},
          units: { [this.unit]: unitDetails },
        },
      };
    }
    return call.flags.bools.get("include-data") ? unitDetails : unit.status;
  }

  private statusSet(call: Call): undefined {
    const [status, message = "", ...rest] = call.args;
    if (status === undefined) throw initError("invalid args, require <status> [message]");
    if (!SETTABLE_STATUSES.includes(status)) {
      throw initError(
        `invalid status ${goQuote(status)}, expected one of [${SETTABLE_STATUSES.join(" ")}]`,
      );
    }
    checkEmpty(rest);
    const application = call.flags.bools.get("application") ?? false;
    if (application && !this.leader) throw runError("this unit is not the leader");
    const value = { status: status as Status["status"], message };
    if (application) this.appStatus = value;
    else this.unitStatus = value;
    this.statusHistory.push({ target: application ? "app" : "unit", status, message });
    return undefined;
  }

  private applicationVersionSet(call: Call): undefined {
    const [version, ...rest] = call.args;
    if (version === undefined) throw initError("no version specified");
    checkEmpty(rest);
    this.workloadVersion = version;
    return undefined;
  }

  private jujuLog(call: Call): undefined {
    if (call.args.length === 0) throw initError("no message specified");
    let level = "INFO";
    if (call.flags.bools.get("debug")) {
      level = "DEBUG";
    } else {
      const given = call.flags.strings.get("l");
      if (given !== undefined && given !== "") {
        const upper = given.toUpperCase() === "WARN" ? "WARNING" : given.toUpperCase();
        if (LOG_LEVELS.includes(upper)) {
          level = upper;
        } else {
          // Juju does not fail on a bad level: it warns and logs at INFO.
          this.logs.push({
            level: "WARNING",
            message: `Specified log level of ${goQuote(given)} is not valid`,
          });
        }
      }
    }
    const rel = this.currentRelation();
    const prefix = rel ? `${rel.endpoint}:${rel.id}: ` : "";
    this.logs.push({ level, message: prefix + call.args.join(" ") });
    return undefined;
  }

  // action-*

  private actionParams(): Record<string, unknown> {
    if (this.event.kind !== "action") return {};
    const declared = this.meta.actions[this.event.name]?.params ?? {};
    const params: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(declared)) {
      if (spec.default !== undefined) params[name] = structuredClone(spec.default);
    }
    return { ...params, ...structuredClone(this.event.params ?? {}) };
  }

  private actionGet(call: Call): unknown {
    const [key, ...rest] = call.args;
    if (key !== undefined) checkEmpty(rest);
    this.requireAction();
    const params = this.actionParams();
    if (key === undefined) return params;
    let node: unknown = params;
    for (const part of key.split(".")) {
      if (
        typeof node !== "object" || node === null || Array.isArray(node) ||
        !Object.hasOwn(node, part)
      ) {
        return null;
      }
      node = (node as Record<string, unknown>)[part];
    }
    return node;
  }

  private actionSet(call: Call): undefined {
    const pairs: [string[], string][] = [];
    for (const arg of call.args) {
      const eq = arg.indexOf("=");
      if (eq < 0) throw initError(`argument ${goQuote(arg)} must be of the form key...=value`);
      const keys = arg.slice(0, eq).split(".");
      for (const key of keys) {
        if (!ACTION_KEY.test(key)) {
          throw initError(
            `key ${
              goQuote(key)
            } must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
          );
        }
      }
      if (RESERVED_ACTION_KEYS.includes(keys[0])) {
        throw initError(`cannot set reserved action key ${goQuote(keys[0])}`);
      }
      pairs.push([keys, arg.slice(eq + 1)]);
    }
    const action = this.requireAction();
    for (const [keys, value] of pairs) setNested(action.results, keys, value);
    return undefined;
  }

  private actionFail(call: Call): undefined {
    const [message, ...rest] = call.args;
    checkEmpty(rest);
    const action = this.requireAction();
    action.failed = true;
    action.message = message ?? "action failed without reason given, check action for errors";
    return undefined;
  }

  private actionLog(call: Call): undefined {
    if (call.args.length === 0) throw initError("no message specified");
    this.requireAction().logs.push(call.args.join(" "));
    return undefined;
  }

  // state-*

  private stateGet(call: Call): unknown {
    const [given, ...rest] = call.args;
    checkEmpty(rest);
    const key = given === undefined || given === "-" ? "" : given;
    const state = this.unitState();
    if (key === "") return Object.keys(state).length === 0 ? null : sortedKeys(state);
    if (Object.hasOwn(state, key)) return state[key];
    if (call.flags.bools.get("strict")) throw runError(`${goQuote(key)} not found`);
    return "";
  }

  private stateSet(call: Call): undefined {
    const overrides = parseKeyValues(call.args, true);
    let values: Record<string, string> = {};
    const file = call.flags.strings.get("file");
    if (file !== undefined && file !== "") {
      values = parseStringMap(this.readStdinOrFile(call, file));
    }
    values = { ...values, ...overrides };
    for (const [key, value] of Object.entries(values)) {
      if (byteLength(key) > MAX_STATE_KEY) {
        throw runError(`max allowed key length (${MAX_STATE_KEY}) exceeded`);
      }
      if (byteLength(value) > MAX_STATE_VALUE) {
        throw runError(`max allowed value length (${MAX_STATE_VALUE}) exceeded`);
      }
    }
    this.unitStateWork = { ...this.unitState(), ...values };
    return undefined;
  }

  private stateDelete(call: Call): undefined {
    const [key, ...rest] = call.args;
    checkEmpty(rest);
    if (key === undefined || key === "") return undefined;
    const state = { ...this.unitState() };
    delete state[key];
    this.unitStateWork = state;
    return undefined;
  }

  // secret-*

  private parseUri(value: string): string {
    const id = parseSecretId(value);
    if (id === undefined) throw initError(`secret URI ${goQuote(value)} not valid`);
    return id;
  }

  /** Secret content from `key=value`, `key#base64=...`, `key#file=/path` and `--file`, with limits. */
  private secretContent(call: Call, args: readonly string[]): Record<string, string> {
    const raw: Record<string, string> = {};
    for (const arg of args) {
      // Base64 padding is stripped before looking for the '=' that ends the key.
      const eq = arg.replace(/=+$/, "").indexOf("=");
      if (eq < 1) throw initError(`key value ${goQuote(arg)} not valid`);
      let key = arg.slice(0, eq);
      let value = arg.slice(eq + 1);
      if (key.endsWith("#file")) {
        key = key.slice(0, -"#file".length);
        let size: number | undefined;
        try {
          size = Deno.statSync(value).size;
        } catch {
          size = undefined;
        }
        if (size !== undefined && size > MAX_SECRET_VALUE) {
          throw initError(`secret content in file ${goQuote(value)} too large: ${size} bytes`);
        }
        try {
          value = readTextFile(value);
        } catch (err) {
          throw initError(
            `reading content for secret key ${goQuote(key)}: ${(err as Error).message}`,
          );
        }
      }
      raw[key] = value;
    }
    const file = call.flags.strings.get("file");
    if (file !== undefined && file !== "") {
      let text: string;
      try {
        text = readTextFile(resolvePath(call.cwd, file));
      } catch (err) {
        throw initError((err as Error).message);
      }
      try {
        Object.assign(raw, parseStringMap(text));
      } catch (err) {
        throw initError((err as Error).message);
      }
    }
    const content: Record<string, string> = {};
    let total = 0;
    for (const [key, value] of Object.entries(raw)) {
      const size = byteLength(value);
      if (size > MAX_SECRET_VALUE) {
        throw initError(`secret content for key ${goQuote(key)} too large: ${size} bytes`);
      }
      total += size;
      if (key.endsWith("#base64")) {
        const bare = key.slice(0, -"#base64".length);
        if (!SECRET_KEY.test(bare)) throw initError(`key ${goQuote(bare)} not valid`);
        const decoded = base64Decode(value);
        if (decoded === undefined) {
          throw initError(`base64 value for key ${goQuote(bare)} not valid`);
        }
        content[bare] = decoded;
      } else {
        if (!SECRET_KEY.test(key)) throw initError(`key ${goQuote(key)} not valid`);
        content[key] = value;
      }
    }
    if (total > MAX_SECRET_CONTENT) throw initError(`secret content too large: ${total} bytes`);
    return content;
  }

  /** The metadata flags shared by secret-add and secret-set, validated like Juju's Init. */
  private secretMetadataFlags(call: Call): { expire?: string; rotate?: string; owner: string } {
    const expireSpec = call.flags.strings.get("expire");
    const expire = expireSpec ? parseExpire(expireSpec) : undefined;
    const rotate = call.flags.strings.get("rotate") || undefined;
    if (rotate !== undefined && !ROTATE_POLICIES.includes(rotate)) {
      throw initError(`rotate policy ${goQuote(rotate)} not valid`);
    }
    const owner = call.flags.strings.get("owner") ?? "application";
    if (owner !== "application" && owner !== "unit") {
      throw initError(`secret owner ${goQuote(owner)} not valid`);
    }
    return { expire, rotate, owner };
  }

  private labelTaken(label: string, exceptId?: string): boolean {
    return this.secrets().some((s) => s.label === label && s.id !== exceptId);
  }

  private secretAdd(call: Call): string {
    if (call.args.length === 0 && !call.flags.strings.get("file")) {
      throw initError("missing secret value or filename");
    }
    const meta = this.secretMetadataFlags(call);
    const content = this.secretContent(call, call.args);
    if (Object.keys(content).length === 0) throw runError("empty secret value not valid");
    if (meta.owner === "application" && !this.leader) throw runError("this unit is not the leader");
    const label = call.flags.strings.get("label") || undefined;
    if (label !== undefined && this.labelTaken(label)) {
      throw runError(`secret with label ${goQuote(label)} already exists`);
    }
    const description = call.flags.strings.get("description") || undefined;
    let id = newSecretId();
    while (this.secrets().some((s) => s.id === id)) id = newSecretId();
    const secret: SecretState = {
      id,
      owner: meta.owner as "application" | "unit",
      revisions: [{ revision: 1, content }],
    };
    if (label !== undefined) secret.label = label;
    if (description !== undefined) secret.description = description;
    if (meta.expire !== undefined) secret.expire = meta.expire;
    if (meta.rotate !== undefined) secret.rotate = meta.rotate;
    this.mutableSecrets().push(secret);
    this.pendingRevisions.set(id, 1);
    return `${secretUri(this.before, id)}\n`;
  }

  private secretSet(call: Call): undefined {
    const [uri, ...rest] = call.args;
    if (uri === undefined) throw initError("missing secret URI");
    const id = this.parseUri(uri);
    const meta = this.secretMetadataFlags(call);
    const content = this.secretContent(call, rest);
    const label = call.flags.strings.get("label") || undefined;
    const description = call.flags.strings.get("description") || undefined;
    const current = this.secrets().find((s) => s.id === id);
    if (!current || !this.canManage(current)) {
      // The unit cannot check this locally; the controller refuses it when the hook commits.
      this.commitErrors.push(
        current
          ? `secret-set ${id}: permission denied`
          : `secret-set ${id}: secret ${goQuote(id)} not found`,
      );
      return undefined;
    }
    if (label !== undefined && this.labelTaken(label, id)) {
      throw runError(`secret with label ${goQuote(label)} already exists`);
    }
    const secret = this.mutableSecrets().find((s) => s.id === id)!;
    if (Object.keys(content).length > 0) {
      const pending = this.pendingRevisions.get(id);
      const latest = secret.revisions[secret.revisions.length - 1];
      if (pending !== undefined) {
        secret.revisions.find((r) => r.revision === pending)!.content = content;
      } else if (
        JSON.stringify(sortedKeys(latest.content)) !== JSON.stringify(sortedKeys(content))
      ) {
        const revision = latest.revision + 1;
        secret.revisions.push({ revision, content });
        this.pendingRevisions.set(id, revision);
      }
    }
    if (label !== undefined) secret.label = label;
    if (description !== undefined) secret.description = description;
    if (meta.expire !== undefined) secret.expire = meta.expire;
    if (meta.rotate !== undefined) secret.rotate = meta.rotate;
    return undefined;
  }

  private secretGet(call: Call): unknown {
    const [uri, key, ...rest] = call.args;
    const id = uri === undefined ? undefined : this.parseUri(uri);
    const label = call.flags.strings.get("label") || undefined;
    if (id === undefined && label === undefined) {
      throw initError("require either a secret URI or label");
    }
    const peek = call.flags.bools.get("peek") ?? false;
    const refresh = call.flags.bools.get("refresh") ?? false;
    if (peek && refresh) throw initError("specify one of --peek or --refresh but not both");
    checkEmpty(rest);
    let secret: SecretState | undefined;
    if (id !== undefined) {
      secret = this.secrets().find((s) => s.id === id);
      if (!secret) throw runError(`secret ${goQuote(uri!)} not found`);
    } else {
      secret = this.secrets().find((s) => s.label === label);
      if (!secret) throw runError(`consumer label ${goQuote(label!)} not found`);
    }
    const latest = secret.revisions[secret.revisions.length - 1];
    let revision =
      secret.revisions.find((r) => r.revision === (secret.trackedRevision ?? latest.revision)) ??
        latest;
    if (peek || refresh) revision = latest;
    const needsUpdate = (id !== undefined && label !== undefined && secret.label !== label) ||
      (refresh && secret.trackedRevision !== undefined &&
        secret.trackedRevision !== latest.revision);
    if (needsUpdate) {
      const work = this.mutableSecrets().find((s) => s.id === secret.id)!;
      if (id !== undefined && label !== undefined) work.label = label;
      if (refresh && work.trackedRevision !== undefined) work.trackedRevision = latest.revision;
    }
    const content = revision.content;
    if (key === undefined) return sortedKeys(content);
    if (key.endsWith("#base64")) {
      const bare = key.slice(0, -"#base64".length);
      if (!Object.hasOwn(content, bare)) {
        throw runError(`secret key value ${goQuote(key)} not found`);
      }
      return base64Encode(content[bare]);
    }
    if (!Object.hasOwn(content, key)) throw runError(`secret key value ${goQuote(key)} not found`);
    return content[key];
  }

  private grantTarget(target: string): string {
    return isValidUnitName(target) ? `unit-${target.replace("/", "-")}` : `application-${target}`;
  }

  private secretInfoGet(call: Call): unknown {
    const [uri, ...rest] = call.args;
    const id = uri === undefined ? undefined : this.parseUri(uri);
    const label = call.flags.strings.get("label") || undefined;
    if (id === undefined && label === undefined) {
      throw initError("require either a secret URI or label");
    }
    if (id !== undefined && label !== undefined) {
      throw initError("specify either a secret URI or label but not both");
    }
    checkEmpty(rest);
    // Non-leaders are not even sent the metadata of application-owned secrets.
    const owned = this.secrets().filter((s) => this.canManage(s));
    const secret = id !== undefined
      ? owned.find((s) => s.id === id)
      : owned.find((s) => s.label === label);
    if (!secret) throw runError(`secret ${goQuote(id ?? label!)} not found`);
    const access = (secret.grants ?? []).map((g) => {
      const rel = this.relationById(g.relationId);
      const scope = rel
        ? `relation-${this.app}.${rel.endpoint}#${rel.remoteApp}.${rel.endpoint}`
        : "";
      return goStruct({ target: this.grantTarget(g.target), scope, role: "view" });
    });
    return {
      [secret.id]: goStruct({
        revision: secret.revisions[secret.revisions.length - 1].revision,
        label: secret.label ?? "",
        owner: secret.owner,
        description: secret.description || undefined,
        rotation: secret.rotate || undefined,
        expiry: secret.expire || undefined,
        access: access.length > 0 ? access : undefined,
      }),
    };
  }

  private secretIds(call: Call): unknown {
    checkEmpty(call.args);
    const ids = this.secrets().filter((s) => this.canManage(s)).map((s) => s.id).sort();
    return ids.length === 0 ? null : ids;
  }

  private secretRemove(call: Call): undefined {
    const [uri, ...rest] = call.args;
    if (uri === undefined) throw initError("missing secret URI");
    const id = this.parseUri(uri);
    checkEmpty(rest);
    const revisionFlag = call.flags.strings.get("revision");
    let revision: number | undefined;
    if (revisionFlag !== undefined) {
      if (!/^[+-]?\d+$/.test(revisionFlag)) {
        throw initError(
          `invalid value ${
            goQuote(revisionFlag)
          } for option --revision: strconv.ParseInt: parsing ${
            goQuote(revisionFlag)
          }: invalid syntax`,
        );
      }
      revision = Number(revisionFlag);
    }
    const current = this.secrets().find((s) => s.id === id);
    if (!current || !this.canManage(current)) {
      this.commitErrors.push(
        current
          ? `secret-remove ${id}: permission denied`
          : `secret-remove ${id}: secret ${goQuote(id)} not found`,
      );
      return undefined;
    }
    const secrets = this.mutableSecrets();
    const index = secrets.findIndex((s) => s.id === id);
    if (revision === undefined) {
      secrets.splice(index, 1);
    } else {
      const secret = secrets[index];
      secret.revisions = secret.revisions.filter((r) => r.revision !== revision);
      if (secret.revisions.length === 0) secrets.splice(index, 1);
    }
    return undefined;
  }

  private secretGrant(call: Call): undefined {
    const [uri, ...rest] = call.args;
    if (uri === undefined) throw initError("missing secret URI");
    const id = this.parseUri(uri);
    const rel = call.flags.strings.has("r") ? this.relationArg(call) : undefined;
    if (!rel) throw initError("no relation id specified");
    const unit = call.flags.strings.get("unit") || undefined;
    if (unit !== undefined) {
      if (!isValidUnitName(unit)) throw initError(`unit ${goQuote(unit)} not valid`);
      if (unitApp(unit) !== rel.remoteApp) {
        throw initError(
          `cannot specify unit ${goQuote(unit)} in relation to application ${
            goQuote(rel.remoteApp)
          }`,
        );
      }
    }
    checkEmpty(rest);
    const current = this.secrets().find((s) => s.id === id);
    if (!current || !this.canManage(current)) throw runError(`secret ${goQuote(id)} not found`);
    const grants = current.grants ?? [];
    const target = unit ?? rel.remoteApp;
    const appGranted = grants.some((g) => g.relationId === rel.id && g.target === rel.remoteApp);
    if (
      grants.some((g) => g.relationId === rel.id && g.target === target) || (unit && appGranted)
    ) {
      return undefined;
    }
    if (
      !unit && grants.some((g) => g.relationId === rel.id && unitApp(g.target) === rel.remoteApp)
    ) {
      throw runError(
        "any unit level grants need to be revoked before granting access to the corresponding application",
      );
    }
    const secret = this.mutableSecrets().find((s) => s.id === id)!;
    secret.grants = [...grants, { relationId: rel.id, target }];
    return undefined;
  }

  private secretRevoke(call: Call): undefined {
    const [uri, ...rest] = call.args;
    if (uri === undefined) throw initError("missing secret URI");
    const id = this.parseUri(uri);
    let app = call.flags.strings.get("app") || undefined;
    const unit = call.flags.strings.get("unit") || undefined;
    if (app !== undefined && !isValidAppName(app)) {
      throw initError(`application ${goQuote(app)} not valid`);
    }
    if (unit !== undefined && !isValidUnitName(unit)) {
      throw initError(`unit ${goQuote(unit)} not valid`);
    }
    if (app !== undefined && unit !== undefined) {
      throw initError("specify only one of application or unit");
    }
    const rel = call.flags.strings.has("r") ? this.relationArg(call) : undefined;
    if (rel) {
      if (app !== undefined) throw initError("do not specify both relation and app");
      app = rel.remoteApp;
    }
    if (app === undefined && unit === undefined) {
      throw initError("missing relation or application or unit");
    }
    checkEmpty(rest);
    const current = this.secrets().find((s) => s.id === id);
    if (!current || !this.canManage(current)) {
      this.commitErrors.push(
        current
          ? `secret-revoke ${id}: permission denied`
          : `secret-revoke ${id}: secret ${goQuote(id)} not found`,
      );
      return undefined;
    }
    const target = unit ?? app!;
    const secret = this.mutableSecrets().find((s) => s.id === id)!;
    secret.grants = (secret.grants ?? []).filter((g) => g.target !== target);
    if (secret.grants.length === 0) delete secret.grants;
    return undefined;
  }

  // network-get, goal-state

  private networkGet(call: Call): unknown {
    if (call.args.length === 0) throw initError("no arguments specified");
    const [binding, ...rest] = call.args;
    checkEmpty(rest);
    const bindings = new Set([
      "juju-info",
      ...Object.keys(this.meta.provides),
      ...Object.keys(this.meta.requires),
      ...Object.keys(this.meta.peers),
      ...(this.meta.extraBindings ?? []),
    ]);
    if (!bindings.has(binding)) {
      throw runError(`no network config found for binding ${goQuote(binding)}`);
    }
    const net = this.network(binding);
    const egress = [`${net.ingress}/32`];
    const flags = call.flags.bools;
    const single: Record<string, unknown> = {};
    if (flags.get("primary-address")) single["primary-address"] = net.bind;
    if (flags.get("bind-address")) single["bind-address"] = net.bind;
    if (flags.get("ingress-address")) single["ingress-address"] = net.ingress;
    if (flags.get("egress-subnets")) single["egress-subnets"] = egress;
    const keys = Object.keys(single);
    if (keys.length === 1) return single[keys[0]];
    if (keys.length > 1) return single;
    return goStruct({
      "bind-addresses": [
        goStruct({
          "mac-address": "",
          "interface-name": "",
          addresses: [goStruct({ hostname: "", value: net.bind, cidr: net.cidr })],
        }),
      ],
      "egress-subnets": egress,
      "ingress-addresses": [net.ingress],
    });
  }

  private goalState(call: Call): unknown {
    checkEmpty(call.args);
    const entry = (status: string) => goStruct({ status, since: GOAL_STATE_SINCE });
    const planned = this.before.planned;
    const units: Record<string, unknown> = {};
    for (const [unit, status] of Object.entries(planned?.units ?? { [this.unit]: "active" })) {
      units[unit] = entry(planned?.appDying ? "dying" : status);
    }
    const relations: Record<string, Record<string, unknown>> = {};
    for (const rel of this.relations()) {
      const byName = (relations[rel.endpoint] ??= {});
      if (!this.isPeer(rel)) byName[rel.remoteApp] = entry(rel.dying ? "dying" : "joined");
      for (const unit of Object.keys(rel.remoteUnits ?? {})) {
        byName[unit] = entry(rel.dying ? "dying" : "active");
      }
    }
    return goStruct({ units, relations });
  }

  // ports

  private port(call: Call, open: boolean): undefined {
    if (call.args.length === 0) throw initError("no port or range specified");
    const range = parsePortSpec(call.args[0]);
    checkEmpty(call.args.slice(1));
    if (call.flags.strings.has("format")) {
      call.stderr += `--format flag deprecated for command ${goQuote(call.tool)}`;
    }
    if (range.from !== range.to) {
      throw runError(
        "port ranges are not supported for k8s applications, please specify a single port",
      );
    }
    const key = portKey(range);
    const ports = this.ports().filter((p) => p !== key);
    if (open) ports.push(key);
    this.portsWork = ports.sort(comparePorts);
    return undefined;
  }

  private openedPorts(call: Call): unknown {
    checkEmpty(call.args);
    const ports = [...this.ports()].sort(comparePorts);
    return call.flags.bools.get("endpoints") ? ports.map((p) => `${p} (*)`) : ports;
  }
}
