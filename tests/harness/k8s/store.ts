/**
 * Object storage and the write semantics of the fake API server, independent of HTTP: create,
 * get, list (label and field selectors, limit/continue), replace (resourceVersion
 * preconditions), merge/JSON/strategic patches, server-side apply with managed fields, delete
 * (finalizers, namespace cascade), and the status subresource. resourceVersion is a global
 * counter that moves only when an object really changes; generation moves on changes outside
 * metadata and status.
 */

import { parse as parseYaml } from "yaml";
import {
  alreadyExists,
  ApiError,
  applyConflict,
  badRequest,
  type FieldError,
  forbidden,
  invalid,
  invalidObject,
  invalidPatchOptions,
  isObject,
  type JsonObject,
  methodNotSupported,
  notFound,
  required,
  type ResourceRef,
  staleConflict,
  statusFor,
  successStatus,
  tooLong,
  unsupportedMediaType,
} from "./errors.ts";
import { matchesSelector, parseSelector } from "./names.ts";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.ts";
import { type Registry, type ResourceType, splitApiVersion } from "./registry.ts";
import { clone, jsonEqual } from "./schema.ts";
import {
  apply as ssaApply,
  duplicateKey,
  type ManagerEntry,
  readManagedFields,
  update as ssaUpdate,
  writeManagedFields,
} from "./ssa.ts";
import { META_SCHEMA } from "./ssa.ts";

/** A parsed request for a resource endpoint. */
export interface ResourceRequest {
  rt: ResourceType;
  version: string;
  /** "" for cluster-scoped resources or all-namespaces lists. */
  namespace: string;
  /** "" for collection requests. */
  name: string;
  /** "" or "status". */
  subresource: string;
  verb: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
  userAgent: string;
}

/** What the HTTP layer sends back. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
}

const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

function refOf(rt: ResourceType): ResourceRef {
  return { group: rt.group, resource: rt.plural, kind: rt.kind };
}

function apiVersionOf(rt: ResourceType, version: string): string {
  return rt.group ? `${rt.group}/${version}` : version;
}

function meta(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

function nowString(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/** Everything outside metadata and status: what a generation bump tracks. */
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

interface WriteContext {
  req: ResourceRequest;
  manager: string;
  dryRun: boolean;
  fieldValidation: "Strict" | "Warn" | "Ignore";
  warnings: string[];
}

/** The object store. */
export class Store {
  private objects = new Map<string, JsonObject>();
  private rv = 1;
  private ipNext = 10;
  private nodePortNext = 30000;

  constructor(readonly registry: Registry) {}

  private key(rt: ResourceType, namespace: string, name: string): string {
    return `${rt.group}|${rt.plural}|${rt.namespaced ? namespace : ""}|${name}`;
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  /** The current global resourceVersion (as list responses report it). */
  currentRv(): string {
    return String(this.rv);
  }

  private allocator = {
    clusterIP: () => {
      const n = this.ipNext++;
      return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    },
    nodePort: () => this.nodePortNext++,
  };

  // -------------------------------------------------------------------------------------------
  // Direct access for tests

  /** Stores an object as-is (defaults applied, no validation); returns the stored copy. */
  seed(obj: JsonObject): JsonObject {
    const rt = this.registry.byKind(String(obj.apiVersion ?? ""), String(obj.kind ?? ""));
    if (!rt) throw new Error(`seed: unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`);
    const [, version] = splitApiVersion(String(obj.apiVersion));
    const { object } = this.registry.admit(rt, version, obj, { allocator: this.allocator });
    const m = meta(object);
    if (typeof m.name !== "string" || !m.name) throw new Error("seed: metadata.name is required");
    if (rt.namespaced) m.namespace ??= "default";
    else delete m.namespace;
    const k = this.key(rt, String(m.namespace ?? ""), m.name);
    const old = this.objects.get(k);
    m.uid ??= old ? meta(old).uid : crypto.randomUUID();
    m.creationTimestamp ??= old ? meta(old).creationTimestamp : nowString();
    if (rt.tracksGeneration) m.generation ??= 1;
    m.resourceVersion = this.nextRv();
    object.apiVersion = apiVersionOf(rt, rt.storageVersion);
    object.kind = rt.kind;
    this.objects.set(k, object);
    return clone(object);
  }

  /** Looks an object up by kind (apiVersion optional), namespace and name. */
  find(kind: string, namespace: string, name: string, apiVersion?: string): JsonObject | undefined {
    for (const rt of this.registry.resources) {
      if (rt.kind !== kind) continue;
      if (apiVersion && splitApiVersion(apiVersion)[0] !== rt.group) continue;
      const o = this.objects.get(this.key(rt, namespace, name));
      if (o) return o;
    }
    return undefined;
  }

  /** Replaces an object's status directly (as a controller would), bumping resourceVersion. */
  setStatus(kind: string, namespace: string, name: string, status: unknown, apiVersion?: string) {
    const o = this.find(kind, namespace, name, apiVersion);
    if (!o) throw new Error(`setStatus: ${kind} ${namespace}/${name} not found`);
    o.status = clone(status);
    meta(o).resourceVersion = this.nextRv();
    return clone(o);
  }

  /** Stored objects, optionally filtered by kind and namespace (copies). */
  list(kind?: string, namespace?: string): JsonObject[] {
    const out: JsonObject[] = [];
    for (const o of this.objects.values()) {
      if (kind && o.kind !== kind) continue;
      if (namespace !== undefined && meta(o).namespace !== namespace) continue;
      out.push(clone(o));
    }
    return out.sort(byNamespaceName);
  }

  /** Removes an object directly. */
  remove(kind: string, namespace: string, name: string): boolean {
    for (const rt of this.registry.resources) {
      if (rt.kind === kind && this.objects.delete(this.key(rt, namespace, name))) return true;
    }
    return false;
  }

  namespaceExists(name: string): boolean {
    const rt = this.registry.byKind("v1", "Namespace");
    return rt ? this.objects.has(this.key(rt, "", name)) : true;
  }

  // -------------------------------------------------------------------------------------------
  // Request handling

  /** Dispatches a resource request. Throws ApiError for failures. */
  handle(req: ResourceRequest): Reply {
    const { rt, verb, subresource } = req;
    if (subresource && !(subresource === "status" && rt.statusSubresource)) {
      throw new ApiError(
        statusFor(404, "NotFound", "the server could not find the requested resource"),
      );
    }
    const allowed = subresource ? ["get", "update", "patch"] : rt.verbs;
    if (!allowed.includes(verb) && verb !== "watch") throw methodNotSupported(refOf(rt), verb);
    switch (verb) {
      case "get":
        return this.get(req);
      case "list":
        return this.listRequest(req);
      case "watch":
        throw badRequest("watch is not supported by the fake API server");
      case "create":
        return this.create(req);
      case "update":
        return this.replace(req);
      case "patch":
        return this.patch(req);
      case "delete":
        return this.delete(req);
      case "deletecollection":
        return this.deleteCollection(req);
    }
    throw methodNotSupported(refOf(rt), verb);
  }

  private present(rt: ResourceType, version: string, obj: JsonObject): JsonObject {
    const out = clone(obj);
    out.apiVersion = apiVersionOf(rt, version);
    out.kind = rt.kind;
    return { apiVersion: out.apiVersion, kind: out.kind, ...out };
  }

  private stored(req: ResourceRequest): JsonObject | undefined {
    return this.objects.get(this.key(req.rt, req.namespace, req.name));
  }

  private get(req: ResourceRequest): Reply {
    const o = this.stored(req);
    if (!o) throw notFound(refOf(req.rt), req.name);
    return { status: 200, body: this.present(req.rt, req.version, o) };
  }

  private listRequest(req: ResourceRequest): Reply {
    const { rt } = req;
    const labelSel = parseSelector(req.query.get("labelSelector") ?? "");
    const fieldSel = parseFieldSelector(req.query.get("fieldSelector") ?? "", rt);
    let items = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${rt.group}|${rt.plural}|`))
      .map(([, o]) => o)
      .filter((o) => !rt.namespaced || !req.namespace || meta(o).namespace === req.namespace)
      .filter((o) => matchesSelector(labelSel, meta(o).labels as JsonObject | undefined))
      .filter((o) => fieldSel.every((f) => f(o)))
      .sort(byNamespaceName);
    const listMeta: JsonObject = { resourceVersion: this.currentRv() };
    const cont = req.query.get("continue");
    if (cont) {
      const start = decodeContinue(cont);
      items = items.slice(start.offset);
    }
    const limit = Number(req.query.get("limit") ?? "0");
    if (limit > 0 && items.length > limit) {
      const offset = (cont ? decodeContinue(cont).offset : 0) + limit;
      listMeta.continue = btoa(JSON.stringify({ offset }));
      listMeta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    const presented = items.map((o) => {
      const p = this.present(rt, req.version, o);
      if (!rt.isCrd) {
        // Built-in list items come without apiVersion/kind from the real apiserver.
        delete p.apiVersion;
        delete p.kind;
      }
      return p;
    });
    return {
      status: 200,
      body: {
        apiVersion: apiVersionOf(rt, req.version),
        kind: rt.listKind,
        metadata: listMeta,
        items: presented,
      },
    };
  }

  private context(req: ResourceRequest, apply: boolean): WriteContext {
    const q = req.query;
    const fm = q.get("fieldManager");
    const errs: FieldError[] = [];
    if (apply && (fm === null || fm === "")) {
      errs.push(required("fieldManager", "is required for apply patch"));
    }
    if (fm !== null && fm.length > 128) errs.push(tooLong("fieldManager", 128));
    if (q.has("force") && !apply) {
      errs.push(forbidden("force", "may not be specified for non-apply patch"));
    }
    if (errs.length > 0) {
      if (req.verb === "patch") throw invalidPatchOptions(errs);
      throw invalidOptions(req.verb === "create" ? "CreateOptions" : "UpdateOptions", errs);
    }
    const fv = q.get("fieldValidation") ?? "Warn";
    if (!["Strict", "Warn", "Ignore"].includes(fv)) {
      throw badRequest(
        `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
      );
    }
    const dry = q.getAll("dryRun");
    if (dry.some((d) => d !== "All")) {
      throw badRequest(`dryRun: Unsupported value: "${dry[0]}": supported values: "All"`);
    }
    return {
      req,
      manager: fm || defaultManager(req.userAgent),
      dryRun: dry.length > 0,
      fieldValidation: fv as WriteContext["fieldValidation"],
      warnings: [],
    };
  }

  private decodeBody(req: ResourceRequest): JsonObject {
    const ct = req.contentType.split(";")[0].trim().toLowerCase();
    let v: unknown;
    try {
      if (ct === "application/yaml" || ct === PATCH_TYPES.apply) v = parseYaml(req.body);
      else if (ct === "application/json" || ct === "" || ct.endsWith("+json")) {
        v = JSON.parse(req.body);
      } else {
        throw unsupportedMediaType(
          `the body of the request was in an unknown format - accepted media types include: ` +
            `application/json, application/yaml, application/vnd.kubernetes.protobuf`,
        );
      }
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw badRequest(`error decoding request body: ${(e as Error).message}`);
    }
    return v as JsonObject;
  }

  /** Checks apiVersion/kind of a body against the URL, filling them in when absent. */
  private checkTypeMeta(req: ResourceRequest, obj: unknown, requireTypeMeta: boolean): JsonObject {
    const { rt } = req;
    if (!isObject(obj)) {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj)}'`);
    }
    const expected = apiVersionOf(rt, req.version);
    if (requireTypeMeta && (obj.kind === undefined || obj.kind === "")) {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj)}'`);
    }
    if (requireTypeMeta && (obj.apiVersion === undefined || obj.apiVersion === "")) {
      throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(obj)}'`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API ` +
          `version (${expected})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${rt.kind})`,
      );
    }
    obj.apiVersion = expected;
    obj.kind = rt.kind;
    return obj;
  }

  private checkNamespace(req: ResourceRequest, obj: JsonObject): void {
    const m = meta(obj);
    if (!req.rt.namespaced) {
      delete m.namespace;
      return;
    }
    if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== req.namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    m.namespace = req.namespace;
  }

  private requireNamespace(req: ResourceRequest): void {
    if (req.rt.namespaced && !this.namespaceExists(req.namespace)) {
      throw notFound({ group: "", resource: "namespaces", kind: "Namespace" }, req.namespace);
    }
  }

  private create(req: ResourceRequest): Reply {
    const ctx = this.context(req, false);
    const obj = this.checkTypeMeta(req, this.decodeBody(req), false);
    this.checkNamespace(req, obj);
    const m = meta(obj);
    if ((m.name === undefined || m.name === "") && typeof m.generateName === "string") {
      m.name = `${m.generateName}${randomSuffix()}`;
    }
    if (typeof m.name !== "string" || m.name === "") {
      throw invalidObject(refOf(req.rt), "", [
        required("metadata.name", "name or generateName is required"),
      ]);
    }
    if (m.resourceVersion !== undefined && m.resourceVersion !== "") {
      throw new ApiError(
        statusFor(
          500,
          "InternalError",
          "resourceVersion should not be set on objects to be created",
        ),
      );
    }
    this.requireNamespace(req);
    const r: ResourceRequest = { ...req, name: m.name };
    if (this.stored(r)) throw alreadyExists(refOf(req.rt), m.name);
    return this.commit(ctx, r, obj, undefined, undefined);
  }

  private replace(req: ResourceRequest): Reply {
    const ctx = this.context(req, false);
    const obj = this.checkTypeMeta(req, this.decodeBody(req), false);
    this.checkNamespace(req, obj);
    const m = meta(obj);
    if (m.name !== undefined && m.name !== req.name) {
      throw badRequest(
        `the name of the object (${m.name}) does not match the name on the URL (${req.name})`,
      );
    }
    m.name = req.name;
    const old = this.stored(req);
    if (!old) {
      if (!req.rt.allowCreateOnUpdate || req.subresource) throw notFound(refOf(req.rt), req.name);
      this.requireNamespace(req);
      delete m.resourceVersion;
      return this.commit(ctx, req, obj, undefined, undefined);
    }
    const rv = m.resourceVersion;
    if (rv === undefined || rv === "") {
      if (!req.rt.allowUnconditionalUpdate) {
        throw invalidObject(refOf(req.rt), req.name, [
          invalid("metadata.resourceVersion", "0x0", "must be specified for an update"),
        ]);
      }
    } else if (rv !== meta(old).resourceVersion) {
      throw staleConflict(refOf(req.rt), req.name);
    }
    return this.commit(ctx, req, obj, old, undefined);
  }

  private patch(req: ResourceRequest): Reply {
    const ct = req.contentType.split(";")[0].trim().toLowerCase();
    const types = req.rt.isCrd
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
    if (!types.includes(ct)) {
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: ` +
          types.join(", "),
      );
    }
    if (ct === PATCH_TYPES.apply) return this.applyPatch(req);
    const ctx = this.context(req, false);
    let patchBody: unknown;
    try {
      patchBody = JSON.parse(req.body);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    const old = this.stored(req);
    if (!old) throw notFound(refOf(req.rt), req.name);
    let patched: unknown;
    if (ct === PATCH_TYPES.merge) patched = mergePatch(old, patchBody);
    else if (ct === PATCH_TYPES.json) patched = jsonPatch(old, patchBody);
    else patched = strategicMergePatch(old, patchBody);
    const obj = this.checkTypeMeta(req, patched, false);
    const m = meta(obj);
    if (m.name !== req.name) {
      throw badRequest(
        `the name of the object (${m.name}) does not match the name on the URL (${req.name})`,
      );
    }
    // A patch that sets resourceVersion is a precondition; one that drops it is unconditional.
    if (m.resourceVersion !== undefined && m.resourceVersion !== meta(old).resourceVersion) {
      throw staleConflict(refOf(req.rt), req.name);
    }
    this.checkNamespace(req, obj);
    return this.commit(ctx, req, obj, old, undefined);
  }

  private applyPatch(req: ResourceRequest): Reply {
    const ctx = this.context(req, true);
    let body: unknown;
    try {
      body = parseYaml(req.body);
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    const config = this.checkTypeMeta(req, body, true);
    const m = meta(config);
    if (m.name !== undefined && m.name !== req.name) {
      throw badRequest(
        `the name of the object (${m.name}) does not match the name on the URL (${req.name})`,
      );
    }
    m.name = req.name;
    this.checkNamespace(req, config);
    const old = this.stored(req);
    if (!old && req.subresource) throw notFound(refOf(req.rt), req.name);
    if (m.resourceVersion !== undefined && m.resourceVersion !== "") {
      if (!old || m.resourceVersion !== meta(old).resourceVersion) {
        throw staleConflict(refOf(req.rt), req.name);
      }
    }
    if (!old) this.requireNamespace(req);
    // Unknown fields are pruned from the applied configuration before it is merged.
    const schema = this.schemaFor(req);
    const probe = this.registry.admit(req.rt, req.version, config, {});
    this.noteUnknown(ctx, probe.unknownFields);
    const pruned = req.rt.isCrd ? pruneLike(config, probe.object) : config;
    const scoped = req.rt.statusSubresource;
    if (scoped) {
      if (req.subresource === "status") {
        for (const k of Object.keys(pruned)) {
          if (!["apiVersion", "kind", "metadata", "status"].includes(k)) delete pruned[k];
        }
      } else {
        delete pruned.status;
      }
    }
    const dup = duplicateKey(pruned, schema);
    if (dup) {
      const gv = req.rt.group ? `${req.rt.group}/${req.version}` : `/${req.version}`;
      throw new ApiError(
        statusFor(
          500,
          "",
          `failed to create typed patch object (${gv}, Kind=${req.rt.kind}): ${dup.path}: ` +
            `duplicate entries for key ${dup.key}`,
        ),
      );
    }
    const liveForMerge = old ? stripSystem(old) : undefined;
    const result = ssaApply({
      live: liveForMerge,
      config: pruned,
      schema,
      entries: old ? readManagedFields(old) : [],
      manager: ctx.manager,
      apiVersion: apiVersionOf(req.rt, req.version),
      force: req.query.get("force") === "true",
      now: nowString(),
      subresource: req.subresource || undefined,
      scoped,
    });
    if (result.conflicts.length > 0) throw applyConflict(result.conflicts);
    return this.commit(ctx, req, result.object, old, result.entries);
  }

  private schemaFor(req: ResourceRequest) {
    const s = req.rt.schemas[req.version] ?? req.rt.schemas[req.rt.storageVersion];
    // Managed fields treat metadata with ObjectMeta's list semantics.
    return { ...s, properties: { ...(s.properties ?? {}), metadata: META_SCHEMA } };
  }

  private noteUnknown(ctx: WriteContext, fields: string[]): void {
    if (fields.length === 0 || ctx.fieldValidation === "Ignore") return;
    if (ctx.fieldValidation === "Strict") {
      const { rt, version } = ctx.req;
      throw badRequest(
        `${rt.kind} in version "${version}" cannot be handled as a ${rt.kind}: strict decoding ` +
          `error: ${fields.map((f) => `unknown field "${f}"`).join(", ")}`,
      );
    }
    for (const f of fields) {
      const w = `unknown field "${f}"`;
      if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
    }
  }

  /**
   * The common write path: system metadata, status handling, admission (prune, default,
   * validate), managed fields, generation, no-op detection, resourceVersion, storage.
   */
  private commit(
    ctx: WriteContext,
    req: ResourceRequest,
    candidateIn: JsonObject,
    old: JsonObject | undefined,
    applyEntries: ManagerEntry[] | undefined,
  ): Reply {
    const { rt } = req;
    let candidate = clone(candidateIn);
    const cm = meta(candidate);
    // Managed fields given in a request replace the stored ones; `[{}]` clears them.
    let entries: ManagerEntry[];
    if (applyEntries) entries = applyEntries;
    else if (Array.isArray(cm.managedFields) && cm.managedFields.length > 0) {
      entries = cm.managedFields.length === 1 && isObject(cm.managedFields[0]) &&
          Object.keys(cm.managedFields[0]).length === 0
        ? []
        : readManagedFields(candidate);
    } else entries = old ? readManagedFields(old) : [];
    delete cm.managedFields;

    if (req.subresource === "status") {
      // Status writes change status only.
      const base = clone(old as JsonObject);
      base.status = candidate.status;
      if (candidate.status === undefined) delete base.status;
      candidate = base;
      delete meta(candidate).managedFields;
    } else if (rt.statusSubresource) {
      if (old && old.status !== undefined) candidate.status = clone(old.status);
      else delete candidate.status;
    }

    const m = meta(candidate);
    m.name = req.name || m.name;
    if (rt.namespaced) m.namespace = req.namespace;
    if (old) {
      const om = meta(old);
      for (
        const f of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"]
      ) {
        if (om[f] !== undefined) m[f] = om[f];
        else delete m[f];
      }
      m.generation = om.generation;
      if (m.generation === undefined) delete m.generation;
      m.resourceVersion = om.resourceVersion;
    } else {
      m.uid = crypto.randomUUID();
      m.creationTimestamp = nowString();
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
      delete m.resourceVersion;
      delete m.generation;
      if (rt.tracksGeneration) m.generation = 1;
    }
    delete m.selfLink;

    const admitted = this.registry.admit(rt, req.version, candidate, {
      old: old ? stripSystem(old) : undefined,
      allocator: this.allocator,
    });
    if (!applyEntries) this.noteUnknown(ctx, admitted.unknownFields);
    if (admitted.errors.length > 0) {
      throw invalidObject(refOf(rt), String(m.name ?? ""), admitted.errors);
    }
    const obj = admitted.object;
    obj.apiVersion = apiVersionOf(rt, rt.storageVersion);
    obj.kind = rt.kind;
    const om = meta(obj);

    if (!applyEntries) {
      entries = ssaUpdate(
        old ? stripSystem(old) : undefined,
        stripSystem(obj),
        this.schemaFor(req),
        entries,
        ctx.manager,
        apiVersionOf(rt, req.version),
        nowString(),
        req.subresource || undefined,
        rt.statusSubresource,
      );
    }
    const mf = writeManagedFields(entries);
    if (mf.length > 0) om.managedFields = mf;
    else delete om.managedFields;

    if (rt.tracksGeneration && old && !jsonEqual(specPart(old), specPart(obj))) {
      om.generation = Number(meta(old).generation ?? 0) + 1;
    }
    const headers = ctx.warnings.length > 0
      ? { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) }
      : undefined;

    if (old && jsonEqual(withoutRv(old), withoutRv(obj))) {
      // A no-op write: nothing is stored and resourceVersion does not move.
      return { status: 200, body: this.present(rt, req.version, old), headers };
    }
    if (ctx.dryRun) {
      if (!old) delete om.resourceVersion;
      return { status: old ? 200 : 201, body: this.present(rt, req.version, obj), headers };
    }
    // An object whose deletion waits on finalizers goes away once they are all removed.
    if (old && om.deletionTimestamp && !(Array.isArray(om.finalizers) && om.finalizers.length)) {
      this.objects.delete(this.key(rt, req.namespace, req.name));
      om.resourceVersion = this.nextRv();
      return { status: 200, body: this.present(rt, req.version, obj), headers };
    }
    om.resourceVersion = this.nextRv();
    this.objects.set(this.key(rt, req.namespace, String(om.name)), obj);
    return { status: old ? 200 : 201, body: this.present(rt, req.version, obj), headers };
  }

  private delete(req: ResourceRequest): Reply {
    const { rt } = req;
    const old = this.stored(req);
    if (!old) throw notFound(refOf(rt), req.name);
    const opts = req.body.trim() ? safeJson(req.body) : undefined;
    const pre = isObject(opts) && isObject(opts.preconditions) ? opts.preconditions : {};
    const om = meta(old);
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== om.resourceVersion) {
      throw staleConflict(refOf(rt), req.name);
    }
    if (pre.uid !== undefined && pre.uid !== om.uid) {
      throw new ApiError(
        statusFor(
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${rt.group ? `${rt.plural}.${rt.group}` : rt.plural} ` +
            `"${req.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object ` +
            `meta: ${om.uid}`,
        ),
      );
    }
    const dryRun = req.query.getAll("dryRun").length > 0 ||
      (isObject(opts) && Array.isArray(opts.dryRun) && opts.dryRun.length > 0);
    const finalizers = Array.isArray(om.finalizers) ? om.finalizers : [];
    const isNamespace = !rt.group && rt.kind === "Namespace";
    if (finalizers.length > 0 && !isNamespace) {
      if (dryRun) return { status: 200, body: this.present(rt, req.version, old) };
      if (!om.deletionTimestamp) {
        om.deletionTimestamp = nowString();
        om.deletionGracePeriodSeconds = 0;
        om.resourceVersion = this.nextRv();
      }
      return { status: 200, body: this.present(rt, req.version, old) };
    }
    if (dryRun) {
      return {
        status: 200,
        body: rt.returnDeletedObject
          ? this.present(rt, req.version, old)
          : successStatus(refOf(rt), req.name, String(om.uid)),
      };
    }
    this.objects.delete(this.key(rt, req.namespace, req.name));
    this.rv += 1;
    if (isNamespace) {
      // Namespace deletion removes everything inside (immediately, unlike a real cluster).
      for (const [k, o] of [...this.objects.entries()]) {
        if (meta(o).namespace === req.name) this.objects.delete(k);
      }
      const gone = clone(old);
      meta(gone).deletionTimestamp = nowString();
      gone.status = { phase: "Terminating" };
      return { status: 200, body: this.present(rt, req.version, gone) };
    }
    return {
      status: 200,
      body: rt.returnDeletedObject
        ? this.present(rt, req.version, old)
        : successStatus(refOf(rt), req.name, String(om.uid)),
    };
  }

  private deleteCollection(req: ResourceRequest): Reply {
    const list = this.listRequest(req).body as JsonObject;
    const items = Array.isArray(list.items) ? list.items : [];
    for (const it of items) {
      if (!isObject(it)) continue;
      const name = String(meta(it).name);
      const ns = String(meta(it).namespace ?? "");
      this.delete({ ...req, name, namespace: ns, verb: "delete", body: "" });
    }
    return { status: 200, body: list };
  }
}

/** The object without resourceVersion and managedFields timestamps, for no-op detection. */
function withoutRv(o: JsonObject): JsonObject {
  const c = clone(o);
  const m = meta(c);
  delete m.resourceVersion;
  return c;
}

/** The object without server-managed metadata (for merges, diffs and old-object checks). */
function stripSystem(o: JsonObject): JsonObject {
  const c = clone(o);
  const m = meta(c);
  delete m.managedFields;
  return c;
}

/** Drops from `config` the fields the pruned copy no longer has. */
function pruneLike(config: JsonObject, prunedFull: JsonObject): JsonObject {
  const walk = (a: unknown, b: unknown): unknown => {
    if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => walk(x, b[i]));
    if (isObject(a) && isObject(b)) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(a)) if (Object.hasOwn(b, k)) out[k] = walk(v, b[k]);
      return out;
    }
    return a;
  };
  const out = walk(config, prunedFull) as JsonObject;
  out.metadata = clone(config.metadata);
  const m = meta(out);
  for (const k of Object.keys(m)) {
    if (!isObject(prunedFull.metadata) || !Object.hasOwn(prunedFull.metadata, k)) delete m[k];
  }
  return out;
}

function byNamespaceName(a: JsonObject, b: JsonObject): number {
  const ka = `${meta(a).namespace ?? ""}/${meta(a).name}`;
  const kb = `${meta(b).namespace ?? ""}/${meta(b).name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function decodeContinue(token: string): { offset: number } {
  try {
    const v: unknown = JSON.parse(atob(token));
    if (isObject(v) && typeof v.offset === "number") return { offset: v.offset };
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${token}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The manager name derived from the User-Agent when no fieldManager is given. */
export function defaultManager(userAgent: string): string {
  const first = userAgent.split("/")[0].trim();
  return (first || "unknown").slice(0, 128);
}

function invalidOptions(kind: string, errs: FieldError[]): ApiError {
  const texts = errs.map((e) => `${e.field}: ${e.message}`);
  return new ApiError(
    statusFor(
      422,
      "Invalid",
      `${kind}.meta.k8s.io "" is invalid: ${
        texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`
      }`,
      {
        group: "meta.k8s.io",
        kind,
        causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
      },
    ),
  );
}

function parseFieldSelector(text: string, rt: ResourceType): ((o: JsonObject) => boolean)[] {
  if (!text.trim()) return [];
  return text.split(",").map((part) => {
    const m = /^\s*([^=!]+?)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, op, value] = m;
    const getter = fieldGetter(field, rt);
    if (!getter) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return (o: JsonObject) => (getter(o) === value) === (op !== "!=");
  });
}

function fieldGetter(field: string, rt: ResourceType): ((o: JsonObject) => string) | undefined {
  if (field === "metadata.name") return (o) => String(meta(o).name ?? "");
  if (field === "metadata.namespace") return (o) => String(meta(o).namespace ?? "");
  if (!rt.group && rt.kind === "Secret" && field === "type") return (o) => String(o.type ?? "");
  return undefined;
}
