/**
 * The `ingress` interface, v1, provider side (the retired traefik_k8s v1 `IngressPerAppRequirer`,
 * interfaces.md §1.8): the requirer's leader writes plain strings — `model`, `name`, `host`,
 * `port` (decimal), optionally `strip-prefix` and `redirect-https` — and no unit data; the
 * provider answers `ingress` as YAML, `url: <url>`, which is what the v1 library parses (and
 * what PyYAML's `safe_dump` writes). It shares the `gateway` endpoint with v2, told apart as
 * Traefik does: a relation is v1 only when the v2 parse fails and the four keys are there.
 */
import { ipVersion } from "../net.ts";
import { type Databag, laxBoolean } from "./json_fields.ts";

/** What a v1 requirer asked for, in the v2 request's terms. */
export interface IngressV1Request {
  readonly model: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly stripPrefix: boolean;
  readonly redirectHttps: boolean;
}

/** A v1 requirer's application databag: `model`, `name`, `host` and `port` all set (plain
 * strings; v2 writes no `host` there). */
export function looksLikeV1(appData: Databag): boolean {
  return ["model", "name", "host", "port"].every((key) => (appData[key] ?? "") !== "");
}

/** A reason the data does not validate, naming the field, or the request. */
export function parseIngressV1(
  appData: Databag,
  names: { readonly model: RegExp; readonly app: RegExp; readonly maxLabel: number },
): IngressV1Request | { readonly error: string } {
  const field = (key: string, why: string) => ({
    error: `application field "${key}" ${why} (ingress v1)`,
  });
  const { model, name, host, port } = appData;
  if (!names.model.test(model) || model.length > names.maxLabel) {
    return field("model", "is not a Juju model name");
  }
  if (!names.app.test(name) || name.length > names.maxLabel) {
    return field("name", "is not a Juju application name");
  }
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return field("port", "must be a whole number between 1 and 65535");
  }
  const flags: Record<string, boolean> = {};
  for (const key of ["strip-prefix", "redirect-https"]) {
    const raw = appData[key];
    if (raw === undefined || raw === "") {
      flags[key] = false;
      continue;
    }
    const value = laxBoolean(raw);
    if (value === undefined) return field(key, `is not a boolean: ${JSON.stringify(raw)}`);
    flags[key] = value;
  }
  return {
    model,
    name,
    host,
    port: Number(port),
    stripPrefix: flags["strip-prefix"],
    redirectHttps: flags["redirect-https"],
  };
}

/** The host as an address, when it is one (all a requirer in another model can be reached by). */
export function v1Address(request: IngressV1Request): string | null {
  return ipVersion(request.host) === 0 ? null : request.host;
}

// A URL PyYAML writes as a plain scalar: no quoting needed, none of YAML's indicators.
const PLAIN_URL = /^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9._~%!$&'()*+,;=:@/\[\]-]*$/;

/** The provider application databag: `url: <url>` as YAML, or the key removed. */
export function renderIngressV1Provider(url: string | null): Record<string, string> {
  if (url === null) return { ingress: "" };
  const scalar = PLAIN_URL.test(url) && !url.includes(" #") ? url : JSON.stringify(url);
  return { ingress: `url: ${scalar}\n` };
}

/** The URL a v1 answer of ours holds (`url: <plain or double-quoted scalar>`), or null. */
export function publishedV1Url(raw: string): string | null {
  const match = /^url: (.*)\n?$/.exec(raw);
  if (match === null) return null;
  const scalar = match[1];
  if (!scalar.startsWith('"')) return scalar;
  try {
    const value = JSON.parse(scalar);
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}
