/**
 * discovery.k8s.io/v1 EndpointSlice as the apiserver validates it (`pkg/apis/discovery/validation`):
 * `addressType` required, one of IPv4, IPv6 or FQDN, and immutable; at most 1000 endpoints, each
 * with 1 to 100 addresses of that type and an optional DNS-label hostname; at most 20000 ports,
 * each with a unique DNS-label name, a port in 1..65535 and a protocol (TCP by default). Lists are
 * atomic for server-side apply, as the real type's `+listType=atomic` says.
 */
import { isIP } from "./cel.ts";
import {
  duplicate,
  type FieldError,
  invalid,
  isObject,
  type JsonObject,
  notSupported,
  required,
  tooMany,
} from "./errors.ts";
import { dns1123Label, dns1123Subdomain } from "./names.ts";
import type { Schema } from "./schema.ts";

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

export const ENDPOINT_SLICE_SCHEMA: Schema = {
  type: "object",
  properties: {
    endpoints: { type: "array", "x-kubernetes-list-type": "atomic", items: { type: "object" } },
    ports: { type: "array", "x-kubernetes-list-type": "atomic", items: { type: "object" } },
  },
};

/** Defaults: a port's protocol is TCP. */
export function prepareEndpointSlice(obj: JsonObject): void {
  if (!Array.isArray(obj.ports)) return;
  for (const port of obj.ports) {
    if (isObject(port) && port.protocol === undefined) port.protocol = "TCP";
  }
}

function addressProblem(type: string, address: string): string | null {
  switch (type) {
    case "IPv4":
      return isIP(address) && !address.includes(":") ? null : "must be a valid IPv4 address";
    case "IPv6":
      return isIP(address) && address.includes(":") ? null : "must be a valid IPv6 address";
    default:
      return dns1123Subdomain(address)[0] ?? null;
  }
}

export function validateEndpointSlice(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof obj.addressType === "string" ? obj.addressType : "";
  if (type === "") errs.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(type)) {
    errs.push(notSupported("addressType", type, ADDRESS_TYPES));
  }
  if (old !== undefined && old.addressType !== obj.addressType) {
    errs.push(invalid("addressType", obj.addressType ?? "", "field is immutable"));
  }
  const endpoints = Array.isArray(obj.endpoints) ? obj.endpoints : [];
  if (endpoints.length > MAX_ENDPOINTS) {
    errs.push(tooMany("endpoints", endpoints.length, MAX_ENDPOINTS));
  }
  endpoints.forEach((endpoint, i) => {
    const f = `endpoints[${i}]`;
    if (!isObject(endpoint)) return;
    const addresses = Array.isArray(endpoint.addresses) ? endpoint.addresses : [];
    if (addresses.length === 0) {
      errs.push(required(`${f}.addresses`, "must contain at least 1 address"));
    }
    if (addresses.length > MAX_ADDRESSES) {
      errs.push(tooMany(`${f}.addresses`, addresses.length, MAX_ADDRESSES));
    }
    addresses.forEach((address, j) => {
      const problem = typeof address === "string"
        ? addressProblem(type, address)
        : "must be a string";
      if (problem !== null && ADDRESS_TYPES.includes(type)) {
        errs.push(invalid(`${f}.addresses[${j}]`, address, problem));
      }
    });
    if (typeof endpoint.hostname === "string") {
      for (const m of dns1123Label(endpoint.hostname)) {
        errs.push(invalid(`${f}.hostname`, endpoint.hostname, m));
      }
    }
  });
  const ports = Array.isArray(obj.ports) ? obj.ports : [];
  if (ports.length > MAX_PORTS) errs.push(tooMany("ports", ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const f = `ports[${i}]`;
    if (!isObject(port)) return;
    const name = typeof port.name === "string" ? port.name : "";
    if (name !== "") {
      for (const m of dns1123Label(name)) errs.push(invalid(`${f}.name`, name, m));
    }
    if (names.has(name)) errs.push(duplicate(`${f}.name`, JSON.stringify(name)));
    names.add(name);
    if (port.port !== undefined && port.port !== null) {
      const value = port.port;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
        errs.push(invalid(`${f}.port`, value, "must be between 1 and 65535, inclusive"));
      }
    }
    if (typeof port.protocol !== "string" || !PROTOCOLS.includes(port.protocol)) {
      errs.push(notSupported(`${f}.protocol`, port.protocol ?? "", PROTOCOLS));
    }
  });
  return errs;
}
