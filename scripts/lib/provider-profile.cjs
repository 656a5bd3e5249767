/**
 * Preloaded (`NODE_OPTIONS=--require`) into the engine's provider processes by
 * `npm run bench:engine -- --profile <dir>`: Node 20 refuses --cpu-prof in NODE_OPTIONS, and the
 * engine kills its plugins without an exit Node could write a profile at. So this records, from
 * inside the process, in slices it writes as it goes (a kill loses at most the last 250 ms):
 *   - a CPU profile (inspector Profiler), stopped, written and restarted every slice;
 *   - a memory timeline: RSS, V8 heap committed and used, external memory, loaded modules.
 * Only in a process whose command line names the provider (`OSK_PROFILE_MATCH`); any other Node
 * process that inherits NODE_OPTIONS is left alone. scripts/profile-summary.ts reads the folder.
 */
"use strict";
const match = process.env.OSK_PROFILE_MATCH || "dynamic-provider";
const dir = process.env.OSK_PROFILE_DIR;
if (dir && process.argv.some((a) => a.includes(match))) {
  const fs = require("node:fs");
  const path = require("node:path");
  const inspector = require("node:inspector");
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  const timeline = [];
  const file = (name) => path.join(dir, `${process.pid}-${name}`);
  let slice = 0;
  const sample = () => {
    const m = process.memoryUsage();
    timeline.push({
      t: Date.now() - started,
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      modules: Object.keys(require.cache).length,
    });
  };
  const writeTimeline = () => fs.writeFileSync(file("memory.json"), JSON.stringify({ argv: process.argv, timeline }));
  let busy = false;
  const rotate = async () => {
    if (busy) return;
    busy = true;
    try {
      const { profile } = await post("Profiler.stop");
      fs.writeFileSync(file(`${String(slice++).padStart(4, "0")}.cpuprofile`), JSON.stringify(profile));
      await post("Profiler.start");
    } finally {
      busy = false;
    }
  };
  post("Profiler.enable")
    .then(() => post("Profiler.setSamplingInterval", { interval: 200 }))
    .then(() => post("Profiler.start"))
    .catch(() => undefined);
  setInterval(sample, 20).unref();
  setInterval(() => {
    sample();
    writeTimeline();
    rotate().catch(() => undefined);
  }, 250).unref();
}
