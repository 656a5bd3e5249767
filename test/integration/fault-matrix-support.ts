/**
 * A loopback HTTP proxy in front of the emulator that models a server which *commits late*:
 * matching requests are held for `delayMs` and then forwarded to the emulator even when the
 * client has given up (timed out) in the meantime. The emulator's own `delay` fault cannot model
 * this: it reads the request body after the delay, so a request whose client disconnected is never
 * processed at all.
 *
 * Every other request is forwarded at once. Not a test file.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LateCommitRule {
  method: string;
  path: RegExp;
  delayMs: number;
  /** How many matching requests are held. Default 1. */
  times?: number;
}

export interface LateCommitProxy {
  /** `http://127.0.0.1:<port>`: use in place of the emulator's origin. */
  origin: string;
  arm(rule: LateCommitRule): void;
  disarm(): void;
  /** Requests received but not yet answered by the emulator (held or being forwarded). */
  inFlight(): number;
  /** Held requests the emulator processed after their client had gone away. */
  lateCommits(): number;
  close(): Promise<void>;
}

export async function startLateCommitProxy(target: string): Promise<LateCommitProxy> {
  const upstream = new URL(target);
  let rule: (LateCommitRule & { remaining: number }) | undefined;
  let pending = 0;
  let late = 0;
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    pending += 1;
    const chunks: Buffer[] = [];
    let clientGone = false;
    res.on("close", () => {
      if (!res.writableFinished) clientGone = true;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => undefined);
    req.on("end", () => {
      const method = (req.method ?? "GET").toUpperCase();
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      let delay = 0;
      if (rule && rule.remaining > 0 && rule.method === method && rule.path.test(path)) {
        rule.remaining -= 1;
        delay = rule.delayMs;
      }
      const forward = () => {
        const body = Buffer.concat(chunks);
        const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host, connection: "close" };
        if (body.length > 0) headers["content-length"] = String(body.length);
        const up = request({ host: upstream.hostname, port: upstream.port, method, path: req.url, headers }, (ures) => {
          const parts: Buffer[] = [];
          ures.on("data", (c: Buffer) => parts.push(c));
          ures.on("end", () => {
            pending -= 1;
            if (clientGone || res.destroyed) {
              if (delay > 0) late += 1;
              return;
            }
            res.writeHead(ures.statusCode ?? 502, ures.headers);
            res.end(Buffer.concat(parts));
          });
        });
        up.on("error", () => {
          pending -= 1;
          if (!res.destroyed) res.destroy();
        });
        up.end(body);
      };
      if (delay === 0) forward();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          forward();
        }, delay);
        timers.add(t);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    arm: (r) => {
      rule = { ...r, remaining: r.times ?? 1 };
    },
    disarm: () => {
      rule = undefined;
    },
    inFlight: () => pending,
    lateCommits: () => late,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
