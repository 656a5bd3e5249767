/**
 * Local emulator of the Nscale and HostUp object-storage control planes, plus a minimal S3 data
 * plane that accepts the keys they issue. For tests and demos: all state is in memory.
 */
import type { Server } from "node:http";
import { FaultBook, TokenBucket } from "./faults";
import { handleHostup } from "./hostup";
import { handleNscale, setKeyStatus } from "./nscale";
import { handleS3 } from "./s3";
import { closeServer, createListener, listen, type PipelineContext } from "./server";
import { EmulatorState, SEEDED_ENDPOINT_ID } from "./state";
import type { Emulator, EmulatorOptions, RequestLogEntry } from "./types";

export { emulatorConfig, emulatorEnv } from "./env";

export type {
  BucketSnapshot,
  EmulatedCloud,
  Emulator,
  EmulatorConfigPatch,
  EmulatorOptions,
  EmulatorSnapshot,
  ApiBody,
  FaultAction,
  ForeignBody,
  FaultRule,
  HostupEmulatorOptions,
  HostupKeySnapshot,
  NscaleEmulatorOptions,
  NscaleEndpointSnapshot,
  NscaleKeySnapshot,
  ProvisioningStatus,
  RateLimitOptions,
  RequestLogEntry,
} from "./types";
export { SEEDED_ENDPOINT_ID } from "./state";

const CONTROL_PLANE_MAX_BODY = 1024 * 1024;
const S3_MAX_BODY = 64 * 1024 * 1024;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const faults = new FaultBook();
  const requests: RequestLogEntry[] = [];
  let seq = 0;
  let closing = false;
  const timers = new Set<NodeJS.Timeout>();
  // Set once both ports are known; no request can arrive before listen() resolves.
  let state: EmulatorState | undefined;
  let limiter: TokenBucket | undefined;
  let origin = "";
  const current = (): EmulatorState => {
    if (!state) throw new Error("emulator not started");
    return state;
  };
  const syncLimiter = () => {
    const rate = current().options.rateLimit?.requestsPerSecond;
    if (rate === undefined) limiter = undefined;
    else if (limiter?.rate !== rate) limiter = new TokenBucket(rate);
  };

  const ctx: PipelineContext = {
    faults,
    requests,
    nextSeq: () => ++seq,
    rateLimiter: () => limiter,
    log: options.log,
    sleep: (ms) =>
      new Promise((resolve) => {
        if (closing) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  };

  const control = createListener(ctx, {
    classify: (path) => (path === "/api/object-storage" || path.startsWith("/api/object-storage/") ? "hostup" : "nscale"),
    handle: (cloud, req) => (cloud === "hostup" ? handleHostup(current(), req) : handleNscale(current(), req, origin)),
    maxBodyBytes: CONTROL_PLANE_MAX_BODY,
    now: () => current().now().getTime(),
  });
  const s3 = createListener(ctx, {
    classify: () => "s3",
    handle: (_cloud, req) => handleS3(current(), req),
    maxBodyBytes: S3_MAX_BODY,
  });

  const servers: Server[] = [];
  try {
    const port = await listen(control, options.port ?? 0, host);
    servers.push(control);
    const s3Port = await listen(s3, options.s3Port ?? 0, host);
    servers.push(s3);
    origin = `http://${urlHost(host)}:${port}`;
    state = new EmulatorState(options, `http://${urlHost(host)}:${s3Port}`);
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
  syncLimiter();
  const st = current();

  const emulator: Emulator = {
    url: origin,
    nscaleApiUrl: origin,
    hostupApiUrl: `${origin}/api`,
    s3Url: st.s3Url,
    nscaleToken: st.options.nscale.tokens[0] ?? "",
    hostupApiKey: st.options.hostup.apiKeys[0] ?? "",
    endpointId: SEEDED_ENDPOINT_ID,
    requests,
    inspect: () => st.snapshot(),
    secretFor: (accessKeyId) => st.secretFor(accessKeyId),
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setNscaleKeyStatus: (id, status) => setKeyStatus(st, id, status),
    failNextNscaleProvisioning: (count = 1) => {
      st.failProvisioningArmed += count;
    },
    deleteOutOfBand: (cloud, id) => {
      const removed = cloud === "nscale" ? st.nscaleKeys.delete(id) : st.hostupKeys.delete(id);
      if (!removed) throw new Error(`emulator: no ${cloud} access key ${id}`);
    },
    configure: (patch) => {
      st.configure(patch);
      syncLimiter();
    },
    setClockOffset: (ms) => st.configure({ clockOffsetMs: ms }),
    now: () => st.now(),
    reset: () => {
      st.reset();
      faults.clear();
      requests.length = 0;
      seq = 0;
      limiter = undefined;
      syncLimiter();
    },
    close: async () => {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([closeServer(control), closeServer(s3)]);
    },
  };
  return emulator;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
