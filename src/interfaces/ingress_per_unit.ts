/**
 * The `ingress_per_unit` interface, v0, provider side (wire-compatible with the traefik_k8s v1
 * `IngressPerUnitRequirer` library): each requirer **unit** writes plain strings (not JSON) in its
 * unit databag; the provider publishes `ingress`, a YAML map `{<unit>: {url: <url>}}`, in its
 * application databag. Units are parsed one by one: a bad unit is skipped, not the relation.
 */
import { MAX_LABEL } from "../gateway/limits.ts";
import type { Databag } from "./json_fields.ts";

export type { Databag };

/** What one requirer unit asked for. */
export interface UnitRequest {
  /** The unit's name, `<app>/<n>`. */
  readonly unit: string;
  readonly model: string;
  readonly host: string;
  /** The port the unit listens on. */
  readonly port: number;
  readonly mode: "http" | "tcp";
  /** The backend's scheme, as the library writes it (informative: the route does not change). */
  readonly scheme: "http" | "https";
  readonly stripPrefix: boolean;
  readonly redirectHttps: boolean;
}

/** A unit's data that does not validate; `incomplete` means it has written nothing yet. */
export class PerUnitDataError extends Error {
  override readonly name = "PerUnitDataError";
  constructor(message: string, readonly incomplete = false) {
    super(message);
  }
}

/** The keys the library reads (and writes). */
const KEYS = ["model", "name", "host", "port", "mode", "scheme", "strip-prefix", "redirect-https"];
const REQUIRED = ["model", "name", "host", "port"];

// Juju's rules: the charm builds object names, label values and URL paths from these.
const MODEL_NAME = /^[a-z0-9]+[a-z0-9-]*$/;
export const UNIT_NAME = /^([a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)\/(0|[1-9][0-9]*)$/;

const quoted = (value: string) =>
  JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

/** `<app>-<n>`: the unit's pod name, and the part of its URL path and object names. */
export function unitDashed(unit: string): string {
  return unit.replace("/", "-");
}

/** The application a unit name belongs to. */
export function unitApp(unit: string): string {
  return unit.slice(0, unit.lastIndexOf("/"));
}

/**
 * Parses one unit's databag as the library validates it (every key a string; `model`, `name`,
 * `host` and `port` required; `port` converted with `int()`; the flags true only as `"true"`),
 * and refuses what would reach a Kubernetes object unchecked: a model or unit name Juju would
 * not allow, a `name` that is not the unit's own, a port outside 1–65535, an unknown mode.
 */
export function parseUnitRequest(unit: string, data: Databag): UnitRequest {
  const value = (key: string) => (data[key] === undefined || data[key] === "" ? null : data[key]);
  if (KEYS.every((key) => value(key) === null)) {
    throw new PerUnitDataError(`unit ${unit} has not written its data`, true);
  }
  const missing = REQUIRED.filter((key) => value(key) === null);
  if (missing.length > 0) {
    throw new PerUnitDataError(
      `unit ${unit}: ${missing.map((key) => `"${key}"`).join(", ")} missing`,
    );
  }
  const fail = (message: string) => new PerUnitDataError(`unit ${unit}: ${message}`);
  const model = value("model")!;
  if (!MODEL_NAME.test(model) || model.length > MAX_LABEL) {
    throw fail(`model ${quoted(model)} is not a Juju model name`);
  }
  const name = value("name")!;
  if (name !== unit) throw fail(`name ${quoted(name)} is not the unit's name`);
  if (!UNIT_NAME.test(unit) || unitDashed(unit).length > MAX_LABEL) {
    throw fail("is not a unit name this charm can route to (a pod name of at most 63 characters)");
  }
  // Python's int() takes surrounding blanks, a sign and `_` between digits; a port has no sign.
  const rawPort = value("port")!.trim();
  const port = /^\+?\d+(_\d+)*$/.test(rawPort) ? Number(rawPort.replace(/[+_]/g, "")) : NaN;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw fail(`port ${quoted(value("port")!)} is not a port number (1-65535)`);
  }
  const mode = value("mode") ?? "http";
  if (mode !== "http" && mode !== "tcp") throw fail(`mode ${quoted(mode)} is not "http" or "tcp"`);
  const scheme = value("scheme") ?? "http";
  if (scheme !== "http" && scheme !== "https") {
    throw fail(`scheme ${quoted(scheme)} is not "http" or "https"`);
  }
  return {
    unit,
    model,
    host: value("host")!,
    port,
    mode,
    scheme,
    stripPrefix: value("strip-prefix") === "true",
    redirectHttps: value("redirect-https") === "true",
  };
}

// A plain YAML scalar where PyYAML's `safe_dump` writes one (unit names, URLs with a scheme,
// `host:port`); anything else is double-quoted (JSON strings are YAML double-quoted scalars).
const PLAIN_KEY = /^[a-z][a-z0-9-]*\/\d+$/;
const PLAIN_URL = /^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9._~\/\[\]:%@!$&()*+,;=-]*$/;
const PLAIN_ADDRESS = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+:\d+$/i;

function scalar(value: string, plain: RegExp): string {
  return plain.test(value) && !value.includes(": ") && !value.includes(" #")
    ? value
    : JSON.stringify(value);
}

/** The `ingress` value for these URLs, sorted by unit name as `yaml.safe_dump` sorts keys. */
export function renderUnitUrls(urls: ReadonlyMap<string, string>): string {
  return [...urls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([unit, url]) =>
    `${scalar(unit, PLAIN_KEY)}:\n  url: ${
      scalar(url, url.includes("://") ? PLAIN_URL : PLAIN_ADDRESS)
    }\n`
  ).join("");
}

/** The provider application databag: the URL map, or the key removed (`""` deletes in Juju)
 * when no unit has a URL (the library's `wipe_ingress_data`). */
export function renderPerUnitProvider(urls: ReadonlyMap<string, string>): Record<string, string> {
  return { ingress: urls.size === 0 ? "" : renderUnitUrls(urls) };
}

function readScalar(text: string): string | null {
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * The URLs our databag publishes, read back from what `renderUnitUrls` writes (only this charm
 * writes there). Null when the value is something else: it is then rewritten whole.
 */
export function parseUnitUrls(raw: string | undefined): Map<string, string> | null {
  const urls = new Map<string, string>();
  if (raw === undefined || raw === "") return urls;
  const lines = raw.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length % 2 !== 0) return null;
  for (let i = 0; i < lines.length; i += 2) {
    const key = /^(.+):$/.exec(lines[i]);
    const url = /^ {2}url: (.+)$/.exec(lines[i + 1]);
    const unit = key ? readScalar(key[1]) : null;
    const value = url ? readScalar(url[1]) : null;
    if (unit === null || value === null) return null;
    urls.set(unit, value);
  }
  return urls;
}

/** One unit's request, or why it is skipped (`error` null: nothing written yet). */
export function parsePerUnitDataOrError(
  unit: string,
  data: Databag,
): { unit: string; request: UnitRequest | null; error: string | null } {
  try {
    return { unit, request: parseUnitRequest(unit, data), error: null };
  } catch (error) {
    if (!(error instanceof PerUnitDataError)) throw error;
    return { unit, request: null, error: error.incomplete ? null : error.message };
  }
}
