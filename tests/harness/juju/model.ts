/**
 * One application of several units as Juju runs it, for scenarios the one-unit `JujuState` cannot
 * tell: leadership held by one unit at a time and moved, the peer relation (every unit sees the
 * others as its remote units and shares one application databag), application databags and
 * application-owned secrets shared by all units (only the leader may write them; the fake refuses
 * the rest), unit databags, statuses and unit state kept per unit, and `goal-state` listing every
 * unit (a unit being removed is `dying`). Each hook runs against the view of one unit; what it
 * committed is folded back into the application.
 */
import type {
  HookEvent,
  HookResult,
  JujuState,
  RelationState,
  SecretState,
  Status,
} from "./state.ts";

/** A relation of the application with another one, as every unit of ours sees it. */
export interface AppRelation extends Omit<RelationState, "localUnitData"> {
  /** Each of our units' own databag, by unit name. */
  localUnitData?: Record<string, Record<string, string>>;
}

interface Unit {
  dying: boolean;
  status?: Status;
  unitState?: Record<string, string>;
  /** Unit-owned secrets (and consumed ones). */
  secrets: SecretState[];
  /** The unit's own databag in the peer relation. */
  peerData: Record<string, string>;
}

export interface FakeAppOptions {
  /** The application's name (the charm's metadata name). */
  app: string;
  /** Unit ids of the application. */
  units: readonly number[];
  /** The unit holding leadership, or null (between two leaders). */
  leader: number | null;
  /** The peer endpoint and its relation id (Juju creates it with the application). */
  peers?: { endpoint: string; id: number };
  modelName?: string;
  modelUuid?: string;
  config?: JujuState["config"];
  relations?: AppRelation[];
}

/** The application; runs hooks on one unit at a time through `run`. */
export class FakeApp {
  readonly app: string;
  leader: number | null;
  config: JujuState["config"];
  readonly relations: AppRelation[];
  appStatus: Status | undefined;
  /** Application-owned secrets. */
  secrets: SecretState[] = [];
  /** The peer relation's application databag. */
  peerAppData: Record<string, string> = {};
  private readonly units = new Map<number, Unit>();
  private readonly peers: FakeAppOptions["peers"];
  private readonly modelName: string | undefined;
  private readonly modelUuid: string | undefined;

  constructor(options: FakeAppOptions) {
    this.app = options.app;
    this.leader = options.leader;
    this.config = options.config;
    this.relations = options.relations ?? [];
    this.peers = options.peers;
    this.modelName = options.modelName;
    this.modelUuid = options.modelUuid;
    for (const id of options.units) this.addUnit(id);
  }

  unitName(id: number): string {
    return `${this.app}/${id}`;
  }

  /** Live unit ids (dying ones included until they are removed), ascending. */
  unitIds(): number[] {
    return [...this.units.keys()].sort((a, b) => a - b);
  }

  /** A new unit joins (`juju add-unit`): it has no status, secrets or data yet. */
  addUnit(id: number): void {
    if (this.units.has(id)) throw new Error(`unit ${id} exists`);
    this.units.set(id, { dying: false, secrets: [], peerData: {} });
  }

  /** `juju remove-unit`: the unit is dying until `forget` (after its `remove` hook). */
  markDying(id: number): void {
    this.unit(id).dying = true;
  }

  /** The unit is gone: it leaves the peer relation; a leader's lease ends with it. */
  forget(id: number): void {
    this.unit(id);
    this.units.delete(id);
    if (this.leader === id) this.leader = null;
  }

  status(id: number): Status | undefined {
    return this.unit(id).status;
  }

  relation(id: number): AppRelation {
    const found = this.relations.find((relation) => relation.id === id);
    if (!found) throw new Error(`no relation ${id}`);
    return found;
  }

  private unit(id: number): Unit {
    const unit = this.units.get(id);
    if (!unit) throw new Error(`no unit ${id}`);
    return unit;
  }

  /** What unit `id` sees: the state one hook of it runs against. */
  stateOf(id: number): JujuState {
    const unit = this.unit(id);
    const me = this.unitName(id);
    const relations: RelationState[] = this.relations.map((relation) => {
      const { localUnitData, ...rest } = structuredClone(relation);
      return { ...rest, localUnitData: localUnitData?.[me] ?? {} };
    });
    if (this.peers) {
      const others = Object.fromEntries(
        this.unitIds().filter((other) => other !== id).map((
          other,
        ) => [this.unitName(other), structuredClone(this.unit(other).peerData)]),
      );
      relations.push({
        id: this.peers.id,
        endpoint: this.peers.endpoint,
        remoteApp: this.app,
        remoteUnits: others,
        localAppData: structuredClone(this.peerAppData),
        localUnitData: structuredClone(unit.peerData),
      });
    }
    return {
      leader: this.leader === id,
      unitId: id,
      ...(this.modelName ? { modelName: this.modelName } : {}),
      ...(this.modelUuid ? { modelUuid: this.modelUuid } : {}),
      ...(this.config ? { config: structuredClone(this.config) } : {}),
      relations,
      // The fake itself hides application-owned secrets' metadata from a non-leader.
      secrets: [...structuredClone(this.secrets), ...structuredClone(unit.secrets)],
      ...(unit.unitState ? { unitState: structuredClone(unit.unitState) } : {}),
      ...(unit.status ? { unitStatus: structuredClone(unit.status) } : {}),
      ...(this.appStatus ? { appStatus: structuredClone(this.appStatus) } : {}),
      planned: {
        units: Object.fromEntries(
          this.unitIds().map((other) => [
            this.unitName(other),
            this.unit(other).dying ? "dying" : "active",
          ]),
        ),
      },
    };
  }

  /** Folds what a hook of unit `id` left (committed or not, as the fake reports) back in. */
  absorb(id: number, after: JujuState): void {
    const unit = this.unit(id);
    const me = this.unitName(id);
    unit.status = after.unitStatus;
    unit.unitState = after.unitState;
    this.appStatus = after.appStatus;
    for (const relation of after.relations ?? []) {
      if (this.peers && relation.id === this.peers.id) {
        this.peerAppData = relation.localAppData ?? {};
        unit.peerData = relation.localUnitData ?? {};
        continue;
      }
      const shared = this.relations.find((candidate) => candidate.id === relation.id);
      if (!shared) continue;
      shared.localAppData = relation.localAppData;
      shared.localUnitData = { ...shared.localUnitData, [me]: relation.localUnitData ?? {} };
    }
    const secrets = after.secrets ?? [];
    if (this.leader === id) {
      this.secrets = secrets.filter((secret) => secret.owner === "application");
    }
    unit.secrets = secrets.filter((secret) => secret.owner !== "application");
  }

  /** Runs one event on unit `id` with `runHook` (or any runner of the same shape). */
  async run(
    id: number,
    event: HookEvent,
    runner: (state: JujuState, event: HookEvent) => Promise<HookResult>,
  ): Promise<HookResult> {
    const result = await runner(this.stateOf(id), event);
    this.absorb(id, result.state);
    return result;
  }
}
