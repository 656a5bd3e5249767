#!/usr/bin/env node
/*
 * Benchmarks: prints figures, asserts nothing (speed targets never live in tests).
 *   npm run bench            # builds first
 * Measures, against the in-process emulator over loopback:
 *   - the serialized __provider size,
 *   - input validation (check) throughput,
 *   - full key lifecycles (create → wait provisioned → refresh → delete) per cloud at the engine's
 *     default concurrency, with latency percentiles and memory,
 *   - HTTP client GET throughput through the keep-alive pool.
 */
"use strict";
const { performance } = require("node:perf_hooks");
const pulumi = require("@pulumi/pulumi");
const { startEmulator } = require("../dist/emulator");
const provider = require("../dist/provider");
const { NscaleClient } = require("../dist/clouds/nscale/client");
const { accessKeyProvider } = require("../dist/resource");

const CONCURRENCY = 8; // the engine's default parallelism on 2 cores (4 x GOMAXPROCS)

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function mb(bytes) {
  return (bytes / 1024 / 1024).toFixed(1);
}
async function pool(n, concurrency, fn) {
  let next = 0;
  const latencies = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}
function row(label, n, wallMs, lat) {
  const line = `${label.padEnd(34)} n=${String(n).padStart(5)}  ${(n / (wallMs / 1000)).toFixed(0).padStart(6)}/s  p50 ${lat ? pct(lat, 50).toFixed(1).padStart(7) : "      -"} ms  p95 ${lat ? pct(lat, 95).toFixed(1).padStart(7) : "      -"} ms`;
  console.log(line);
}

(async () => {
  console.log(`node ${process.version}, ${require("node:os").cpus().length} cpus`);
  const shim = accessKeyProvider;
  const ser = await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true });
  console.log(`serialized __provider: ${Buffer.byteLength(ser.text)} bytes (containsSecrets=${ser.containsSecrets})`);

  const emu = await startEmulator({ nscale: { pollsUntilProvisioned: 1, pollsUntilDeleted: 1 } });
  Object.assign(process.env, {
    NSCALE_API_URL: emu.nscaleApiUrl,
    NSCALE_API_TOKEN: emu.nscaleToken,
    HOSTUP_API_URL: emu.hostupApiUrl,
    HOSTUP_API_KEY: emu.hostupApiKey,
    NSCALE_POLL_INTERVAL_MS: "20",
  });
  await provider.configure({ config: { get: () => undefined } });

  // check throughput
  const news = { cloud: "nscale", resourceName: "bench", endpointId: emu.endpointId, identityPolicy: "bucket-admin", __provider: "x" };
  let t = performance.now();
  const CHECKS = 20000;
  for (let i = 0; i < CHECKS; i++) await provider.check({}, news);
  row("check (validation)", CHECKS, performance.now() - t);

  for (const cloud of ["nscale", "hostup"]) {
    const N = 200;
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    t = performance.now();
    const lat = await pool(N, CONCURRENCY, async (i) => {
      const input = cloud === "nscale" ? { ...news, resourceName: `k${i}` } : { cloud: "hostup", resourceName: `k${i}`, __provider: "x" };
      const c = await provider.check({}, input);
      const { id, outs } = await provider.create({ ...c.inputs, __provider: "x" });
      await provider.read(id, outs);
      await provider.delete(id, outs);
    });
    const wall = performance.now() - t;
    row(`${cloud} lifecycle (create..delete)`, N, wall, lat);
    console.log(
      `${"".padEnd(34)} rss +${mb(process.memoryUsage().rss - rss0)} MiB, heap ${mb(process.memoryUsage().heapUsed)} MiB, emulator keys left: ${cloud === "nscale" ? emu.inspect().nscale.keys.length : emu.inspect().hostup.keys.length - 1}`,
    );
  }

  const client = new NscaleClient({ apiUrl: emu.nscaleApiUrl, token: emu.nscaleToken });
  const GETS = 5000;
  t = performance.now();
  const lat = await pool(GETS, 32, () => client.getEndpoint(emu.endpointId));
  row("HTTP GET endpoint (32 in flight)", GETS, performance.now() - t, lat);
  console.log(`peak rss ${mb(process.memoryUsage().rss)} MiB`);
  await emu.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
