/**
 * The resource registry of the fake API server: the Gateway API CRDs read from disk (every
 * CustomResourceDefinition in the CRD directory, each served version with its own schema) and
 * the built-in kinds from core.ts. It also runs the admission pipeline for a write (decode
 * checks, pruning, defaulting, storage transforms, validation) so tests can validate a manifest
 * offline exactly as the server would.
 */

import { parseAllDocuments } from "yaml";
import { type Allocator, CORE_KINDS, type CoreKind } from "./core.ts";
import { type FieldError, invalid, isObject, type JsonObject } from "./errors.ts";
import { dns1123Label, dns1123Subdomain, validateAnnotations, validateLabels } from "./names.ts";
import { applyDefaults, prune, type Schema, validateObject } from "./schema.ts";

/** One servable resource (a CRD or a built-in kind). */
export interface ResourceType {
  group: string;
  /** Served versions, preferred (storage) version first for CRDs. */
  versions: string[];
  storageVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  statusSubresource: boolean;
  isCrd: boolean;
  returnDeletedObject: boolean;
  allowUnconditionalUpdate: boolean;
  allowCreateOnUpdate: boolean;
  /** metadata.generation is maintained (CRDs). */
  tracksGeneration: boolean;
  /** The schema of a served version (CRD openAPIV3Schema, or the structural core schema). */
  schemas: Record<string, Schema>;
  core?: CoreKind;
}

/** Where the Gateway API CRDs live by default (the shared reference data of this repository). */
export function defaultCrdsDir(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("GATEWAY_API_CRDS_DIR");
  } catch {
    // Without env permission the override is simply unavailable.
  }
  if (env) return env;
  const url = new URL("../../../../shared/reference/data/gateway-api-crds/", import.meta.url);
  return decodeURIComponent(url.pathname);
}

const CRD_VERBS = [
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "create",
  "update",
  "watch",
];

function asSchema(v: unknown): Schema {
  // The CRD files are trusted input whose shape matches Schema; only the top is checked.
  if (!isObject(v)) throw new Error("CRD version without openAPIV3Schema");
  return v as Schema;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function crdToResource(doc: JsonObject): ResourceType | undefined {
  if (doc.kind !== "CustomResourceDefinition" || !isObject(doc.spec)) return undefined;
  const spec = doc.spec;
  const names = isObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  const served = versions.filter((v) => v.served === true);
  if (served.length === 0) return undefined;
  const storage = versions.find((v) => v.storage === true) ?? served[0];
  const schemas: Record<string, Schema> = {};
  let status = false;
  for (const v of served) {
    const sch = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    schemas[String(v.name)] = asSchema(sch);
    if (isObject(v.subresources) && isObject(v.subresources.status)) status = true;
  }
  // Discovery prefers the storage version when it is served; the order here drives that.
  const order = served.map((v) => String(v.name)).sort((a, b) =>
    a === storage.name ? -1 : b === storage.name ? 1 : versionRank(b) - versionRank(a)
  );
  return {
    group: String(spec.group),
    versions: order,
    storageVersion: String(storage.name),
    kind: String(names.kind),
    listKind: String(names.listKind ?? `${names.kind}List`),
    plural: String(names.plural),
    singular: String(names.singular ?? String(names.kind).toLowerCase()),
    namespaced: spec.scope === "Namespaced",
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    verbs: CRD_VERBS,
    statusSubresource: status,
    isCrd: true,
    returnDeletedObject: false,
    allowUnconditionalUpdate: false,
    allowCreateOnUpdate: false,
    tracksGeneration: true,
    schemas,
  };
}

function versionRank(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return 0;
  const major = Number(m[1]) * 1000;
  if (!m[2]) return major + 900;
  return major + (m[2] === "beta" ? 500 : 100) + Number(m[3]);
}

function coreToResource(k: CoreKind): ResourceType {
  return {
    group: k.group,
    versions: [k.version],
    storageVersion: k.version,
    kind: k.kind,
    listKind: `${k.kind}List`,
    plural: k.plural,
    singular: k.singular,
    namespaced: k.namespaced,
    shortNames: k.shortNames,
    categories: k.kind === "Pod" || k.kind === "Service" ? ["all"] : [],
    verbs: k.verbs,
    statusSubresource: k.statusSubresource,
    isCrd: false,
    returnDeletedObject: k.returnDeletedObject,
    allowUnconditionalUpdate: k.allowUnconditionalUpdate,
    allowCreateOnUpdate: k.allowCreateOnUpdate,
    tracksGeneration: false,
    schemas: { [k.version]: k.schema },
    core: k,
  };
}

/** Fields of ObjectMeta; anything else under metadata is dropped, as by the typed decoder. */
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/** Result of running the write pipeline on an object. */
export interface AdmitResult {
  /** The object after pruning, defaults and storage transforms. */
  object: JsonObject;
  errors: FieldError[];
  /** Paths of unknown fields that were pruned (reported as warnings or strict errors). */
  unknownFields: string[];
}

/** Options for {@link Registry.admit}. */
export interface AdmitOptions {
  /** The stored object, for updates (transition rules, immutable fields, allocated values). */
  old?: JsonObject;
  allocator?: Allocator;
}

let ipCounter = 10;
let portCounter = 30000;
const defaultAllocator: Allocator = {
  clusterIP: () => `10.96.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`,
  nodePort: () => portCounter++,
};

/** All servable resources, looked up by group/version/plural or apiVersion/kind. */
export class Registry {
  constructor(readonly resources: ResourceType[]) {}

  /** Finds a resource by URL parts. */
  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.resources.find((r) =>
      r.group === group && r.plural === plural && r.versions.includes(version)
    );
  }

  /** Finds a resource by `apiVersion` and `kind`. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = splitApiVersion(apiVersion);
    return this.resources.find((r) =>
      r.group === group && r.kind === kind && r.versions.includes(version)
    );
  }

  /** Groups in discovery order (core group "" first). */
  groups(): { group: string; versions: string[] }[] {
    const out: { group: string; versions: string[] }[] = [];
    for (const r of this.resources) {
      let g = out.find((x) => x.group === r.group);
      if (!g) {
        g = { group: r.group, versions: [] };
        out.push(g);
      }
      for (const v of r.versions) if (!g.versions.includes(v)) g.versions.push(v);
    }
    for (const g of out) g.versions.sort((a, b) => versionRank(b) - versionRank(a));
    return out;
  }

  /**
   * Runs the write pipeline: decode checks (which throw 400 ApiErrors for built-ins), pruning
   * of unknown fields, defaults, storage transforms and validation. `obj` is not modified.
   */
  admit(rt: ResourceType, version: string, obj: JsonObject, opts: AdmitOptions = {}): AdmitResult {
    // A JSON round trip, as the object would make on the wire (drops `undefined` members).
    const out = JSON.parse(JSON.stringify(obj)) as JsonObject;
    const unknownFields: string[] = [];
    const meta = isObject(out.metadata) ? out.metadata : {};
    out.metadata = meta;
    for (const k of Object.keys(meta)) {
      if (!OBJECT_META_FIELDS.has(k)) {
        unknownFields.push(`metadata.${k}`);
        delete meta[k];
      }
    }
    const schema = rt.schemas[version] ?? rt.schemas[rt.storageVersion];
    if (rt.isCrd) {
      unknownFields.push(...prune(out, schema));
      applyDefaults(out, schema);
    } else if (rt.core) {
      rt.core.decode?.(out);
      rt.core.prepare?.(out, opts.old, opts.allocator ?? defaultAllocator);
    }
    const errors = validateMeta(rt, meta);
    if (rt.isCrd) errors.push(...validateObject(out, opts.old, schema));
    else if (rt.core?.validate) errors.push(...rt.core.validate(out, opts.old));
    return { object: out, errors, unknownFields };
  }

  /**
   * Validates a manifest the way the server would on create (or update, given `old`):
   * convenient for offline checks of generated objects.
   */
  validate(obj: JsonObject, old?: JsonObject): AdmitResult {
    const rt = this.byKind(String(obj.apiVersion ?? ""), String(obj.kind ?? ""));
    if (!rt) throw new Error(`unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`);
    const [, version] = splitApiVersion(String(obj.apiVersion));
    return this.admit(rt, version, obj, { old });
  }
}

function validateMeta(rt: ResourceType, meta: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = meta.name;
  if (typeof name === "string" && name !== "") {
    const probs = rt.core ? rt.core.nameProblems(name) : dns1123Subdomain(name);
    for (const m of probs) errs.push(invalid("metadata.name", name, m));
  }
  if (rt.namespaced && typeof meta.namespace === "string" && meta.namespace !== "") {
    for (const m of dns1123Label(meta.namespace)) {
      errs.push(invalid("metadata.namespace", meta.namespace, m));
    }
  }
  errs.push(...validateLabels(meta.labels, "metadata.labels"));
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  return errs;
}

/** Splits `group/version` (or `v1` for the core group). */
export function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** Reads every CRD in `dir` (*.yaml, not recursive) and adds the built-in kinds. */
export async function loadRegistry(
  dir: string = defaultCrdsDir(),
  opts: { gatewayApi?: boolean } = {},
): Promise<Registry> {
  const resources: ResourceType[] = CORE_KINDS.map(coreToResource);
  if (opts.gatewayApi === false) return new Registry(resources);
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".yaml")) files.push(e.name);
  }
  files.sort();
  for (const f of files) {
    const text = await Deno.readTextFile(`${dir.replace(/\/$/, "")}/${f}`);
    for (const d of parseAllDocuments(text)) {
      const doc: unknown = d.toJS();
      if (!isObject(doc)) continue;
      const rt = crdToResource(doc);
      if (rt) resources.push(rt);
    }
  }
  return new Registry(resources);
}
