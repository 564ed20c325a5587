/**
 * Built-in kinds served by the fake: core/v1 services, secrets, configmaps, endpoints,
 * namespaces, pods, serviceaccounts and discovery.k8s.io/v1 endpointslices. For each: the
 * structural schema SSA needs (list keys, atomic maps), the defaults and storage transforms the
 * apiserver applies (Service cluster IP and port defaults, Secret `stringData` folded into
 * `data`), and the validation an integrator can trip (names, ports, selectors, TLS secret keys,
 * immutable fields), with the apiserver's message texts.
 */

import {
  ApiError,
  badRequest,
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  isObject,
  type JsonObject,
  notSupported,
  required,
} from "./errors.ts";
import {
  configKey,
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  portName,
  qualifiedName,
  validateLabels,
} from "./names.ts";
import {
  ENDPOINT_SLICE_SCHEMA,
  prepareEndpointSlice,
  validateEndpointSlice,
} from "./endpoint_slice.ts";
import type { Schema } from "./schema.ts";
import { jsonEqual } from "./schema.ts";

/** Behaviour of one built-in resource. */
export interface CoreKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  statusSubresource: boolean;
  /** DELETE answers with the deleted object instead of a Status. */
  returnDeletedObject: boolean;
  /** PUT without metadata.resourceVersion is allowed. */
  allowUnconditionalUpdate: boolean;
  /** PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  schema: Schema;
  nameProblems: (name: string) => string[];
  /** Decode-time checks that the real server reports as 400 (typed JSON decoding). */
  decode?: (obj: JsonObject) => void;
  /** Storage transforms and defaults (in place); `old` is the stored object on updates. */
  prepare?: (obj: JsonObject, old: JsonObject | undefined, alloc: Allocator) => void;
  validate?: (obj: JsonObject, old: JsonObject | undefined) => FieldError[];
}

/** Hands out cluster IPs and node ports. */
export interface Allocator {
  clusterIP(): string;
  nodePort(): number;
}

const ALL_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

const SERVICE_SCHEMA: Schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["port", "protocol"],
          items: {
            type: "object",
            properties: { port: { type: "integer" }, protocol: { type: "string", default: "TCP" } },
          },
        },
        selector: {
          type: "object",
          additionalProperties: { type: "string" },
          "x-kubernetes-map-type": "atomic",
        },
      },
    },
    status: {
      type: "object",
      properties: {
        conditions: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
          items: { type: "object" },
        },
      },
    },
  },
};

const STRING_MAP: Schema = { type: "object", additionalProperties: { type: "string" } };

const SECRET_SCHEMA: Schema = {
  type: "object",
  properties: { data: STRING_MAP, stringData: STRING_MAP },
};

const CONFIGMAP_SCHEMA: Schema = {
  type: "object",
  properties: { data: STRING_MAP, binaryData: STRING_MAP },
};

const byName: Schema = {
  type: "array",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["name"],
  items: { type: "object" },
};

const POD_SCHEMA: Schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: { containers: byName, initContainers: byName, volumes: byName },
    },
    metadata: { type: "object" },
  },
};

const PLAIN_SCHEMA: Schema = { type: "object" };

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function spec(obj: JsonObject): JsonObject {
  if (!isObject(obj.spec)) obj.spec = {};
  return obj.spec as JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Service

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

function decodeService(obj: JsonObject): void {
  const s = isObject(obj.spec) ? obj.spec : {};
  const ports = Array.isArray(s.ports) ? s.ports : [];
  ports.forEach((p) => {
    if (!isObject(p)) return;
    for (const f of ["port", "nodePort"]) {
      if (p[f] !== undefined && !Number.isInteger(p[f])) {
        throw badRequest(
          `Service in version "v1" cannot be handled as a Service: json: cannot unmarshal ` +
            `${typeof p[f]} into Go struct field ServicePort.spec.ports.${f} of type int32`,
        );
      }
    }
  });
}

function prepareService(obj: JsonObject, old: JsonObject | undefined, alloc: Allocator): void {
  const s = spec(obj);
  const o = old && isObject(old.spec) ? old.spec : undefined;
  s.type ??= "ClusterIP";
  s.sessionAffinity ??= "None";
  const ports = Array.isArray(s.ports) ? s.ports : [];
  const oldPorts = o && Array.isArray(o.ports) ? o.ports : [];
  for (const p of ports) {
    if (!isObject(p)) continue;
    p.protocol ??= "TCP";
    if (p.targetPort === undefined) p.targetPort = p.port;
    if ((s.type === "NodePort" || s.type === "LoadBalancer") && p.nodePort === undefined) {
      // Keep the node port a port already had, as the apiserver does on update.
      const prev = oldPorts.find((q) =>
        isObject(q) && q.port === p.port && q.protocol === p.protocol
      );
      p.nodePort = isObject(prev) && typeof prev.nodePort === "number"
        ? prev.nodePort
        : alloc.nodePort();
    }
  }
  if (s.type === "ExternalName") return;
  // Allocated fields survive an update that leaves them out.
  for (const f of ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"]) {
    if (s[f] === undefined && o?.[f] !== undefined) s[f] = o[f];
  }
  if (s.clusterIP === undefined || s.clusterIP === "") {
    s.clusterIP = Array.isArray(s.clusterIPs) && typeof s.clusterIPs[0] === "string"
      ? s.clusterIPs[0]
      : alloc.clusterIP();
  }
  s.clusterIPs ??= [s.clusterIP];
  s.ipFamilyPolicy ??= "SingleStack";
  s.ipFamilies ??= ["IPv4"];
  s.internalTrafficPolicy ??= "Cluster";
  if (s.type === "NodePort" || s.type === "LoadBalancer") s.externalTrafficPolicy ??= "Cluster";
  if (s.type === "LoadBalancer") s.allocateLoadBalancerNodePorts ??= true;
  if (!isObject(obj.status)) obj.status = { loadBalancer: {} };
}

function showServicePort(p: JsonObject): string {
  return `core.ServicePort{Name:${JSON.stringify(str(p.name) ?? "")}, Protocol:` +
    `${JSON.stringify(str(p.protocol) ?? "")}, AppProtocol:(*string)(nil), Port:${p.port}, ` +
    `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

function validateService(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObject(obj.spec) ? obj.spec : {};
  const type = str(s.type) ?? "ClusterIP";
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported("spec.type", s.type, SERVICE_TYPES));
  const headless = s.clusterIP === "None";
  const ports = Array.isArray(s.ports) ? s.ports : [];
  if (type === "ExternalName") {
    if (!str(s.externalName)) errs.push(required("spec.externalName"));
  } else if (ports.length === 0 && !headless) {
    errs.push(required("spec.ports"));
  }
  const names = new Set<string>();
  const keys: string[] = [];
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    if (!isObject(p)) return;
    const name = str(p.name) ?? "";
    if (ports.length > 1 && name === "") errs.push(required(`${f}.name`));
    else if (name !== "") {
      for (const m of dns1123Label(name)) errs.push(invalid(`${f}.name`, name, m));
      if (names.has(name)) errs.push(duplicate(`${f}.name`, JSON.stringify(name)));
      names.add(name);
    }
    const port = p.port;
    if (typeof port !== "number" || port < 1 || port > 65535) {
      errs.push(invalid(`${f}.port`, port ?? 0, "must be between 1 and 65535, inclusive"));
    }
    const protocol = str(p.protocol) ?? "";
    if (!["SCTP", "TCP", "UDP"].includes(protocol)) {
      errs.push(notSupported(`${f}.protocol`, protocol, ["SCTP", "TCP", "UDP"]));
    }
    const tp = p.targetPort;
    if (typeof tp === "number") {
      if (tp < 1 || tp > 65535) {
        errs.push(invalid(`${f}.targetPort`, tp, "must be between 1 and 65535, inclusive"));
      }
    } else if (typeof tp === "string") {
      for (const m of portName(tp)) errs.push(invalid(`${f}.targetPort`, tp, m));
    }
    // Core validation: an appProtocol is a qualified name (`https`, `kubernetes.io/h2c`).
    if (p.appProtocol !== undefined) {
      const ap = typeof p.appProtocol === "string" ? p.appProtocol : String(p.appProtocol);
      for (const m of qualifiedName(ap)) errs.push(invalid(`${f}.appProtocol`, ap, m));
    }
    if (p.nodePort !== undefined && type !== "NodePort" && type !== "LoadBalancer") {
      errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
    }
    const key = `${port}/${protocol}`;
    if (keys.includes(key)) errs.push(duplicate(f, showServicePort(p)));
    keys.push(key);
  });
  if (s.selector !== undefined) errs.push(...validateLabels(s.selector, "spec.selector"));
  if (old && isObject(old.spec)) {
    const o = old.spec;
    if (
      o.clusterIP !== undefined && s.clusterIP !== undefined && o.clusterIP !== s.clusterIP &&
      o.type !== "ExternalName" && type !== "ExternalName"
    ) {
      errs.push(invalid("spec.clusterIPs[0]", s.clusterIP, "may not change once set"));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Secret and ConfigMap

function base64Problem(v: string): number | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    const m = /[^A-Za-z0-9+/=]/.exec(v);
    return m ? m.index : v.length - (v.length % 4 || 4);
  }
  return undefined;
}

function encodeBase64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function decodedLength(b64: string): number {
  const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

function decodeSecret(obj: JsonObject): void {
  for (const field of ["data"]) {
    const d = obj[field];
    if (!isObject(d)) continue;
    for (const v of Object.values(d)) {
      if (typeof v !== "string") continue;
      const at = base64Problem(v);
      if (at !== undefined) {
        throw badRequest(
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at ` +
            `input byte ${at}`,
        );
      }
    }
  }
}

function prepareSecret(obj: JsonObject): void {
  obj.type ??= "Opaque";
  if (isObject(obj.stringData)) {
    const data: JsonObject = isObject(obj.data) ? obj.data : {};
    for (const [k, v] of Object.entries(obj.stringData)) {
      if (typeof v === "string") data[k] = encodeBase64(v);
    }
    obj.data = data;
  }
  delete obj.stringData;
}

function validateDataKeys(d: unknown, field: string, errs: FieldError[]): number {
  let total = 0;
  if (!isObject(d)) return total;
  for (const [k, v] of Object.entries(d)) {
    for (const m of configKey(k)) errs.push(invalid(`${field}[${k}]`, k, m));
    if (typeof v === "string") total += field === "data" ? decodedLength(v) : v.length;
  }
  return total;
}

function validateSecret(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const total = validateDataKeys(obj.data, "data", errs);
  if (total > 1048576) {
    errs.push({
      reason: "FieldValueTooLong",
      field: "data",
      message: "Too long: must have at most 1048576 bytes",
    });
  }
  const data = isObject(obj.data) ? obj.data : {};
  const type = str(obj.type) ?? "Opaque";
  if (type === "kubernetes.io/tls") {
    for (const k of ["tls.crt", "tls.key"]) if (!(k in data)) errs.push(required(`data[${k}]`));
  } else if (type === "kubernetes.io/dockerconfigjson") {
    if (!(".dockerconfigjson" in data)) errs.push(required("data[.dockerconfigjson]"));
  } else if (type === "kubernetes.io/basic-auth") {
    if (!("username" in data) && !("password" in data)) {
      errs.push(required("data[username]"));
    }
  } else if (type === "kubernetes.io/ssh-auth") {
    if (!("ssh-privatekey" in data)) errs.push(required("data[ssh-privatekey]"));
  }
  if (old) {
    const oldType = str(old.type) ?? "Opaque";
    if (oldType !== type) errs.push(invalid("type", type, "field is immutable"));
    if (old.immutable === true) {
      if (!jsonEqual(old.data ?? {}, obj.data ?? {})) {
        errs.push(forbidden("data", "field is immutable when `immutable` is set"));
      }
      if (obj.immutable !== true) {
        errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
      }
    }
  }
  return errs;
}

function validateConfigMap(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let total = validateDataKeys(obj.data, "data", errs);
  total += validateDataKeys(obj.binaryData, "binaryData", errs);
  if (isObject(obj.data) && isObject(obj.binaryData)) {
    for (const k of Object.keys(obj.data)) {
      if (k in obj.binaryData) {
        errs.push(invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
      }
    }
  }
  if (total > 1048576) {
    errs.push({
      reason: "FieldValueTooLong",
      field: "",
      message: "Too long: must have at most 1048576 bytes",
    });
  }
  if (old?.immutable === true) {
    if (!jsonEqual(old.data ?? {}, obj.data ?? {})) {
      errs.push(forbidden("data", "field is immutable when `immutable` is set"));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Namespace

function prepareNamespace(obj: JsonObject): void {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const labels = isObject(meta.labels) ? meta.labels : {};
  if (typeof meta.name === "string") labels["kubernetes.io/metadata.name"] = meta.name;
  meta.labels = labels;
  const s = spec(obj);
  s.finalizers ??= ["kubernetes"];
  if (!isObject(obj.status)) obj.status = { phase: "Active" };
}

// ---------------------------------------------------------------------------------------------
// Registry of built-in kinds

function kind(k: Partial<CoreKind> & Pick<CoreKind, "kind" | "plural">): CoreKind {
  return {
    group: "",
    version: "v1",
    singular: k.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    verbs: ALL_VERBS,
    statusSubresource: false,
    returnDeletedObject: false,
    allowUnconditionalUpdate: true,
    allowCreateOnUpdate: false,
    schema: PLAIN_SCHEMA,
    nameProblems: dns1123Subdomain,
    ...k,
  };
}

/** The built-in kinds, in discovery order. */
export const CORE_KINDS: CoreKind[] = [
  kind({
    kind: "ConfigMap",
    plural: "configmaps",
    shortNames: ["cm"],
    schema: CONFIGMAP_SCHEMA,
    validate: validateConfigMap,
  }),
  kind({ kind: "Endpoints", plural: "endpoints", singular: "endpoints", shortNames: ["ep"] }),
  kind({
    kind: "Namespace",
    plural: "namespaces",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    statusSubresource: true,
    returnDeletedObject: true,
    nameProblems: dns1123Label,
    prepare: prepareNamespace,
  }),
  kind({
    kind: "Pod",
    plural: "pods",
    shortNames: ["po"],
    statusSubresource: true,
    returnDeletedObject: true,
    schema: POD_SCHEMA,
  }),
  kind({
    kind: "Secret",
    plural: "secrets",
    schema: SECRET_SCHEMA,
    decode: decodeSecret,
    prepare: prepareSecret,
    validate: validateSecret,
  }),
  kind({ kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"] }),
  kind({
    kind: "Service",
    plural: "services",
    shortNames: ["svc"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    statusSubresource: true,
    returnDeletedObject: true,
    allowCreateOnUpdate: true,
    schema: SERVICE_SCHEMA,
    nameProblems: dns1035Label,
    decode: decodeService,
    prepare: prepareService,
    validate: validateService,
  }),
  kind({
    group: "discovery.k8s.io",
    kind: "EndpointSlice",
    plural: "endpointslices",
    schema: ENDPOINT_SLICE_SCHEMA,
    prepare: prepareEndpointSlice,
    validate: validateEndpointSlice,
  }),
];

/** Thrown by core decode hooks; re-exported for callers that want to match it. */
export { ApiError };
