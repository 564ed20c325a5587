/**
 * What the Gateway controller's conditions mean for the status and the URLs (issue 15): a
 * refused Gateway, listener or route is a fact to name (Blocked), a condition still pending is a
 * reason to wait, and a condition about an older generation than the one we apply (stale
 * `observedGeneration`, or a spec this hook changes) is pending, not a fact. A Gateway whose
 * status carries no condition at all (a controller that reports none) makes no claim either way:
 * the status is then what the addresses say, as before. Pure; the text of every condition is the
 * cluster's and is made safe for a status line here.
 */
import type {
  ClusterConditions,
  Condition,
  ListedConditions,
  ObjectConditions,
} from "../gather/conditions.ts";
import { routeName } from "../gateway/names.ts";
import { unitObjects } from "./ingress_per_unit.ts";
import { tcpRouteName } from "./ingress_per_unit_tcp.ts";
import { escapeControls, truncateText } from "../juju/text.ts";
import { contains, type DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import type { RelationRef } from "../juju/tools.ts";
import type { LogLine, Outcome } from "../outcome.ts";

/** What the controller says of a set of objects. */
export type Verdict =
  /** It has said nothing we can use: no claim. */
  | { readonly state: "unknown" }
  | { readonly state: "accepted" }
  /** Not decided yet (or decided about an older generation); `details` is what it said. */
  | { readonly state: "pending"; readonly details: readonly string[] }
  /** Refused; `withdraw` when a route is not accepted at all (its URL leads nowhere). */
  | { readonly state: "refused"; readonly details: readonly string[]; readonly withdraw: boolean };

/** A requirer's routes, to judge together. */
export interface RouteOwner {
  /** The key of its verdicts: the relation id, or what the endpoint names the owner by. */
  readonly id: number | string;
  /** As the status names it (`Route of <app> …`). */
  readonly app: string;
  /** Its routes, `Kind/name`; those not desired are ignored. */
  readonly routes: readonly string[];
}

export interface ConditionsInput {
  readonly gateway: string;
  readonly owned: ReadonlyMap<string, readonly KubeObject[]>;
  readonly conditions: ClusterConditions | undefined;
  /** The desired objects of this hook: a desired spec the live one lacks is about to change.
   * Null when nothing is applied (an action): what is live is judged as it is. */
  readonly desired: readonly DesiredSet[] | null;
  readonly owners: readonly RouteOwner[];
}

export interface Judgement {
  /** The Gateway, its listeners and the routes of no single requirer. */
  readonly gateway: Verdict;
  /** Each owner's routes, by its id. */
  readonly owners: ReadonlyMap<number | string, Verdict>;
  /** Each owner's routes as the controller last judged them, staleness aside: a route it
   * refused stays withdrawn while its new generation is pending. */
  readonly previous: ReadonlyMap<number | string, Verdict>;
  /** Blocked status parts about the Gateway, its listeners and the routes of no requirer. */
  readonly blockedGateway: readonly string[];
  /** Blocked status parts about the owners' routes (`Route of <app> …`). */
  readonly blockedRoutes: readonly string[];
  /** Waiting: null when nothing is pending, else what the controller said (may be empty). */
  readonly waiting: readonly string[] | null;
  readonly logs: readonly LogLine[];
}

/** The CRD's default condition, before any controller wrote one. */
const DEFAULT_REASON = "Pending";
const DEFAULT_MESSAGE = "Waiting for controller";
/** Reasons that say "not yet" rather than "no". */
const PENDING_REASONS = new Set(["Pending", "NoResources", "AddressNotAssigned"]);
const MAX_REASON = 64;
const MAX_MESSAGE = 160;
const MAX_LOGGED = 1000;

// Line and paragraph separators and other line breaks: a status line is one line (the
// bidirectional and other invisible characters are escaped by escapeControls).
// deno-lint-ignore no-control-regex
const SPACES = /[\t\n\r\u000b\u000c\u0085\u2028\u2029]+/g;

/** Cluster text as a status or log line may carry it: one line, no control or bidirectional
 * characters (escaped), at most `max` characters. */
export function clusterText(text: string, max: number): string {
  const line = escapeControls(text.replace(SPACES, " ").trim());
  if (line.length <= max) return line;
  // Not cut inside an escape.
  return truncateText(line, max).replace(/\\(u[0-9a-f]{0,3})?\.\.\.$/, "...");
}

function said(condition: Condition, maxMessage: number): string {
  const reason = clusterText(condition.reason, MAX_REASON) || "(no reason)";
  const message = clusterText(condition.message, maxMessage);
  return message ? `${reason}: ${message}` : reason;
}

const isDefault = (condition: Condition) =>
  condition.status === "Unknown" && condition.reason === DEFAULT_REASON &&
  condition.message === DEFAULT_MESSAGE;

const isStale = (condition: Condition, generation: number | null) =>
  condition.observedGeneration !== null && generation !== null &&
  condition.observedGeneration < generation;

/** What each condition type is about, and the value that is the good one. */
const MEANING: Record<string, { readonly phrase: string; readonly good: "True" | "False" }> = {
  Accepted: { phrase: "not accepted", good: "True" },
  Programmed: { phrase: "not programmed", good: "True" },
  ResolvedRefs: { phrase: "has unresolved references", good: "True" },
  Conflicted: { phrase: "conflicted", good: "False" },
};

interface Finding {
  readonly level: "refused" | "pending";
  /** For the status (null: nothing worth saying there). */
  readonly text: string | null;
  readonly log: string;
  readonly withdraw: boolean;
}

/** Findings about one object's conditions; `types` are those that count for its kind. */
function judgeConditions(
  subject: string,
  { generation, conditions }: ObjectConditions,
  types: readonly string[],
  withdrawOn: string | null,
  ignoreStaleness = false,
): { findings: Finding[]; accepted: boolean } {
  const findings: Finding[] = [];
  let accepted = false;
  for (const condition of conditions) {
    const meaning = MEANING[condition.type];
    if (meaning === undefined || !types.includes(condition.type)) continue;
    if (!ignoreStaleness && isStale(condition, generation)) {
      findings.push({
        level: "pending",
        text: null,
        log: `${subject}: ${condition.type} is about generation ${condition.observedGeneration}, ` +
          `not ${generation} yet`,
        withdraw: false,
      });
      continue;
    }
    if (condition.status === meaning.good) {
      if (condition.type === "Accepted") accepted = true;
      continue;
    }
    const pending = condition.status === "Unknown" ||
      (condition.type !== "Conflicted" && PENDING_REASONS.has(condition.reason));
    const log = `${subject} ${meaning.phrase}${pending ? " yet" : ""}: ${
      said(condition, MAX_LOGGED)
    }`;
    if (pending) {
      findings.push({
        level: "pending",
        text: isDefault(condition)
          ? null
          : `${subject} ${meaning.phrase} yet: ${said(condition, MAX_MESSAGE)}`,
        log,
        withdraw: false,
      });
    } else {
      findings.push({
        level: "refused",
        text: `${subject} ${meaning.phrase}: ${said(condition, MAX_MESSAGE)}`,
        log,
        withdraw: condition.type === withdrawOn,
      });
    }
  }
  return { findings, accepted };
}

function verdictOf(findings: readonly Finding[], accepted: boolean): Verdict {
  const texts = (level: Finding["level"]) => [
    ...new Set(
      findings.filter((f) => f.level === level && f.text !== null).map((f) => f.text!),
    ),
  ];
  if (findings.some((f) => f.level === "refused")) {
    return {
      state: "refused",
      details: texts("refused"),
      withdraw: findings.some((f) => f.withdraw),
    };
  }
  if (findings.length > 0) return { state: "pending", details: texts("pending") };
  return accepted ? { state: "accepted" } : { state: "unknown" };
}

function listenerSubject(listener: { name: string; hostname: string | null; port: number | null }) {
  if (listener.port === null) return `Gateway listener ${clusterText(listener.name, 253)}`;
  return listener.hostname === null
    ? `Gateway listener on port ${listener.port}`
    : `Gateway listener ${clusterText(listener.hostname, 253)}:${listener.port}`;
}

/** The live object of `Kind/name`, and whether this hook changes its spec. */
function liveOf(input: ConditionsInput, kind: string, name: string) {
  const live = (input.owned.get(kind) ?? []).find((object) => object.metadata.name === name);
  const desired = input.desired?.find((set) => set.kind.kind === kind)?.objects.find((object) =>
    object.metadata.name === name
  );
  const changing = live === undefined ||
    (desired !== undefined && !contains(live.spec, desired.spec));
  return { live, changing };
}

const ROUTE_TYPES = ["Accepted", "ResolvedRefs"];

/** One route's findings: what the controller said, or pending while it has not said it about
 * this spec (when it reports at all: `reporting`). */
function judgeRoute(
  input: ConditionsInput,
  key: string,
  subject: string,
  reporting: boolean,
): { now: Finding[]; before: Finding[]; accepted: boolean; acceptedBefore: boolean } {
  const [kind, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
  // A kind this hook did not list (L4 routes are listed by the apply step): nothing to judge.
  if (!input.owned.has(kind)) {
    return { now: [], before: [], accepted: false, acceptedBefore: false };
  }
  const { changing } = liveOf(input, kind, name);
  const said = input.conditions?.routes.get(key);
  const before = said
    ? judgeConditions(subject, said, ROUTE_TYPES, "Accepted", true)
    : { findings: [], accepted: false };
  const unseen: Finding = {
    level: "pending",
    text: null,
    log: `${subject}: the Gateway controller has not reported on ${
      changing ? "the spec this hook applies" : "it"
    } yet`,
    withdraw: false,
  };
  if (changing || said === undefined || said.conditions.length === 0) {
    return {
      now: reporting ? [unseen] : [],
      before: before.findings,
      accepted: false,
      acceptedBefore: before.accepted,
    };
  }
  const now = judgeConditions(subject, said, ROUTE_TYPES, "Accepted");
  return {
    now: now.findings,
    before: before.findings,
    accepted: now.accepted,
    acceptedBefore: before.accepted,
  };
}

/** Judges the Gateway, its listeners and every desired route of ours. */
export function judge(input: ConditionsInput): Judgement {
  const logs: LogLine[] = [];
  const gateway = input.conditions?.gateway ?? null;
  // A Gateway without any condition: the controller reports none, so nothing is claimed.
  const reporting = gateway !== null &&
    (gateway.conditions.length > 0 || gateway.listeners.some((l) => l.conditions.length > 0));
  const gatewayFindings: Finding[] = [];
  let gatewayAccepted = false;
  if (gateway !== null && reporting) {
    const { changing } = liveOf(input, KINDS.gateway.kind, input.gateway);
    if (changing) {
      gatewayFindings.push({
        level: "pending",
        text: null,
        log: "Gateway: its spec changes in this hook; the controller has not seen it yet",
        withdraw: false,
      });
    } else {
      const own = judgeConditions("Gateway", gateway, ["Accepted", "Programmed"], null);
      gatewayFindings.push(...own.findings);
      gatewayAccepted = own.accepted;
      const desired = input.desired?.find((set) => set.kind.kind === KINDS.gateway.kind)
        ?.objects.find((object) => object.metadata.name === input.gateway);
      const wanted = new Set(
        ((desired?.spec as { listeners?: { name: string }[] } | undefined)?.listeners ?? [])
          .map((listener) => listener.name),
      );
      for (const listener of gateway.listeners) {
        if (desired !== undefined && !wanted.has(listener.name)) continue;
        gatewayFindings.push(
          ...judgeConditions(
            listenerSubject(listener),
            { generation: gateway.generation, conditions: listener.conditions },
            ["Accepted", "Programmed", "ResolvedRefs", "Conflicted"],
            null,
          ).findings,
        );
      }
    }
  }

  const owned = new Set(input.owners.flatMap((owner) => owner.routes));
  const desiredRoutes = input.desired === null
    ? [...input.owned].filter(([kind]) => kind.endsWith("Route"))
      .flatMap(([kind, objects]) => objects.map((object) => `${kind}/${object.metadata.name}`))
    : input.desired.filter((set) => set.kind.kind.endsWith("Route"))
      .flatMap((set) => set.objects.map((object) => `${set.kind.kind}/${object.metadata.name}`));
  for (const key of desiredRoutes.filter((key) => !owned.has(key))) {
    const route = judgeRoute(input, key, `Route ${clusterText(key, 300)}`, reporting);
    gatewayFindings.push(...route.now);
  }
  const owners = new Map<number | string, Verdict>();
  const previous = new Map<number | string, Verdict>();
  const ownerFindings: Finding[] = [];
  for (const owner of input.owners) {
    const routes = owner.routes.filter((key) => desiredRoutes.includes(key))
      .map((key) => judgeRoute(input, key, `Route of ${clusterText(owner.app, 63)}`, reporting));
    const now = routes.flatMap((route) => route.now);
    // A requirer is accepted when every route of it is.
    const every = (accepted: (route: typeof routes[number]) => boolean) =>
      routes.length > 0 && routes.every(accepted);
    owners.set(owner.id, verdictOf(now, every((route) => route.accepted)));
    previous.set(
      owner.id,
      verdictOf(routes.flatMap((route) => route.before), every((route) => route.acceptedBefore)),
    );
    ownerFindings.push(...now);
  }

  for (const finding of [...gatewayFindings, ...ownerFindings]) {
    logs.push({ level: finding.level === "refused" ? "WARNING" : "INFO", message: finding.log });
  }
  const refusals = (findings: readonly Finding[]) => [
    ...new Set(
      findings.filter((f) => f.level === "refused" && f.text !== null).map((f) => f.text!),
    ),
  ];
  const pending = [...gatewayFindings, ...ownerFindings].filter((f) => f.level === "pending");
  return {
    gateway: verdictOf(gatewayFindings, gatewayAccepted),
    owners,
    previous,
    blockedGateway: refusals(gatewayFindings),
    blockedRoutes: refusals(ownerFindings),
    waiting: pending.length === 0
      ? null
      : [...new Set(pending.filter((f) => f.text !== null).map((f) => f.text!))],
    logs,
  };
}

/** A verdict in a few words, for an action's results and the demo. */
export function describeVerdict(verdict: Verdict): string {
  switch (verdict.state) {
    case "unknown":
      return "unknown (the Gateway controller reports no conditions)";
    case "accepted":
      return "accepted";
    case "pending":
      return verdict.details.length ? `pending: ${verdict.details.join("; ")}` : "pending";
    case "refused":
      return `refused: ${verdict.details.join("; ")}`;
  }
}

/** The judgement as an outcome carries it: the Gateway's verdict and each requirer's. */
export function describeJudgement(
  judged: Judgement,
  requirers: readonly { readonly relation: RelationRef; readonly app: string }[],
): NonNullable<Outcome["conditions"]> {
  return {
    gateway: describeVerdict(judged.gateway),
    endpoints: requirers.map(({ relation, app }) => {
      const verdict = judged.owners.get(relation.id) ?? { state: "unknown" as const };
      return { relation, app, state: verdict.state, condition: describeVerdict(verdict) };
    }),
  };
}

/**
 * For `show-proxied-endpoints`: what the controller says of each endpoint it lists, by its key
 * there (the Gateway under `app`, ingress applications, per-unit units), as `describeVerdict`
 * words it. Empty when the Gateway carries no condition (the controller reports none).
 */
export function endpointConditions(
  app: string,
  listed: ListedConditions | null,
  ingressApps: readonly string[],
  units: readonly string[],
): Map<string, string> {
  const said = new Map<string, string>();
  const gateway = listed?.conditions.gateway ?? null;
  if (listed === null || gateway === null || gateway.conditions.length === 0) return said;
  const judged = judge({
    gateway: app,
    owned: listed.owned,
    conditions: listed.conditions,
    desired: null,
    owners: [
      ...ingressApps.map((ingressApp) => ({
        id: ingressApp,
        app: ingressApp,
        routes: (["http", "https"] as const).map((p) =>
          `${KINDS.httpRoute.kind}/${routeName(app, ingressApp, p)}`
        ),
      })),
      ...units.map((unit) => ({
        id: unit,
        app: unit,
        routes: [...unitObjects(app, unit), `${KINDS.tcpRoute.kind}/${tcpRouteName(app, unit)}`],
      })),
    ],
  });
  said.set(app, describeVerdict(judged.gateway));
  for (const [id, verdict] of judged.owners) said.set(String(id), describeVerdict(verdict));
  return said;
}
