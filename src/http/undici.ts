/**
 * The three parts of undici the library runs on (`Agent`, the retry interceptor, `request`), each
 * loaded from its own module. undici's index loads every feature it has (fetch, WebSocket, caches,
 * mocks, EventSource: 111 modules) when anything is taken from it; in the dynamic-provider process
 * that cost ~4.5 MiB of RSS and ~3 MiB of heap at the first request, for code no operation runs.
 * undici is pinned to one version in package.json; test/unit/undici-parts.test.ts proves these are
 * the index's own exports, so a bump that moves them fails there, not in a user's `pulumi up`.
 *
 * Types still come from undici's own declarations. Tests and the emulator use the index freely.
 */
import type * as Undici from "undici";

/* eslint-disable @typescript-eslint/no-require-imports -- deep paths have no declarations of their own */
export const Agent: typeof Undici.Agent = require("undici/lib/dispatcher/agent");
const retry: typeof Undici.interceptors.retry = require("undici/lib/interceptor/retry");
const dispatchRequest: (
  this: Undici.Dispatcher,
  opts: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData> = require("undici/lib/api/api-request");
/* eslint-enable @typescript-eslint/no-require-imports */

export const interceptors = { retry };

/** What `request` takes: undici's options, with the dispatcher required (there is no global one here). */
export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, "origin" | "path" | "method"> & {
  method: Undici.Dispatcher.HttpMethod;
  dispatcher: Undici.Dispatcher;
};

/** undici's `request(url, options)` for an absolute URL, as its index builds it (`makeDispatcher`). */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const target = new URL(url);
  return dispatchRequest.call(dispatcher, { ...rest, origin: target.origin, path: `${target.pathname}${target.search}` });
}
