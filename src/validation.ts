/**
 * The Python charm's validation of config against the established integrations, in its order:
 * the first failure wins and becomes a Blocked status with exactly the Python charm's message
 * (where it crashed instead, the message names the option and the bad value).
 */
import { type CharmConfig, isValidDomain } from "./config.ts";

/** Which integrations exist (a relation that is being broken does not count). */
export interface Integrations {
  readonly ingress: boolean;
  readonly gatewayRoute: boolean;
  readonly certificates: boolean;
}

export type ProxyMode = "ingress" | "gateway-route" | "inactive";

export function proxyMode(integrations: Integrations): ProxyMode {
  if (integrations.ingress) return "ingress";
  if (integrations.gatewayRoute) return "gateway-route";
  return "inactive";
}

export const MESSAGES = {
  certificatesNeeded: "Certificates relation is needed if enforce-https is enabled.",
  bothModes: "Both Ingress and Gateway Route integrations are established. Only one is allowed.",
  hostnameWithGatewayRoute:
    "external-hostname must only be set when related via ingress, not when integrating via gateway-route.",
  hostnameNeeded: "external-hostname must be set in when related to ingress and certificates",
  notLeader: "Deploying more than one unit is not supported.",
} as const;

/** Returns the Blocked message of the first failed check, or null when the state is valid. */
export function validate(config: CharmConfig, integrations: Integrations): string | null {
  const mode = proxyMode(integrations);
  if (config.enforceHttps && !integrations.certificates) return MESSAGES.certificatesNeeded;
  if (integrations.ingress && integrations.gatewayRoute) return MESSAGES.bothModes;
  if (config.externalHostname !== null && !isValidDomain(config.externalHostname)) {
    return `Invalid external-hostname "${config.externalHostname}": not a valid domain name`;
  }
  if (mode === "gateway-route" && config.externalHostname !== null) {
    return MESSAGES.hostnameWithGatewayRoute;
  }
  if (mode === "ingress" && integrations.certificates && config.externalHostname === null) {
    return MESSAGES.hostnameNeeded;
  }
  if (config.hstsMaxAge < 0) return "invalid configuration: hsts_max_age";
  return null;
}
