/**
 * The retries of `rest.ts` over a scripted transport, with a fake clock and recorded waits (no
 * sleeping): which failures are sent again, how often, how long it waits, and that the hook's
 * budget bounds it all.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import {
  createRestClient,
  isRetryable,
  type RestOptions,
  type RestRequest,
  type RestResponse,
  retryAfterMs,
} from "../../src/k8s/rest.ts";
import { KINDS, KubeError, type KubeObject } from "../../src/k8s/types.ts";
import { check, fc } from "../properties.ts";

/** An answer of the scripted transport: a response, a thrown error, or a time it takes. */
type Step = RestResponse | Error | { takesMs: number; then: RestResponse | Error };

const SERVICE: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "svc" } };
const OK: RestResponse = { status: 200, text: JSON.stringify(SERVICE) };
const LIST: RestResponse = { status: 200, text: '{"items": []}' };
const status = (code: number, reason = "", retryAfter?: string): RestResponse => ({
  status: code,
  text: JSON.stringify({ kind: "Status", code, reason, message: `injected ${code}` }),
  retryAfter,
});
const reset = () =>
  new TypeError("error sending request: connection closed before message completed");

/** A client whose transport answers `steps` in order (the last one repeats). */
function scripted(steps: Step[], options: Partial<RestOptions> = {}) {
  let clock = 0;
  const sent: RestRequest[] = [];
  const waits: number[] = [];
  const client = createRestClient({
    namespace: "demo",
    fieldManager: "gai",
    now: () => clock,
    wait: (ms) => {
      waits.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    ...options,
  }, (request) => {
    const step = steps[Math.min(sent.length, steps.length - 1)];
    sent.push(request);
    const answer = "takesMs" in step ? (clock += step.takesMs, step.then) : step;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  });
  return { client, sent, waits, clock: () => clock };
}

async function failsWith(promise: Promise<unknown>, status?: number): Promise<KubeError> {
  let caught: unknown;
  await rejects(promise, (error: unknown) => {
    caught = error;
    return error instanceof KubeError && error.details.status === status;
  });
  return caught as KubeError;
}

Deno.test("429 and 503 are retried after the server's Retry-After", async () => {
  const { client, sent, waits } = scripted([
    status(429, "TooManyRequests", "2"),
    status(503, "", "1"),
    OK,
  ], {
    maxRetryDelayMs: 5_000,
  });
  const got = await client.get(KINDS.service, "svc");
  strictEqual(got?.metadata.name, "svc");
  strictEqual(sent.length, 3);
  deepStrictEqual(waits, [2_000, 1_000]);
  strictEqual(client.requests, 3);
  strictEqual(client.retries, 2);
});

Deno.test("a Retry-After longer than the longest wait is cut to it", async () => {
  const { client, waits } = scripted([status(429, "", "120"), LIST], { maxRetryDelayMs: 1_000 });
  await client.list(KINDS.service);
  deepStrictEqual(waits, [1_000]);
});

Deno.test("a reset connection is retried for get, list, apply, merge patch and delete", async () => {
  const calls: [string, (client: ReturnType<typeof scripted>["client"]) => Promise<unknown>][] = [
    ["get", (client) => client.get(KINDS.service, "svc")],
    ["list", (client) => client.list(KINDS.service)],
    ["apply", (client) => client.apply(KINDS.service, SERVICE)],
    ["patch", (client) => client.mergePatch(KINDS.service, "svc", { metadata: {} })],
    ["delete", (client) => client.delete(KINDS.service, "svc")],
  ];
  for (const [verb, call] of calls) {
    const { client, sent, waits } = scripted([reset(), verb === "list" ? LIST : OK]);
    await call(client);
    strictEqual(sent.length, 2, verb);
    const { signal: _first, ...first } = sent[0];
    const { signal: _second, ...second } = sent[1];
    deepStrictEqual(second, first, `${verb}: the same request again`);
    deepStrictEqual(waits, [100], verb);
  }
});

Deno.test("a DELETE whose answer was lost and finds the object gone on retry succeeds", async () => {
  const { client, sent } = scripted([reset(), status(404, "NotFound")]);
  await client.delete(KINDS.service, "svc");
  strictEqual(sent.length, 2);
});

Deno.test("without Retry-After the waits double; the attempts are bounded and the error surfaces", async () => {
  const { client, sent, waits } = scripted([status(500, "InternalError")]);
  const error = await failsWith(client.list(KINDS.service), 500);
  strictEqual(error.kind, "unavailable");
  strictEqual(sent.length, 4);
  deepStrictEqual(waits, [100, 200, 400]);
  const one = scripted([status(503)], { attempts: 1 });
  await failsWith(one.client.list(KINDS.service), 503);
  strictEqual(one.sent.length, 1);
});

Deno.test("refusals are not retried: 400, 401, 403, 404, 422, and 409 on a read or AlreadyExists", async () => {
  for (const code of [400, 401, 403, 422]) {
    const { client, sent } = scripted([status(code), OK]);
    await failsWith(client.apply(KINDS.service, SERVICE), code);
    strictEqual(sent.length, 1, String(code));
  }
  const missing = scripted([status(404, "NotFound"), LIST]);
  await failsWith(missing.client.list(KINDS.service), 404);
  strictEqual(missing.sent.length, 1);
  const exists = scripted([status(409, "AlreadyExists"), OK]);
  await failsWith(exists.client.apply(KINDS.service, SERVICE), 409);
  strictEqual(exists.sent.length, 1);
  const read = scripted([status(409, "Conflict"), OK]);
  await failsWith(read.client.get(KINDS.service, "svc"), 409);
  strictEqual(read.sent.length, 1);
});

Deno.test("a 409 conflict on a write is retried", async () => {
  const { client, sent } = scripted([status(409, "Conflict"), OK]);
  await client.apply(KINDS.service, SERVICE);
  strictEqual(sent.length, 2);
});

Deno.test("no retry waits past the hook's budget: the error surfaces instead", async () => {
  const { client, sent, waits } = scripted(
    [{ takesMs: 400, then: status(503, "", "1") }],
    { totalTimeoutMs: 1_500, maxRetryDelayMs: 1_000 },
  );
  await failsWith(client.list(KINDS.service), 503);
  // 400 ms, wait 1 s, 400 ms: another wait would end past 1.5 s.
  strictEqual(sent.length, 2);
  deepStrictEqual(waits, [1_000]);
});

Deno.test("retryAfterMs reads delay-seconds and HTTP dates", () => {
  strictEqual(retryAfterMs(undefined), undefined);
  strictEqual(retryAfterMs("3"), 3_000);
  strictEqual(retryAfterMs(" 0 "), 0);
  strictEqual(retryAfterMs("soon"), undefined);
  strictEqual(
    retryAfterMs("Wed, 21 Oct 2015 07:28:05 GMT", Date.UTC(2015, 9, 21, 7, 28, 0)),
    5_000,
  );
  strictEqual(retryAfterMs("Wed, 21 Oct 2015 07:28:05 GMT", Date.UTC(2016, 0, 1)), 0);
});

Deno.test("isRetryable: transient statuses and lost answers, never a refusal", () => {
  const error = (status?: number, reason?: string, kind: KubeError["kind"] = "unavailable") =>
    new KubeError(kind, "x", { status, reason });
  for (const code of [429, 500, 502, 503, 504]) ok(isRetryable("GET", error(code)), String(code));
  ok(isRetryable("DELETE", error()));
  ok(!isRetryable("GET", error(undefined, undefined, "other")));
  ok(isRetryable("PATCH", error(409, "Conflict", "conflict")));
  ok(!isRetryable("GET", error(409, "Conflict", "conflict")));
  ok(!isRetryable("PATCH", error(409, "AlreadyExists", "conflict")));
  for (const code of [400, 401, 403, 404, 405, 410, 422]) {
    ok(!isRetryable("PATCH", error(code, undefined, "other")), String(code));
  }
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant(OK),
  fc.constantFrom(400, 403, 409, 422, 429, 500, 503, 504).map((code) => status(code)),
  fc.nat(3).map((seconds) => status(429, "", String(seconds))),
  fc.constant(reset()),
  fc.record({
    takesMs: fc.integer({ min: 0, max: 3_000 }),
    then: fc.constant<RestResponse | Error>(reset()),
  }),
);

Deno.test("property: attempts, waits and the clock stay within their bounds; success is returned", () =>
  check(
    fc.asyncProperty(
      fc.array(stepArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 2_000 }),
      fc.integer({ min: 100, max: 10_000 }),
      async (steps, attempts, maxRetryDelayMs, totalTimeoutMs) => {
        const run = scripted(steps, { attempts, maxRetryDelayMs, totalTimeoutMs });
        let outcome: "ok" | KubeError;
        try {
          await run.client.get(KINDS.service, "svc");
          outcome = "ok";
        } catch (error) {
          ok(error instanceof KubeError, String(error));
          outcome = error;
        }
        ok(run.sent.length <= attempts);
        ok(run.waits.every((ms) => ms <= maxRetryDelayMs));
        strictEqual(run.waits.length, run.sent.length - 1);
        // A wait starts only when it ends inside the budget.
        let waited = 0;
        for (const ms of run.waits) waited += ms;
        ok(waited < totalTimeoutMs);
        const last = steps[Math.min(run.sent.length - 1, steps.length - 1)];
        const answer = "takesMs" in last ? last.then : last;
        if (outcome === "ok") ok(!(answer instanceof Error) && answer.status === 200);
        else if (run.sent.length < attempts && isRetryable("GET", outcome)) {
          // It stopped early on a retryable failure: only because the wait would pass the budget.
          const retryAfter = "status" in answer ? retryAfterMs(answer.retryAfter) : undefined;
          const delay = Math.min(maxRetryDelayMs, retryAfter ?? 100 * 2 ** (run.sent.length - 1));
          ok(run.clock() + delay >= totalTimeoutMs, `${outcome.message} after ${run.sent.length}`);
        }
      },
    ),
    300,
  ));
