/**
 * Where a program finds a running emulator: the same settings a user gives for the real clouds,
 * named by each cloud's own settings (src/clouds/<cloud>/model.ts), as environment variables or
 * as stack config. The one map from an emulator to settings; tests, the demo and examples use it.
 */
import { hostupSettings } from "../clouds/hostup/model";
import { nscaleSettings } from "../clouds/nscale/model";
import type { CloudSettings } from "../settings";
import type { Emulator } from "./types";

type Running = Pick<Emulator, "nscaleApiUrl" | "nscaleToken" | "hostupApiUrl" | "hostupApiKey">;

function each(emu: Running): Array<{ settings: CloudSettings; apiUrl: string; credential: string }> {
  return [
    { settings: nscaleSettings, apiUrl: emu.nscaleApiUrl, credential: emu.nscaleToken },
    { settings: hostupSettings, apiUrl: emu.hostupApiUrl, credential: emu.hostupApiKey },
  ];
}

/** Each cloud's API URL and (unless `credentials: false`) credential, as environment variables. */
export function emulatorEnv(emu: Running, opts: { credentials?: boolean } = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of each(emu)) {
    env[c.settings.apiUrl.env] = c.apiUrl;
    if (opts.credentials !== false) env[c.settings.credential.env[0]!] = c.credential;
  }
  return env;
}

/** The same as stack config (`nscale:apiToken` as a secret, `nscale:apiUrl`, ...), for Automation API's setAllConfig. */
export function emulatorConfig(emu: Running): Record<string, { value: string; secret?: boolean }> {
  const config: Record<string, { value: string; secret?: boolean }> = {};
  for (const c of each(emu)) {
    config[c.settings.credential.config] = { value: c.credential, secret: true };
    config[c.settings.apiUrl.config] = { value: c.apiUrl };
  }
  return config;
}
