/**
 * The `ingress` interface, v2, provider side (wire-compatible with the traefik_k8s v2
 * `IngressPerAppRequirer` library): every value is JSON text. Requirers of the retired v1 are
 * recognised here and parsed by `ingress_v1.ts`. Requirer app and unit databags are
 * parsed here; the provider publishes `ingress = {"url": …}` in its application databag.
 */
import * as z from "zod/mini";
import { MAX_LABEL } from "../gateway/limits.ts";
import { ipVersion } from "../net.ts";
import {
  looksLikeV1,
  parseIngressV1,
  publishedV1Url,
  renderIngressV1Provider,
  v1Address,
} from "./ingress_v1.ts";
import { type Databag, decodeJsonFields, issueMessage, laxBoolean } from "./json_fields.ts";
import { byCodeUnits } from "../order.ts";

export type { Databag };

/** What a requirer asked for (only the fields this charm honours, plus the informative ones). */
export interface IngressRequest {
  readonly model: string;
  readonly name: string;
  readonly port: number;
  readonly stripPrefix: boolean;
  readonly redirectHttps: boolean;
  readonly scheme: "http" | "https" | "h2c";
  readonly units: readonly {
    readonly unit: string;
    readonly host: string;
    readonly ip: string | null;
  }[];
  /** Which version of the interface the requirer speaks (v1: `ingress_v1.ts`). */
  readonly version: IngressVersion;
}

export type IngressVersion = 1 | 2;

/** pydantic's lax bool, as the Python library decodes it; null means false. */
const laxBool = z.pipe(
  z.union([z.boolean(), z.number(), z.string(), z.null()]),
  z.transform((value, ctx) => {
    if (value === null) return false;
    const decoded = laxBoolean(value);
    if (decoded !== undefined) return decoded;
    ctx.issues.push({
      code: "custom",
      message: `not a boolean: ${JSON.stringify(value)}`,
      input: value,
    });
    return z.NEVER;
  }),
);

// Juju's own rules for model and application names: the charm builds object names and URL
// paths from them, so anything else is refused rather than passed to Kubernetes.
export const MODEL_NAME = /^[a-z0-9]+[a-z0-9-]*$/;
export const APP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/;

const appSchema = z.object({
  // The model is the namespace (a DNS label); the name is the Service's selector label value.
  model: z.string({ error: "must be a string" }).check(
    z.regex(MODEL_NAME, { error: "is not a Juju model name" }),
    z.maxLength(MAX_LABEL, { error: `is longer than ${MAX_LABEL} characters (a namespace)` }),
  ),
  name: z.string({ error: "must be a string" }).check(
    z.regex(APP_NAME, { error: "is not a Juju application name" }),
    z.maxLength(MAX_LABEL, {
      error: `is longer than ${MAX_LABEL} characters (a Kubernetes label value)`,
    }),
  ),
  port: z.number({ error: "must be an integer" }).check(
    z.int({ error: "must be an integer" }),
    z.gte(1, { error: "must be between 1 and 65534" }),
    z.lte(65534, { error: "must be between 1 and 65534" }),
  ),
  scheme: z._default(
    z.enum(["http", "https", "h2c"], { error: 'must be "http", "https" or "h2c"' }),
    "http",
  ),
  "strip-prefix": z._default(laxBool, false),
  "redirect-https": z._default(laxBool, false),
  healthcheck_params: z.nullish(z.object({
    path: z.string({ error: "path must be a string" }),
    scheme: z.nullish(z.string()),
    hostname: z.nullish(z.string()),
    port: z.nullish(z.number().check(z.int())),
    interval: z.nullish(z.string()),
    timeout: z.nullish(z.string()),
  })),
  is_port_open: z.optional(laxBool),
});

const unitSchema = z.object({
  host: z.string({ error: "must be a string" }),
  ip: z.nullish(
    z.string().check(z.refine((value) => ipVersion(value) !== 0, {
      error: "must be an IPv4 or IPv6 address",
    })),
  ),
});

const APP_KEYS = Object.keys(appSchema.shape);
const UNIT_KEYS = Object.keys(unitSchema.shape);

const decode = (data: Databag, keys: readonly string[], where: string) =>
  decodeJsonFields(data, keys, where, (message) => new IngressDataError(message));

/** Requirer data that does not validate; the message says which field and why. `incomplete`
 * means nothing has been written yet (normal while the relation is being set up). */
export class IngressDataError extends Error {
  override readonly name = "IngressDataError";
  constructor(message: string, readonly incomplete = false) {
    super(message);
  }
}

const hasAny = (data: Databag, keys: readonly string[]) =>
  keys.some((key) => data[key] !== undefined);

function check<T>(schema: z.ZodMiniType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new IngressDataError(issueMessage(result.error, value, where));
}

/** The host a v1 requirer gave stands for its units (v1 has no unit data). */
export const V1_HOST_UNIT = "(ingress v1 host)";

/**
 * Parses a requirer's application databag and the databags of its units. Throws
 * `IngressDataError` when the application data is missing or invalid, or any unit's is. A
 * requirer whose data is not v2 but has the v1 shape (interfaces.md §1.8) is parsed as v1.
 */
export function parseIngressRequest(
  appData: Databag,
  unitData: Readonly<Record<string, Databag>>,
): IngressRequest {
  try {
    return parseV2(appData, unitData);
  } catch (error) {
    if (!(error instanceof IngressDataError) || !looksLikeV1(appData)) throw error;
    const v1 = parseIngressV1(appData, { model: MODEL_NAME, app: APP_NAME, maxLabel: MAX_LABEL });
    if ("error" in v1) throw new IngressDataError(v1.error);
    return {
      model: v1.model,
      name: v1.name,
      port: v1.port,
      stripPrefix: v1.stripPrefix,
      redirectHttps: v1.redirectHttps,
      scheme: "http",
      units: [{ unit: V1_HOST_UNIT, host: v1.host, ip: v1Address(v1) }],
      version: 1,
    };
  }
}

function parseV2(appData: Databag, unitData: Readonly<Record<string, Databag>>): IngressRequest {
  if (!hasAny(appData, APP_KEYS)) throw new IngressDataError("application data is empty", true);
  for (const [unit, data] of Object.entries(unitData)) {
    if (!hasAny(data, UNIT_KEYS)) throw new IngressDataError(`unit ${unit} data is empty`, true);
  }
  const app = check(appSchema, decode(appData, APP_KEYS, "application"), "application");
  const units = Object.entries(unitData).sort(([a], [b]) => byCodeUnits(a, b)).map(
    ([unit, data]) => {
      const parsed = check(unitSchema, decode(data, UNIT_KEYS, `unit ${unit}`), `unit ${unit}`);
      return { unit, host: parsed.host, ip: parsed.ip ?? null };
    },
  );
  return {
    model: app.model,
    name: app.name,
    port: app.port,
    stripPrefix: app["strip-prefix"],
    redirectHttps: app["redirect-https"],
    scheme: app.scheme,
    units,
    version: 2,
  };
}

/** The provider application databag: the URL in the requirer's version's format, or the key
 * removed (`""` deletes in Juju). */
export function renderIngressProvider(
  url: string | null,
  version: IngressVersion = 2,
): Record<string, string> {
  if (version === 1) return renderIngressV1Provider(url);
  return { ingress: url === null ? "" : JSON.stringify({ url }) };
}

/** The URL published to a requirer as its library reads it back (to compare): in the format of
 * `version`, or of either when it is not given. */
export function publishedUrl(providerData: Databag, version?: IngressVersion): string | null {
  const raw = providerData.ingress;
  if (!raw) return null;
  if (raw.startsWith("url: ")) return version === 2 ? null : publishedV1Url(raw);
  if (version === 1) return null;
  try {
    const value = JSON.parse(raw) as { url?: unknown };
    return typeof value.url === "string" ? value.url : null;
  } catch {
    return null;
  }
}
