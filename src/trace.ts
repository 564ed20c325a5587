/**
 * Where a hook's time goes, for the benchmark: with GATEWAY_API_INTEGRATOR_TRACE=1 the charm
 * writes one `trace:` line to stderr with the time until its code starts running (runtime start
 * and module evaluation), the wall time spent in hook-tool calls and in Kubernetes requests
 * (overlapping calls counted once), the time with either in flight, the first request (which
 * carries the TLS handshake) and the connect (configuration and TLS client set-up). Off by default: then nothing is wrapped.
 */
import type { Connector } from "./charm.ts";
import type { ToolRunner } from "./juju/runner.ts";
import type { KubeClient } from "./k8s/types.ts";

/** Wall time during which at least one of a kind of call was in flight (`within`: also counted
 * on that clock, so that a union of kinds can be timed too). */
interface BusyClock {
  time<T>(work: () => Promise<T>): Promise<T>;
  readonly ms: number;
  readonly calls: number;
}

function busyClock(within?: BusyClock): BusyClock {
  let active = 0;
  let since = 0;
  let total = 0;
  let calls = 0;
  return {
    async time<T>(work: () => Promise<T>): Promise<T> {
      calls++;
      if (active++ === 0) since = performance.now();
      try {
        return await (within ? within.time(work) : work());
      } finally {
        if (--active === 0) total += performance.now() - since;
      }
    },
    get ms() {
      return total;
    },
    get calls() {
      return calls;
    },
  };
}

export interface Trace {
  readonly runner: ToolRunner;
  readonly connect: Connector;
  /** The trace line. */
  report(): string;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function createTrace(runner: ToolRunner, connect: Connector): Trace {
  const started = performance.now();
  const either = busyClock();
  const tools = busyClock(either);
  const kube = busyClock(either);
  let connectMs = 0;
  /** Every call with its start and end on the process clock, for `timeline`. */
  const events: [string, number, number][] = [];
  const log = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    try {
      return await work();
    } finally {
      events.push([name, round(at), round(performance.now())]);
    }
  };
  let firstRequestMs: number | undefined;

  const timed = <A extends unknown[], T>(name: string, call: (...args: A) => Promise<T>) =>
  async (
    ...args: A
  ): Promise<T> => {
    const first = firstRequestMs === undefined;
    if (first) firstRequestMs = -1;
    const at = performance.now();
    try {
      return await kube.time(() => log(`k8s ${name}`, () => call(...args)));
    } finally {
      if (first) firstRequestMs = performance.now() - at;
    }
  };

  return {
    runner: {
      run: (tool, args, stdin) =>
        tools.time(() => log(`${tool} ${args.join(" ")}`, () => runner.run(tool, args, stdin))),
    },
    async connect(ctx) {
      const at = performance.now();
      const client = await kube.time(() => log("k8s connect", () => connect(ctx)));
      connectMs += performance.now() - at;
      const traced: KubeClient = {
        namespace: client.namespace,
        fieldManager: client.fieldManager,
        get requests() {
          return client.requests;
        },
        get retries() {
          return client.retries;
        },
        get: timed("get", client.get.bind(client)),
        list: timed("list", client.list.bind(client)),
        apply: timed("apply", client.apply.bind(client)),
        mergePatch: timed("mergePatch", client.mergePatch.bind(client)),
        delete: timed("delete", client.delete.bind(client)),
      };
      return traced;
    },
    report() {
      return `trace: ${
        JSON.stringify({
          startMs: round(started),
          totalMs: round(performance.now()),
          toolsMs: round(tools.ms),
          toolCalls: tools.calls,
          kubeMs: round(kube.ms),
          kubeCalls: kube.calls,
          firstRequestMs: firstRequestMs === undefined ? null : round(firstRequestMs),
          connectMs: round(connectMs),
          toolsOrKubeMs: round(either.ms),
          memory: Deno.memoryUsage(),
          timeline: events.sort((a, b) => a[1] - b[1]),
        })
      }`;
    },
  };
}
