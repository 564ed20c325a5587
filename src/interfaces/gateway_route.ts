/**
 * The `gateway-route` interface, v1, provider side (wire-compatible with the
 * gateway_api_integrator v1 `gateway_route` library, whose databags go through ops
 * `Relation.load`/`Relation.save`): every value is JSON text. The requirer's application databag
 * names the hostnames to serve; the provider publishes where its Gateway is and how it treats
 * HTTPS, every field written, `null` included.
 */
import * as z from "zod/mini";
import { isValidDomain } from "../config.ts";
import { gatewayHostnameProblem } from "../gateway/limits.ts";
import { asciiHostname } from "../net.ts";

import { type Databag, decodeJsonFields, issueMessage } from "./json_fields.ts";

export type { Databag };

export type HttpsMode = "disabled" | "enabled" | "enforced";

/** What a requirer asked for: its hostnames, lower-cased and without repeats, in order. */
export interface GatewayRouteRequest {
  readonly hostnames: readonly string[];
}

export interface GatewayRouteProviderData {
  /** The provider application name, which is also the Gateway's name. */
  readonly gatewayName: string;
  /** The provider's model, which is also the Gateway's namespace. */
  readonly gatewayModel: string;
  readonly httpsMode: HttpsMode;
  readonly gatewayAddress: string | null;
  /** Set only when HTTPS is enforced. */
  readonly hstsMaxAge: number | null;
}

/** Relation data that does not validate; the message names the field and the value. */
export class GatewayRouteDataError extends Error {
  override readonly name = "GatewayRouteDataError";
}

/** The hostname as listeners and certificates get it: lower case, IDNA (punycode) form. */
const normal = (value: string) => asciiHostname(value) ?? value.toLowerCase();
const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 100));

const fqdn = z.string({ error: "must be a string" }).check(
  z.refine(isValidDomain, {
    error: (issue) => `is not a valid hostname: ${quoted(issue.input)}`,
    abort: true,
  }),
  // What a Gateway listener accepts, which python-validators' rule does not ensure.
  z.refine((value) => gatewayHostnameProblem(normal(value)) === null, {
    error: (issue) =>
      `${quoted(issue.input)} ${gatewayHostnameProblem(normal(String(issue.input)))}`,
  }),
);

const requirerSchema = z.object({
  hostname: z.nullish(fqdn),
  // A list, defaulting to empty when absent; like the library, `null` is refused.
  additional_hostnames: z._default(z.array(fqdn, { error: "must be a list of hostnames" }), []),
});

const REQUIRER_KEYS = Object.keys(requirerSchema.shape);

/**
 * Parses a requirer's application databag. An empty databag is valid and asks for no hostname.
 * Throws `GatewayRouteDataError` naming the first field that does not validate.
 */
export function parseGatewayRouteRequest(appData: Databag): GatewayRouteRequest {
  const decoded = decodeJsonFields(
    appData,
    REQUIRER_KEYS,
    "requirer application",
    (message) => new GatewayRouteDataError(message),
  );
  const result = requirerSchema.safeParse(decoded);
  if (!result.success) {
    throw new GatewayRouteDataError(issueMessage(result.error, decoded, "requirer application"));
  }
  const { hostname, additional_hostnames } = result.data;
  const all = [...(hostname ? [hostname] : []), ...additional_hostnames];
  return { hostnames: [...new Set(all.map((name) => name.toLowerCase()))] };
}

/** Python's `json.dumps` of a string: `JSON.stringify` plus `ensure_ascii` escapes. */
function jsonDumps(value: string | number | null): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The provider application databag, every field JSON-encoded as ops `Relation.save` writes it
 * (`null` included). Throws `GatewayRouteDataError` for an HSTS max-age the library would refuse.
 */
export function renderGatewayRouteProvider(data: GatewayRouteProviderData): Record<string, string> {
  const { hstsMaxAge } = data;
  if (hstsMaxAge !== null && !(Number.isSafeInteger(hstsMaxAge) && hstsMaxAge >= 0)) {
    throw new GatewayRouteDataError(
      `provider field "hsts_max_age" must be a non-negative integer, not ${hstsMaxAge}`,
    );
  }
  return {
    gateway_address: jsonDumps(data.gatewayAddress),
    gateway_model: jsonDumps(data.gatewayModel),
    gateway_name: jsonDumps(data.gatewayName),
    hsts_max_age: jsonDumps(hstsMaxAge),
    https_mode: jsonDumps(data.httpsMode),
  };
}
