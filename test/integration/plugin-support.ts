/**
 * The native plugin as the engine runs it (not a test file): the built executable
 * (bin/pulumi-resource-object-storage-keys) started as a child process, spoken to over its gRPC
 * port with the SDK's own generated client, the way the engine speaks to it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as rpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";

export const PLUGIN_BIN = path.resolve(__dirname, "../../bin/pulumi-resource-object-storage-keys");

export const urnOf = (type: string, name: string) => `urn:pulumi:test::plugin-test::object-storage-keys:index:${type}::${name}`;

type Props = Record<string, unknown>;

export interface RunningPlugin {
  client: rpc.ResourceProviderClient;
  /** Everything the plugin wrote to stderr so far. */
  stderr(): string;
  configure(args: Props, variables?: Record<string, string>): Promise<void>;
  check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }>;
  diff(id: string, urn: string, olds: Props, news: Props): Promise<{ changes: number; replaces: string[] }>;
  create(urn: string, props: Props): Promise<{ id: string; props: Props }>;
  /** `props` undefined: no properties at all, as the engine sends during `pulumi import`. */
  read(id: string, urn: string, props: Props | undefined): Promise<{ id: string; props: Props; inputs: Props | undefined }>;
  delete(id: string, urn: string, props: Props): Promise<void>;
  getSchema(): Promise<string>;
  close(): Promise<void>;
}

function unary<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

export async function startPlugin(env: NodeJS.ProcessEnv): Promise<RunningPlugin> {
  const child: ChildProcess = spawn(process.execPath, [PLUGIN_BIN], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0]!.trim();
      if (out.includes("\n") && /^\d+$/.test(line)) resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`plugin exited with ${code} before listening: ${stderr}`)));
  });
  const client = new rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const struct = (p: Props) => Struct.fromJavaScript(p as Record<string, never>);
  return {
    client,
    stderr: () => stderr,
    async configure(args, variables = {}) {
      const req = new pb.ConfigureRequest();
      req.setArgs(struct(args));
      for (const [k, v] of Object.entries(variables)) req.getVariablesMap().set(k, v);
      req.setAcceptsecrets(true);
      await unary(client.configure.bind(client), req);
    },
    async check(urn, olds, news) {
      const req = new pb.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await unary<pb.CheckRequest, pb.CheckResponse>(client.check.bind(client), req);
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, urn, olds, news) {
      const req = new pb.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await unary<pb.DiffRequest, pb.DiffResponse>(client.diff.bind(client), req);
      return { changes: res.getChanges(), replaces: res.getReplacesList() };
    },
    async create(urn, props) {
      const req = new pb.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(props));
      const res = await unary<pb.CreateRequest, pb.CreateResponse>(client.create.bind(client), req);
      return { id: res.getId(), props: res.getProperties()?.toJavaScript() ?? {} };
    },
    async read(id, urn, props) {
      const req = new pb.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      if (props !== undefined) req.setProperties(struct(props));
      const res = await unary<pb.ReadRequest, pb.ReadResponse>(client.read.bind(client), req);
      return { id: res.getId(), props: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() };
    },
    async delete(id, urn, props) {
      const req = new pb.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(struct(props));
      await unary(client.delete.bind(client), req);
    },
    async getSchema() {
      const res = await unary<pb.GetSchemaRequest, pb.GetSchemaResponse>(client.getSchema.bind(client), new pb.GetSchemaRequest());
      return res.getSchema();
    },
    async close() {
      client.close();
      child.kill();
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    },
  };
}
