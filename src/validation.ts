/**
 * The Python charm's validation of config against the established integrations, in its order:
 * the first failure wins and becomes a Blocked status with exactly the Python charm's message
 * (where it crashed instead, the message names the option and the bad value).
 */
import { type CharmConfig, isValidDomain } from "./config.ts";
import { listenerHostnameProblem } from "./gateway/limits.ts";
import { normalHostname } from "./gateway/plan.ts";
import { DEFAULT_ROUTING, routingConfigProblem } from "./routing_config.ts";

/** Which integrations exist (a relation that is being broken does not count). */
export interface Integrations {
  readonly ingress: boolean;
  /** Absent means not related (worlds built before the endpoint existed). */
  readonly ingressPerUnit?: boolean;
  readonly gatewayRoute: boolean;
  readonly certificates: boolean;
}

export type ProxyMode = "ingress" | "gateway-route" | "inactive";

export function proxyMode(integrations: Integrations): ProxyMode {
  // Per-unit HTTP routes share the ingress listeners, hostname and certificate.
  if (integrations.ingress || integrations.ingressPerUnit) return "ingress";
  if (integrations.gatewayRoute) return "gateway-route";
  return "inactive";
}

export const MESSAGES = {
  certificatesNeeded: "Certificates relation is needed if enforce-https is enabled.",
  bothModes: "Both Ingress and Gateway Route integrations are established. Only one is allowed.",
  perUnitWithGatewayRoute:
    "Both ingress-per-unit and gateway-route integrations are established. Only one is allowed.",
  hostnameWithGatewayRoute:
    "external-hostname must only be set when related via ingress, not when integrating via gateway-route.",
  hostnameNeeded: "external-hostname must be set in when related to ingress and certificates",
} as const;

/** Why `external-hostname` cannot be the hostname of the Gateway `gateway`, or null: the Python
 * charm's domain rule, then what the Gateway's listeners accept (which that rule does not
 * ensure: length, `_`, the listener names it ends up in). */
function externalHostnameProblem(hostname: string, gateway: string): string | null {
  if (!isValidDomain(hostname)) return "not a valid domain name";
  const problem = listenerHostnameProblem(gateway, normalHostname(hostname));
  return problem === null ? null : `not accepted by the Gateway API: the hostname ${problem}`;
}

/**
 * Steps 1–4 of the Python charm's validation, which need no cluster. Returns the Blocked message
 * of the first failed check, or null. `gateway` is the Gateway's name (this application's).
 */
export function validateBeforeCluster(
  config: CharmConfig,
  integrations: Integrations,
  gateway: string,
): string | null {
  const mode = proxyMode(integrations);
  if (config.enforceHttps && !integrations.certificates) return MESSAGES.certificatesNeeded;
  if (integrations.ingress && integrations.gatewayRoute) return MESSAGES.bothModes;
  if (integrations.ingressPerUnit && integrations.gatewayRoute) {
    return MESSAGES.perUnitWithGatewayRoute;
  }
  const problem = config.externalHostname === null
    ? null
    : externalHostnameProblem(config.externalHostname, gateway);
  if (problem !== null) {
    // Quoted as JSON, as the other options' values: a newline or quote in it stays visible.
    return `Invalid external-hostname ${JSON.stringify(config.externalHostname)}: ${problem}`;
  }
  if (mode === "gateway-route" && config.externalHostname !== null) {
    return MESSAGES.hostnameWithGatewayRoute;
  }
  const host = config.externalHostname === null ? null : normalHostname(config.externalHostname);
  return routingConfigProblem(config.routing ?? DEFAULT_ROUTING, host, gateway);
}

/** Step 5: the configured GatewayClass must exist in the cluster (names in list order). */
export function validateGatewayClass(
  config: CharmConfig,
  classes: readonly string[],
): string | null {
  if (config.gatewayClass !== null && classes.includes(config.gatewayClass)) return null;
  return `Gateway class must be one of: [${classes.join(",")}]`;
}

/** Steps 6–7, after the GatewayClass check. */
export function validateAfterCluster(
  config: CharmConfig,
  integrations: Integrations,
): string | null {
  if (
    proxyMode(integrations) === "ingress" && integrations.certificates &&
    config.externalHostname === null
  ) {
    return MESSAGES.hostnameNeeded;
  }
  if (config.hstsMaxAge < 0) return "invalid configuration: hsts_max_age";
  return null;
}

/** All steps in order, for a known list of GatewayClasses. */
export function validate(
  config: CharmConfig,
  integrations: Integrations,
  classes: readonly string[],
  gateway: string,
): string | null {
  return validateBeforeCluster(config, integrations, gateway) ??
    validateGatewayClass(config, classes) ??
    validateAfterCluster(config, integrations);
}
