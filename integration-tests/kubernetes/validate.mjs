// node validate.mjs FILE...: each YAML document of each FILE checked against the Kubernetes API's schema for its
// apiVersion and kind (kubernetes-models' validate(), the OpenAPI schemas as JSON schemas; a Kustomization is only
// parsed), and structops' DaemonSet against what the image and the runtime expect of it (daemonsetRules). Prints
// "ok KIND NAME" per document, or one line per problem, and exits 1 on any.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const kinds = {
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "apps/v1/DaemonSet": "kubernetes-models/apps/v1/DaemonSet",
};

let failed = false;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { strict: true });
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.log(`${file}: not YAML: ${doc.errors[0].message}`);
      failed = true;
      continue;
    }
    const object = doc.toJS();
    const key = `${object.apiVersion}/${object.kind}`;
    if (object.kind === "Kustomization") {
      console.log(`ok Kustomization ${file}`);
      continue;
    }
    const module = kinds[key];
    if (!module) {
      console.log(`${file}: ${key} is not a kind this check knows`);
      failed = true;
      continue;
    }
    const Model = Object.values(await import(module)).find((v) => typeof v === "function");
    const problems = [];
    try {
      new Model(object).validate();
    } catch (e) {
      problems.push(e.message);
    }
    if (object.kind === "DaemonSet") {
      problems.push(...daemonsetRules(object));
    }
    for (const p of problems) {
      console.log(`${file}: ${object.kind} ${object.metadata?.name}: ${p}`);
    }
    failed ||= problems.length > 0;
    if (problems.length === 0) {
      console.log(`ok ${object.kind} ${object.metadata?.name}`);
    }
  }
}
process.exit(failed ? 1 : 0);

// What the image (runtime/image/build-image) and the launcher expect of the DaemonSet that runs them.
function daemonsetRules(ds) {
  const problems = [];
  const spec = ds.spec.template.spec;
  const c = spec.containers.find((x) => x.name === "structops");
  if (!c) {
    return ["no container named structops"];
  }
  const args = c.args ?? [];
  const option = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
  if (args[0] !== "--http") {
    problems.push("the launcher takes --http first");
  }
  const port = Number((option("--http") ?? "").split(":").pop());
  const host = (option("--http") ?? "").split(":")[0];
  if (!["127.0.0.1", "localhost", "::1"].includes(host) && !option("--token-file")) {
    problems.push("--http beyond loopback needs --token-file");
  }
  for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"], ["startupProbe", "/healthz"]]) {
    const get = c[probe]?.httpGet;
    if (get?.path !== path || get?.port !== port) {
      problems.push(`${probe} must GET ${path} on port ${port}`);
    }
  }
  const mount = (path) => (c.volumeMounts ?? []).find((m) => m.mountPath === path);
  const volume = (m) => (spec.volumes ?? []).find((v) => v.name === m?.name);
  const deploy = option("--deploy");
  if (volume(mount(deploy))?.configMap?.name !== "structops-deploy" || !mount(deploy)?.readOnly) {
    problems.push(`the ConfigMap structops-deploy must be mounted read-only at --deploy ${deploy}`);
  }
  const token = option("--token-file");
  if (token && !volume(mount(token.substring(0, token.lastIndexOf("/"))))?.secret) {
    problems.push(`--token-file ${token} must lie in a mounted Secret`);
  }
  if (volume(mount("/sys/fs/bpf"))?.hostPath?.path !== "/sys/fs/bpf") {
    problems.push("the node's bpffs must be mounted at /sys/fs/bpf (the deploy journal lives there)");
  }
  const added = (c.securityContext?.capabilities?.add ?? []).slice().sort().join(",");
  const user = spec.securityContext?.runAsUser ?? c.securityContext?.runAsUser;
  if (user === 10001) {
    if (added !== "BPF,NET_ADMIN,PERFMON" || c.securityContext?.allowPrivilegeEscalation !== true) {
      problems.push("the image's java holds CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN as file capabilities for its user:"
        + " add exactly those and allow privilege escalation (no_new_privs would withhold them)");
    }
  } else if (user === 0) {
    if (added !== "BPF,NET_ADMIN,PERFMON,SYS_ADMIN" || spec.securityContext?.fsGroup !== 0) {
      problems.push("as root (for sched_ext): CAP_SYS_ADMIN besides the three, and fsGroup 0 for the token");
    }
  } else {
    problems.push("runs as the image's user 10001, or as root where a struct needs CAP_SYS_ADMIN");
  }
  const journal = (spec.initContainers ?? []).find((x) => x.name === "journal")?.command ?? [];
  if (journal[journal.indexOf("-o") + 1] !== String(user) || !journal.includes("/sys/fs/bpf/structops")) {
    problems.push(`the journal's directory /sys/fs/bpf/structops must be made for the runtime's user ${user}`);
  }
  if (!spec.hostNetwork) {
    problems.push("a congestion control or qdisc is the node's: hostNetwork");
  }
  if (ds.spec.updateStrategy?.type !== "RollingUpdate" || !ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable) {
    problems.push("a rolling update with maxUnavailable");
  }
  return problems;
}
