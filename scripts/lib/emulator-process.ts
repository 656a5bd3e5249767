/**
 * A handle on the emulator running in a child process (./emulator-process.cjs): the connection
 * details, and the request log and controls the benchmarks use, each an IPC round trip.
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { EmulatorConfigPatch, EmulatorOptions, EmulatorSnapshot, ProvisioningStatus, RequestLogEntry } from "pulumi-object-storage-keys/emulator";

export interface EmulatorProcess {
  nscaleToken: string;
  nscaleApiUrl: string;
  hostupApiKey: string;
  hostupApiUrl: string;
  endpointId: string;
  requestCount(): Promise<number>;
  requests(from: number): Promise<RequestLogEntry[]>;
  inspect(): Promise<EmulatorSnapshot>;
  configure(patch: EmulatorConfigPatch): Promise<void>;
  setNscaleKeyStatus(id: string, status: ProvisioningStatus): Promise<void>;
  close(): Promise<void>;
}

type Connection = Pick<EmulatorProcess, "nscaleToken" | "nscaleApiUrl" | "hostupApiKey" | "hostupApiUrl" | "endpointId">;
type Reply = { ready: Connection } | { id: number; result?: unknown; error?: string };

/** Starts the emulator of the package in `packageDir` (its dist/) in a child process. */
export function startEmulatorProcess(packageDir: string, options: EmulatorOptions): Promise<EmulatorProcess> {
  const child = fork(path.join(__dirname, "emulator-process.cjs"), [packageDir, JSON.stringify(options)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  const call = <T>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args });
    });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the emulator process exited (${code}) before it was ready`)));
    child.on("message", (msg: Reply) => {
      if ("ready" in msg) {
        resolve({
          ...msg.ready,
          requestCount: () => call("requestCount"),
          requests: (from) => call("requests", from),
          inspect: () => call("inspect"),
          configure: (patch) => call("configure", patch),
          setNscaleKeyStatus: (id, status) => call("setNscaleKeyStatus", id, status),
          close: async () => {
            const exited = new Promise((done) => child.once("exit", done));
            await call("close");
            await exited;
          },
        });
        return;
      }
      const waiter = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
      else waiter?.resolve(msg.result);
    });
  });
}
