/**
 * The routing options of the charm's config: `routing-mode`, `additional-hostnames`, the two
 * timeouts and the Gateway's infrastructure labels and annotations. Parsed here into typed values,
 * each invalid value becoming a `ConfigError` that names the option and the value; what needs the
 * Gateway's name (hostnames in listener names) is checked in `routingConfigProblem`.
 */
import type { ConfigError } from "./config.ts";
import { isValidDomain } from "./config.ts";
import {
  LISTENER_NAME_RULE,
  listenerClash,
  listenerHostnameProblem,
  sharedListenerProblem,
} from "./gateway/limits.ts";
import { asciiHostname } from "./net.ts";

export type RoutingMode = "path" | "subdomain";

export interface RoutingConfig {
  readonly mode: RoutingMode;
  /** Normalised (lower case, ASCII), without duplicates, in the order given. */
  readonly additionalHostnames: readonly string[];
  /** Gateway API durations (`30s`, `1m30s`), or null for the controller's default. */
  readonly requestTimeout: string | null;
  readonly backendRequestTimeout: string | null;
  /** `spec.infrastructure` of the Gateway. */
  readonly gatewayAnnotations: Readonly<Record<string, string>>;
  readonly gatewayLabels: Readonly<Record<string, string>>;
}

export const DEFAULT_ROUTING: RoutingConfig = {
  mode: "path",
  additionalHostnames: [],
  requestTimeout: null,
  backendRequestTimeout: null,
  gatewayAnnotations: {},
  gatewayLabels: {},
};

/** An HTTPRoute's `hostnames` holds at most 16: the external hostname and 15 more. */
export const MAX_ADDITIONAL_HOSTNAMES = 15;
/** `spec.infrastructure` limits (Gateway CRD). */
export const MAX_INFRASTRUCTURE_LABELS = 8;
export const MAX_INFRASTRUCTURE_ANNOTATIONS = 16;
const MAX_ANNOTATION_VALUE = 4096;

/** The HTTPRoute CRD's duration pattern (GEP-2257). */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** Label and annotation keys: an optional DNS subdomain prefix and a name of up to 63. */
const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A value as a message quotes it: at most 100 characters. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value);
}

function invalid(option: string, value: string, why: string): ConfigError {
  return { option, message: `Invalid ${option} ${quoted(value)}: ${why}` };
}

/** A Gateway API duration in milliseconds. */
export function durationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(amount) * units[unit];
  }
  return total;
}

function stringOption(raw: Readonly<Record<string, unknown>>, option: string): string | null {
  const value = raw[option];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function parseDuration(option: string, value: string | null): string | ConfigError | null {
  if (value === null) return null;
  if (!DURATION.test(value)) {
    return invalid(option, value, 'not a duration such as "30s", "1m30s" or "500ms"');
  }
  return value;
}

/** Why a key of `spec.infrastructure` is refused, or null. */
function keyProblem(key: string): string | null {
  if (!KEY.test(key)) {
    return "keys are an optional DNS subdomain prefix and `/`, then a name of up to 63 " +
      "letters, digits, `-`, `_` or `.` that starts and ends with a letter or digit";
  }
  if (key.includes("/") && key.split("/")[0].length >= 253) {
    return "a key's prefix must be shorter than 253 characters";
  }
  return null;
}

/** `k=v,k2=v2` into a map, checked as Kubernetes label or annotation syntax. */
function parsePairs(
  option: string,
  value: string | null,
  kind: "label" | "annotation",
): Record<string, string> | ConfigError {
  const pairs: Record<string, string> = {};
  if (value === null) return pairs;
  for (const entry of value.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    const at = entry.indexOf("=");
    if (at <= 0) return invalid(option, value, `entry ${quoted(entry)} is not key=value`);
    const key = entry.slice(0, at).trim();
    const item = entry.slice(at + 1).trim();
    const problem = keyProblem(key);
    if (problem !== null) return invalid(option, value, `key ${quoted(key)}: ${problem}`);
    if (key in pairs) return invalid(option, value, `key ${quoted(key)} is given twice`);
    if (kind === "label" && (item.length > 63 || !LABEL_VALUE.test(item))) {
      return invalid(
        option,
        value,
        `value ${quoted(item)} of ${quoted(key)} is not a label value (at most 63 letters, ` +
          "digits, `-`, `_` or `.`, starting and ending with a letter or digit)",
      );
    }
    if (kind === "annotation" && item.length > MAX_ANNOTATION_VALUE) {
      return invalid(
        option,
        value,
        `value of ${quoted(key)} is longer than ${MAX_ANNOTATION_VALUE} characters`,
      );
    }
    pairs[key] = item;
  }
  const limit = kind === "label" ? MAX_INFRASTRUCTURE_LABELS : MAX_INFRASTRUCTURE_ANNOTATIONS;
  if (Object.keys(pairs).length > limit) {
    return invalid(option, value, `the Gateway takes at most ${limit} ${kind}s`);
  }
  return pairs;
}

const isError = (value: unknown): value is ConfigError =>
  typeof value === "object" && value !== null && "message" in value && "option" in value;

/** Parses the routing options of `config-get` output (empty strings count as unset). */
export function parseRoutingConfig(
  raw: Readonly<Record<string, unknown>>,
): RoutingConfig | ConfigError {
  for (
    const option of [
      "routing-mode",
      "additional-hostnames",
      "request-timeout",
      "backend-request-timeout",
      "gateway-annotations",
      "gateway-labels",
    ]
  ) {
    const value = raw[option];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return invalid(option, String(value), "must be a string");
    }
  }
  const modeValue = stringOption(raw, "routing-mode") ?? "path";
  if (modeValue !== "path" && modeValue !== "subdomain") {
    return invalid("routing-mode", modeValue, 'must be "path" or "subdomain"');
  }
  const additional: string[] = [];
  const listed = stringOption(raw, "additional-hostnames");
  for (const entry of (listed ?? "").split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    if (!isValidDomain(entry)) {
      return invalid("additional-hostnames", entry, "not a valid domain name");
    }
    const host = asciiHostname(entry) ?? entry.toLowerCase();
    if (!additional.includes(host)) additional.push(host);
  }
  if (additional.length > MAX_ADDITIONAL_HOSTNAMES) {
    return invalid(
      "additional-hostnames",
      listed!,
      `at most ${MAX_ADDITIONAL_HOSTNAMES} hostnames (a route serves at most 16 with external-hostname)`,
    );
  }
  const request = parseDuration("request-timeout", stringOption(raw, "request-timeout"));
  if (isError(request)) return request;
  const backend = parseDuration(
    "backend-request-timeout",
    stringOption(raw, "backend-request-timeout"),
  );
  if (isError(backend)) return backend;
  // The HTTPRoute CRD's rule: a backend request may not outlast the whole request (0s: no limit).
  if (
    request !== null && backend !== null && durationMs(request) !== 0 &&
    durationMs(backend) > durationMs(request)
  ) {
    return invalid(
      "backend-request-timeout",
      backend,
      `longer than request-timeout ${quoted(request)}`,
    );
  }
  const annotations = parsePairs(
    "gateway-annotations",
    stringOption(raw, "gateway-annotations"),
    "annotation",
  );
  if (isError(annotations)) return annotations;
  const labels = parsePairs("gateway-labels", stringOption(raw, "gateway-labels"), "label");
  if (isError(labels)) return labels;
  return {
    mode: modeValue,
    additionalHostnames: additional,
    requestTimeout: request,
    backendRequestTimeout: backend,
    gatewayAnnotations: annotations,
    gatewayLabels: labels,
  };
}

export const SUBDOMAIN_NEEDS_HOSTNAME =
  'routing-mode "subdomain" needs external-hostname: requirers are served at <model>-<app>.<external-hostname>';

/**
 * What the routing options need of the rest of the config and of the Gateway `gateway`: the
 * Blocked message, or null. `externalHostname` is the normalised external hostname.
 */
export function routingConfigProblem(
  routing: RoutingConfig,
  externalHostname: string | null,
  gateway: string,
): string | null {
  if (routing.mode === "subdomain" && externalHostname === null) return SUBDOMAIN_NEEDS_HOSTNAME;
  if (routing.additionalHostnames.length > 0 && externalHostname === null) {
    return `Invalid additional-hostnames ${
      quoted(routing.additionalHostnames.join(","))
    }: needs external-hostname`;
  }
  for (const host of routing.additionalHostnames) {
    // In subdomain mode each is a parent domain; the requirers' subdomains are checked per requirer.
    const problem = listenerHostnameProblem(gateway, host);
    if (problem !== null) {
      return `Invalid additional-hostnames ${
        quoted(host)
      }: not accepted by the Gateway API: the hostname ${problem}`;
    }
  }
  // Each hostname (in subdomain mode, each requirer's subdomain of it) needs a listener of its own.
  if (externalHostname !== null) {
    const clash = listenerClash([externalHostname, ...routing.additionalHostnames], new Map());
    if (clash !== null) {
      const why = routing.mode === "subdomain"
        ? `a requirer's subdomains of it and of ${quoted(clash.other)} would share one ` +
          `Gateway listener: ${LISTENER_NAME_RULE}`
        : `it ${sharedListenerProblem(clash.other)}`;
      return `Invalid additional-hostnames ${quoted(clash.host)}: ${why}`;
    }
  }
  return null;
}
