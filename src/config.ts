/**
 * Charm configuration: parsed from `config-get` output into typed values, and the hostname rule
 * the Python charm applies (python-validators `domain()`), kept pure so it is tested with plain
 * values.
 */
import * as z from "zod/mini";
import { asciiHostname } from "./net.ts";
import { parseRoutingConfig, type RoutingConfig } from "./routing_config.ts";

export interface CharmConfig {
  readonly externalHostname: string | null;
  readonly gatewayClass: string | null;
  readonly enforceHttps: boolean;
  readonly hstsMaxAge: number;
  /** Routing options (`src/routing_config.ts`); absent means their defaults. */
  readonly routing?: RoutingConfig;
  /** `ingress-per-unit-tcp-ports` as set (parsed where it is used, so that a bad range costs
   * only the TCP units); absent in configs built before the option existed: the default. */
  readonly perUnitTcpPorts?: string;
}

/** A config problem, reported as a Blocked status with `message`. */
export interface ConfigError {
  readonly option: string;
  readonly message: string;
}

// Juju has already checked the declared types; numbers may still arrive as floats (Go prints
// 1.0 as 1), so integers are checked here rather than trusted.
const configSchema = z.object({
  "external-hostname": z.nullish(z.string()),
  "gateway-class": z.nullish(z.string()),
  "enforce-https": z.nullish(z.boolean()),
  "hsts-max-age": z.nullish(z.number().check(z.int())),
  "ingress-per-unit-tcp-ports": z.nullish(z.string()),
});

const OPTION_FIELDS: Record<string, string> = {
  "external-hostname": "external_hostname",
  "gateway-class": "gateway_class_name",
  "enforce-https": "enforce_https",
  "hsts-max-age": "hsts_max_age",
};

/** Parses `config-get` output. Unknown keys are ignored; empty strings count as unset. */
export function parseConfig(raw: Readonly<Record<string, unknown>>): CharmConfig | ConfigError {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const options = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    return {
      option: options.join(","),
      message: `invalid configuration: ${options.map((o) => OPTION_FIELDS[o] ?? o).join(",")}`,
    };
  }
  const value = parsed.data;
  const routing = parseRoutingConfig(raw);
  if ("message" in routing) return routing;
  return {
    externalHostname: value["external-hostname"] || null,
    gatewayClass: value["gateway-class"] || null,
    enforceHttps: value["enforce-https"] ?? true,
    hstsMaxAge: value["hsts-max-age"] ?? 31536000,
    routing,
    // Blank is unset, as for the other string options.
    perUnitTcpPorts: value["ingress-per-unit-tcp-ports"]?.trim() || "20000-20999",
  };
}

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-_]{0,61}[a-z]$/i;

/**
 * The FQDN rule of python-validators 0.35 `domain()` with default options: the IDNA-encoded name
 * matches the label grammar, has at least two labels, ends in a letter (so IPs fail), and has no
 * whitespace, `__` or trailing dot.
 */
export function isValidDomain(value: string): boolean {
  if (/\s/.test(value) || value.includes("__") || value.endsWith(".")) return false;
  const isAscii = [...value].every((char) => char.charCodeAt(0) < 128);
  const ascii = isAscii ? value : asciiHostname(value);
  return ascii !== null && ascii !== "" && DOMAIN.test(ascii);
}
