/**
 * The `traefik_route` interface, v0, provider side (wire-compatible with the traefik_k8s v0
 * `traefik_route` library, interfaces.md §4): plain strings. The requirer's application databag
 * holds `config` (YAML of a Traefik dynamic configuration), optionally `static` (YAML of a static
 * configuration: its `entryPoints`) and `raw` (`"True"`/`"False"`); the provider answers with
 * `external_host` (a bare host or IP) and `scheme` (`http`/`https`). The YAML parser is passed in,
 * so that only hooks with a traefik-route relation load it.
 */
import type { Databag } from "./json_fields.ts";

export type { Databag };

/** What a requirer sent, its YAML parsed (the values are still untrusted). */
export interface TraefikRouteRequest {
  readonly config: Readonly<Record<string, unknown>>;
  /** Null when no static configuration was sent. */
  readonly static: Readonly<Record<string, unknown>> | null;
  /** `raw == "True"`: Traefik adds no TLS twin of each router. */
  readonly raw: boolean;
}

export interface TraefikRouteProviderData {
  readonly externalHost: string;
  readonly scheme: "http" | "https";
}

/** Relation data that cannot be read; `incomplete` means no `config` has been written yet. */
export class TraefikRouteDataError extends Error {
  override readonly name = "TraefikRouteDataError";
  constructor(message: string, readonly incomplete = false) {
    super(message);
  }
}

/** The largest YAML document read (a Juju databag value can be far larger). */
export const MAX_YAML = 256 * 1024;

export type YamlParser = (text: string) => unknown;

function document(
  text: string,
  key: string,
  parse: YamlParser,
): Readonly<Record<string, unknown>> | null {
  if (text.length > MAX_YAML) {
    throw new TraefikRouteDataError(`${key} is longer than ${MAX_YAML} characters`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new TraefikRouteDataError(`${key} is not valid YAML: ${why.slice(0, 200)}`);
  }
  if (value === null || value === undefined) return null;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TraefikRouteDataError(`${key} must be a YAML mapping`);
  }
  return value as Record<string, unknown>;
}

/** Parses the requirer's application databag; throws `TraefikRouteDataError`. */
export function parseTraefikRouteRequest(data: Databag, parse: YamlParser): TraefikRouteRequest {
  const text = data.config ?? "";
  if (text.trim() === "") throw new TraefikRouteDataError("no config yet", true);
  const config = document(text, "config", parse) ?? {};
  const staticConfig = (data.static ?? "").trim() === ""
    ? null
    : document(data.static!, "static", parse);
  return { config, static: staticConfig, raw: data.raw === "True" };
}

/** Our application databag. */
export function renderTraefikRouteProvider(data: TraefikRouteProviderData): Databag {
  return { external_host: data.externalHost, scheme: data.scheme };
}
