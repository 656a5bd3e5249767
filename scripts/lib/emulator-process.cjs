/**
 * The emulator in a process of its own, for the benchmarks (scripts/lib/emulator-process.ts starts
 * it): a real API answers from another machine, so its CPU must not compete with the Pulumi program
 * and the engine's callbacks in the benchmark's process. Started with `fork(file, [packageDir,
 * optionsJson])`; sends {ready: connection} once listening, then answers {id, op, args} messages.
 */
"use strict";
const path = require("node:path");
const [packageDir, optionsJson] = process.argv.slice(2);
const { startEmulator } = require(path.join(packageDir, "dist", "emulator"));

startEmulator(JSON.parse(optionsJson)).then((emu) => {
  const ops = {
    requestCount: () => emu.requests.length,
    requests: (from) => emu.requests.slice(from),
    inspect: () => emu.inspect(),
    configure: (patch) => void emu.configure(patch),
    setNscaleKeyStatus: (id, status) => void emu.setNscaleKeyStatus(id, status),
    close: async () => {
      await emu.close();
      setImmediate(() => process.exit(0));
    },
  };
  process.on("message", async ({ id, op, args }) => {
    try {
      process.send({ id, result: await ops[op](...args) });
    } catch (err) {
      process.send({ id, error: String(err && err.stack ? err.stack : err) });
    }
  });
  process.send({
    ready: {
      nscaleToken: emu.nscaleToken,
      nscaleApiUrl: emu.nscaleApiUrl,
      hostupApiKey: emu.hostupApiKey,
      hostupApiUrl: emu.hostupApiUrl,
      endpointId: emu.endpointId,
    },
  });
});
