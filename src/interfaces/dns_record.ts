/**
 * The `dns_record` interface, v0, requirer side (wire-compatible with the bind `dns_record` v0
 * library as the Python charm uses it): our application databag holds `dns_entries`, one record
 * per hostname pointing at the Gateway address, serialised exactly as Python's `json.dumps`
 * writes it, each entry identified by a UUIDv5 of `"<hostname> <address>"`. The provider answers
 * with a status per entry UUID.
 */
import * as z from "zod/mini";
import { ipVersion } from "../net.ts";
import { sha1 } from "./sha1.ts";

import {
  type Databag,
  decodeJsonFieldsLeniently,
  type Lenient,
  validEntries,
} from "./json_fields.ts";

export type { Databag, Lenient };

/** The namespace of the Python charm's record UUIDs. */
export const DNS_UUID_NAMESPACE = "f8f206da-a7f8-4206-b044-30be3724a09d";

/** A DNS record to request: the hostname resolves to the address. */
export interface DnsEntry {
  readonly hostname: string;
  readonly address: string;
}

export type DnsStatus =
  | "approved"
  | "permission_denied"
  | "conflict"
  | "invalid_data"
  | "failure"
  | "pending"
  | "unknown";

/** The provider's answer for one requested entry. */
export interface DnsEntryStatus {
  readonly uuid: string;
  readonly status: DnsStatus;
  readonly description?: string;
}

/** Data that cannot be written or read; the message names the field and the value. */
export class DnsRecordDataError extends Error {
  override readonly name = "DnsRecordDataError";
}

const HEX_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The 32 hex digits of a UUID in any form Python's `UUID()` reads, or null when it is not one. */
function uuidHex(value: string): string | null {
  const bare = value.replace(/^urn:uuid:/i, "").replace(/^\{(.*)\}$/, "$1");
  if (!HEX_UUID.test(bare) || (bare.includes("-") && bare.length !== 36)) return null;
  return bare.replaceAll("-", "").toLowerCase();
}

/** 32 hex digits in the canonical 8-4-4-4-12 layout. */
function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** A name-based UUID, version 5 (SHA-1), as RFC 4122 §4.3 and Python's `uuid.uuid5` compute it. */
export function uuidV5(namespace: string, name: string): string {
  const nsHex = uuidHex(namespace);
  if (nsHex === null) {
    throw new DnsRecordDataError(`namespace ${JSON.stringify(namespace)} is not a UUID`);
  }
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  for (let i = 0; i < 16; i++) input[i] = parseInt(nsHex.slice(2 * i, 2 * i + 2), 16);
  input.set(nameBytes, 16);
  const bytes = sha1(input).slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return formatUuid([...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
}

/** The UUID the Python charm gives the record of a hostname at an address. */
export function dnsEntryUuid(hostname: string, address: string): string {
  return uuidV5(DNS_UUID_NAMESPACE, `${hostname} ${address}`);
}

/** Python's `json.dumps` (default separators, `ensure_ascii`) for flat records. */
function pythonJson(
  value: string | number | readonly Readonly<Record<string, string | number>>[],
): string {
  if (typeof value !== "object") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  const records = value.map((record) =>
    `{${
      Object.entries(record).map(([key, v]) => `${pythonJson(key)}: ${pythonJson(v)}`).join(", ")
    }}`
  );
  return `[${records.join(", ")}]`;
}

/**
 * Our application databag: one A (IPv4) or AAAA (IPv6) record per entry, hostnames sorted, with
 * the Python charm's fixed fields and key order. IPv6 addresses are written in their compressed
 * lower-case form. With no entries the key is deleted (the Python charm left stale ones).
 * Throws `DnsRecordDataError` for an empty hostname or an address that is not an IP.
 */
export function renderDnsEntries(entries: readonly DnsEntry[]): Record<string, string> {
  const unique = new Map<string, DnsEntry>();
  for (const { hostname, address } of entries) {
    if (hostname === "") {
      throw new DnsRecordDataError(
        `entry for address ${JSON.stringify(address)}: hostname is empty`,
      );
    }
    const version = ipVersion(address);
    if (version === 0) {
      throw new DnsRecordDataError(
        `entry for "${hostname}": address ${JSON.stringify(address)} is not an IP address`,
      );
    }
    const normal = version === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
    unique.set(`${hostname} ${normal}`, { hostname, address: normal });
  }
  if (unique.size === 0) return { dns_entries: "" };
  // Code-unit order, as Python's `sorted()` orders the hostnames.
  const sorted = [...unique.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, entry]) => entry);
  const records = sorted.map(({ hostname, address }) => ({
    domain: hostname,
    host_label: "@",
    ttl: 600,
    record_class: "IN",
    record_type: ipVersion(address) === 6 ? "AAAA" : "A",
    record_data: address,
    uuid: dnsEntryUuid(hostname, address),
  }));
  return { dns_entries: pythonJson(records) };
}

const STATUSES: readonly DnsStatus[] = [
  "approved",
  "permission_denied",
  "conflict",
  "invalid_data",
  "failure",
  "pending",
];

const isStatus = (value: unknown): value is DnsStatus =>
  STATUSES.some((status) => status === value);

const providerEntry = z.object({
  uuid: z.pipe(
    z.string({ error: "must be a string" }),
    z.transform((value, ctx) => {
      const hex = uuidHex(value);
      if (hex !== null) return formatUuid(hex);
      ctx.issues.push({
        code: "custom",
        message: `is not a UUID: ${JSON.stringify(value)}`,
        input: value,
      });
      return z.NEVER;
    }),
  ),
  // Required, but like the library any value it does not know reads as "unknown".
  status: z.unknown().check(z.refine((value) => value !== undefined)),
  description: z.nullish(z.string({ error: "must be a string or null" })),
}, { error: "must be an object" });

/**
 * The provider's statuses for our entries; none when it has not answered. The provider's data is
 * not ours to trust: `dns_entries` that is not JSON or not a list, and entries that do not
 * validate, are skipped with a message naming the field. Reading never fails.
 */
export function parseDnsProviderStatus(appData: Databag): Lenient<DnsEntryStatus[]> {
  const where = "provider application";
  const decoded = decodeJsonFieldsLeniently(appData, ["dns_entries"], where);
  const entries = validEntries(decoded.value, "dns_entries", providerEntry, where);
  return {
    value: entries.value.map(({ uuid, status, description }) => ({
      uuid,
      status: isStatus(status) ? status : "unknown",
      ...(typeof description === "string" ? { description } : {}),
    })),
    skipped: [...decoded.skipped, ...entries.skipped],
  };
}
