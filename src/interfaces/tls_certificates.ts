/**
 * The `tls-certificates` interface, v1, requirer side in application mode (wire-compatible with
 * the tls_certificates_interface v4 and charmlibs libraries, `Mode.APP`): every value is JSON
 * text. The leader keeps our CSRs in our application databag under
 * `certificate_signing_requests`; the provider answers in its application databag with
 * `certificates` and, since charmlibs 1.3, `request_errors`. The provider's data is not ours to
 * trust: an entry that does not validate is skipped (the library treats it as no usable
 * certificate) with a message naming the field, the valid ones are used, and keys nobody defined
 * are ignored. Reading never fails.
 */
import * as z from "zod/mini";

import {
  type Databag,
  decodeJsonFieldsLeniently,
  laxBoolean,
  type Lenient,
  validEntries,
} from "./json_fields.ts";

export type { Databag, Lenient };

/** One entry of the provider's `certificates` list. */
export interface ProvidedCertificate {
  /** The issued (leaf) certificate, PEM. */
  readonly certificate: string;
  /** The CSR it answers (`certificate_signing_request` on the wire), PEM. */
  readonly csr: string;
  /** The issuing CA certificate, PEM. */
  readonly ca: string;
  /** The chain as the provider sent it (meant to be leaf first); empty when absent or null. */
  readonly chain: readonly string[];
  readonly revoked: boolean;
}

/** One entry of the provider's `request_errors` list (a CSR the provider refused). */
export interface RequestError {
  readonly csr: string;
  /** 101 IP_NOT_ALLOWED, 102 DOMAIN_NOT_ALLOWED, 103 WILDCARD_NOT_ALLOWED, 201, 999, … */
  readonly code: number;
  readonly name: string;
  readonly message: string;
}

export interface ProviderCertificates {
  readonly certificates: readonly ProvidedCertificate[];
  readonly errors: readonly RequestError[];
  /** What was skipped as unusable, one message per field (`… field "certificates[0].ca" is
   * missing`). */
  readonly skipped: readonly string[];
}

/** pydantic's lax bool in JSON mode: booleans, 0/1 and the usual words, any case. */
const laxBool = z.pipe(
  z.union([z.boolean(), z.number(), z.string()], { error: "must be a boolean" }),
  z.transform((value, ctx) => {
    const decoded = laxBoolean(value);
    if (decoded !== undefined) return decoded;
    const message = `must be a boolean, not ${JSON.stringify(value)}`;
    ctx.issues.push({ code: "custom", message, input: value });
    return z.NEVER;
  }),
);

/** pydantic's lax int in JSON mode: integers, integral floats and numeric strings. */
const laxInt = z.pipe(
  z.union([z.number(), z.string(), z.boolean()], { error: "must be an integer" }),
  z.transform((value, ctx) => {
    if (typeof value === "boolean") return value ? 1 : 0;
    const number = typeof value === "number"
      ? value
      : /^\s*[+-]?\d+(\.0*)?\s*$/.test(value)
      ? Number(value)
      : NaN;
    if (Number.isSafeInteger(number)) return number;
    const message = `must be an integer, not ${JSON.stringify(value)}`;
    ctx.issues.push({ code: "custom", message, input: value });
    return z.NEVER;
  }),
);

const text = z.string({ error: "must be a string" });
const optionalText = z.nullish(z.string({ error: "must be a string or null" }));

const requestEntry = z.object({
  certificate_signing_request: text,
  // `Optional[bool]` without a default: null is fine, a missing key is not.
  ca: z.nullable(laxBool),
}, { error: "must be an object" });

const certificateEntry = z.object({
  ca: text,
  certificate_signing_request: text,
  certificate: text,
  chain: z.nullish(z.array(text, { error: "must be a list of strings" })),
  revoked: z.nullish(laxBool),
}, { error: "must be an object" });

const requestErrorEntry = z.object({
  csr: text,
  error: z.object({
    code: laxInt,
    name: text,
    message: text,
    reason: optionalText,
    provider: optionalText,
    endpoint: optionalText,
  }, { error: "must be an object" }),
}, { error: "must be an object" });

/** The CSRs in our own application databag (as written); none when the key is absent. Entries
 * that do not read (an earlier charm's, or edited by hand) are skipped: they are then replaced. */
export function parseOwnRequests(appData: Databag): Lenient<string[]> {
  const where = "requirer application";
  const key = "certificate_signing_requests";
  const decoded = decodeJsonFieldsLeniently(appData, [key], where);
  const entries = validEntries(decoded.value, key, requestEntry, where);
  return {
    value: entries.value.map((entry) => entry.certificate_signing_request),
    skipped: [...decoded.skipped, ...entries.skipped],
  };
}

/** The provider application databag: issued certificates and refused requests that validate,
 * and what was skipped. */
export function parseProviderCertificates(appData: Databag): ProviderCertificates {
  const where = "provider application";
  const decoded = decodeJsonFieldsLeniently(appData, ["certificates", "request_errors"], where);
  const certificates = validEntries(decoded.value, "certificates", certificateEntry, where);
  const errors = validEntries(decoded.value, "request_errors", requestErrorEntry, where);
  return {
    certificates: certificates.value.map((entry) => ({
      certificate: entry.certificate,
      csr: entry.certificate_signing_request,
      ca: entry.ca,
      chain: entry.chain ?? [],
      revoked: entry.revoked ?? false,
    })),
    errors: errors.value.map((entry) => ({
      csr: entry.csr,
      code: entry.error.code,
      name: entry.error.name,
      message: entry.error.message,
    })),
    skipped: [...decoded.skipped, ...certificates.skipped, ...errors.skipped],
  };
}
