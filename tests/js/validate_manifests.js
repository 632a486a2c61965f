// SPDX-License-Identifier: Apache-2.0
// validate_manifests.js: checks rendered Kubernetes manifests (multi-document YAML files): every
//   object against the Kubernetes schemas of the npm kubernetes-models package (types, required
//   fields, enums), plus our own walk that rejects fields the schema does not define, which that
//   package lets through. The field lists come from the package's own TypeScript declarations
//   (.d.ts). CRD kinds the package lacks (cert-manager, Prometheus Operator) are checked against
//   the small schemas below, which cover the fields these manifests use.
// Does not: talk to a cluster, or know fields newer than the package's schemas (Kubernetes 1.27),
//   except those listed in NEWER_FIELDS.
// Threads: n/a (one Node process).
// Usage: node validate_manifests.js FILE.yaml...        validate; exit 1 listing every problem
//        node validate_manifests.js --list-flags FILE... print "<program> flag|env <name>" lines
//        node validate_manifests.js --policy FILE...      the manifests' operational promises hold
//        node validate_manifests.js --self-test          the checker must catch planted errors
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const MODELS = path.dirname(require.resolve("kubernetes-models/package.json"));
const NODE_MODULES = path.dirname(MODELS);

// Fields added to Kubernetes after the package's schemas, used on purpose, with their own shape.
const NEWER_FIELDS = {
  // Lifecycle preStop/postStart `sleep` action: beta in 1.30 (KEP-3960), on by default.
  IIoK8sApiCoreV1LifecycleHandler: {
    sleep: { type: "object", props: { seconds: { type: "integer" } }, required: ["seconds"] },
  },
};

// ---- TypeScript declaration reader ------------------------------------------------------------

const dtsCache = new Map();

// Reads one .d.ts: its imports (local name -> file) and interfaces (name -> {props, extendsTypeMeta}).
function readDts(file) {
  if (dtsCache.has(file)) return dtsCache.get(file);
  const src = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const info = { file, imports: new Map(), interfaces: new Map(), aliases: new Map(), types: new Set() };
  for (const m of src.matchAll(/import \{([^}]*)\} from "([^"]+)";/g)) {
    const target = m[2].startsWith(".")
      ? path.resolve(path.dirname(file), m[2]) + ".d.ts"
      : path.join(NODE_MODULES, m[2]) + ".d.ts";
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      const [orig, local] = name.split(/\s+as\s+/);
      info.imports.set(local || orig, { file: target, name: orig });
    }
  }
  for (const m of src.matchAll(/export \{([^}]*)\};/g)) {
    for (const part of m[1].split(",")) {
      const [orig, alias] = part.trim().split(/\s+as\s+/);
      if (alias) info.aliases.set(alias, orig);
    }
  }
  for (const m of src.matchAll(/export (?:declare )?type (\w+)/g)) info.types.add(m[1]);
  const re = /export interface (\w+)(?: extends ([\w, ]+))? \{/g;
  let m;
  while ((m = re.exec(src)) !== null) {
    const body = blockAt(src, re.lastIndex - 1);
    info.interfaces.set(m[1], { props: readProps(body), extendsTypeMeta: /TypeMeta/.test(m[2] || "") });
  }
  dtsCache.set(file, info);
  return info;
}

// The text between the brace at `open` and its matching close brace.
function blockAt(src, open) {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "{") depth++;
    else if (src[i] === "}" && --depth === 0) return src.slice(open + 1, i);
  }
  throw new Error("unbalanced braces in a declaration file");
}

// Top-level `"name"?: type;` members of an interface body.
function readProps(body) {
  const props = new Map();
  let i = 0;
  while (i < body.length) {
    const m = /^\s*"([^"]+)"\??:\s*/.exec(body.slice(i));
    if (!m) {
      const nl = body.indexOf("\n", i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    let j = i + m[0].length;
    let depth = 0;
    const start = j;
    for (; j < body.length; j++) {
      const c = body[j];
      if (c === "{" || c === "<" || c === "(") depth++;
      else if (c === "}" || c === ">" || c === ")") depth--;
      else if (c === ";" && depth === 0) break;
    }
    props.set(m[1], body.slice(start, j).replace(/\s+/g, " ").trim());
    i = j + 1;
  }
  return props;
}

// A type reference in the context of one file: {file, name} of an interface, or null (a leaf).
function resolveRef(info, name) {
  if (info.interfaces.has(name)) return { info, iface: info.interfaces.get(name), name };
  const imp = info.imports.get(name);
  if (!imp || !fs.existsSync(imp.file)) return null;
  const other = readDts(imp.file);
  const local = other.aliases.get(imp.name) || imp.name;
  if (other.interfaces.has(local)) return { info: other, iface: other.interfaces.get(local), name: imp.name };
  return null; // a type alias (IntOrString, Quantity, Time, ...): a leaf
}

// Walks `value` against the type text `type` declared in `info`, pushing unknown-field errors.
function walkType(value, type, info, where, errors) {
  type = type.trim();
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, k) => walkType(v, m[1], info, `${where}[${k}]`, errors));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+?);? \}$/.exec(type))) {
    if (value && typeof value === "object" && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walkType(v, m[1], info, join(where, k), errors);
    return;
  }
  if (!/^\w+$/.test(type)) return; // literal unions, primitives
  const ref = resolveRef(info, type);
  if (ref) walkInterface(value, ref, where, errors);
}

// "a.b" from "a" and "b"; just "b" at the top.
const join = (where, k) => (where ? `${where}.${k}` : k);

function walkInterface(value, ref, where, errors) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return; // the type check's job
  const extra = NEWER_FIELDS[ref.name] || {};
  for (const [k, v] of Object.entries(value)) {
    if (ref.iface.props.has(k)) walkType(v, ref.iface.props.get(k), ref.info, join(where, k), errors);
    else if (extra[k]) walkSchema(v, extra[k], join(where, k), errors);
    else if (!(ref.iface.extendsTypeMeta && (k === "apiVersion" || k === "kind")))
      errors.push(`${join(where, k)}: unknown field "${k}"`);
  }
}

// ---- small schemas for the kinds kubernetes-models does not ship --------------------------------

const str = { type: "string" };
const int = { type: "integer" };
const bool = { type: "boolean" };
const strList = { type: "array", items: str };
const obj = (props, required = []) => ({ type: "object", props, required });
const issuerRef = obj({ name: str, kind: str, group: str }, ["name"]);
const labelSelector = obj({
  matchLabels: { type: "map", values: str },
  matchExpressions: { type: "array", items: obj({ key: str, operator: str, values: strList }, ["key", "operator"]) },
});
const relabel = obj({
  sourceLabels: strList, separator: str, targetLabel: str, regex: str, modulus: int, replacement: str,
  action: str,
});
const nsSelector = obj({ any: bool, matchNames: strList });
const endpoint = (portField) =>
  obj({
    [portField]: str, targetPort: { type: "any" }, path: str, scheme: str, interval: str,
    scrapeTimeout: str, honorLabels: bool, relabelings: { type: "array", items: relabel },
    metricRelabelings: { type: "array", items: relabel },
  });
const CRDS = {
  "cert-manager.io/v1/Issuer": obj({
    selfSigned: obj({ crlDistributionPoints: strList }),
    ca: obj({ secretName: str, crlDistributionPoints: strList }, ["secretName"]),
  }),
  "cert-manager.io/v1/Certificate": obj(
    {
      secretName: str, commonName: str, dnsNames: strList, ipAddresses: strList, duration: str,
      renewBefore: str, isCA: bool, usages: strList, issuerRef,
      privateKey: obj({ algorithm: str, size: int, encoding: str, rotationPolicy: str }),
    },
    ["secretName", "issuerRef"],
  ),
  "monitoring.coreos.com/v1/PodMonitor": obj(
    {
      selector: labelSelector, namespaceSelector: nsSelector, jobLabel: str,
      podMetricsEndpoints: { type: "array", items: endpoint("port") },
    },
    ["selector"],
  ),
  "monitoring.coreos.com/v1/ServiceMonitor": obj(
    {
      selector: labelSelector, namespaceSelector: nsSelector, jobLabel: str,
      endpoints: { type: "array", items: endpoint("port") },
    },
    ["selector"],
  ),
};

function walkSchema(value, schema, where, errors) {
  switch (schema.type) {
    case "any":
      return;
    case "string":
    case "boolean":
      if (typeof value !== schema.type) errors.push(`${where}: must be ${schema.type}`);
      return;
    case "integer":
      if (!Number.isInteger(value)) errors.push(`${where}: must be integer`);
      return;
    case "array":
      if (!Array.isArray(value)) errors.push(`${where}: must be array`);
      else value.forEach((v, k) => walkSchema(v, schema.items, `${where}[${k}]`, errors));
      return;
    case "map":
      if (!value || typeof value !== "object" || Array.isArray(value)) errors.push(`${where}: must be object`);
      else for (const [k, v] of Object.entries(value)) walkSchema(v, schema.values, join(where, k), errors);
      return;
    default:
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        errors.push(`${where}: must be object`);
        return;
      }
      for (const r of schema.required || [])
        if (!(r in value)) errors.push(`${where}: must have required property ${r}`);
      for (const [k, v] of Object.entries(value)) {
        if (schema.props[k]) walkSchema(v, schema.props[k], join(where, k), errors);
        else errors.push(`${join(where, k)}: unknown field "${k}"`);
      }
  }
}

// ---- one object ---------------------------------------------------------------------------------

// Every problem of one object, as "Kind/name: path: message" strings.
function checkObject(o) {
  if (!o || typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string")
    return ["(document): not a Kubernetes object (apiVersion and kind)"];
  const id = `${o.kind}/${(o.metadata && o.metadata.name) || "?"}`;
  const errors = [];
  const crd = CRDS[`${o.apiVersion}/${o.kind}`];
  if (crd) {
    walkSchema(o, obj({ apiVersion: str, kind: str, metadata: { type: "any" }, spec: crd }, ["metadata", "spec"]),
      "", errors);
    const metaErrors = [];
    walkKubernetes({ apiVersion: "v1", kind: "ConfigMap", metadata: o.metadata }, metaErrors);
    return errors.concat(metaErrors).map((e) => `${id}: ${e}`);
  }
  walkKubernetes(o, errors);
  return errors.map((e) => `${id}: ${e}`);
}

function walkKubernetes(o, errors) {
  const group = o.apiVersion.includes("/") ? o.apiVersion : `v1`;
  const dir = path.join(MODELS, group);
  const dts = path.join(dir, `${o.kind}.d.ts`);
  if (!fs.existsSync(dts)) {
    errors.push(`: no schema for ${o.apiVersion} ${o.kind}`);
    return;
  }
  const Cls = require(dir)[o.kind];
  try {
    new Cls(o).validate();
  } catch (e) {
    for (const err of e.errors || [{ instancePath: "", message: e.message }])
      errors.push(`${err.instancePath.replace(/\//g, ".") || "."}: ${err.message}`);
  }
  const info = readDts(dts);
  const name = `I${o.kind}`;
  walkInterface(o, { info, iface: info.interfaces.get(name), name }, "", errors);
}

function loadObjects(file) {
  const out = [];
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o !== null) out.push(o);
  }
  return out;
}

// ---- modes --------------------------------------------------------------------------------------

function validateFiles(files) {
  let bad = 0;
  let n = 0;
  for (const f of files) {
    for (const o of loadObjects(f)) {
      n++;
      for (const e of checkObject(o)) {
        console.log(`${path.basename(f)}: ${e}`);
        bad++;
      }
    }
  }
  console.log(`${n} objects in ${files.length} files, ${bad} problems`);
  return bad === 0 && n > 0;
}

const PROGRAM = /(wsscale-(?:adapter|sidecar|server))(?::|@|$)/;

function podSpecs(o) {
  if (o.kind === "Pod") return [o.spec];
  if (o.spec && o.spec.template && o.spec.template.spec) return [o.spec.template.spec];
  return [];
}

function listFlags(files) {
  for (const f of files)
    for (const o of loadObjects(f))
      for (const ps of podSpecs(o))
        for (const c of [...(ps.initContainers || []), ...(ps.containers || [])]) {
          const m = PROGRAM.exec(c.image || "");
          if (!m) continue;
          for (const a of [...(c.command || []), ...(c.args || [])])
            if (a.startsWith("--")) console.log(`${m[1]} flag ${a.split("=")[0]}`);
          for (const e of c.env || []) console.log(`${m[1]} env ${e.name}`);
        }
}

// Seconds of a duration flag value such as 30s, 2m or 1m30s.
function seconds(text) {
  let total = 0;
  for (const m of String(text).matchAll(/(\d+)(h|m|s)/g)) total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2]];
  return total;
}

function argOf(c, flag) {
  const a = (c.args || []).find((x) => x.startsWith(`${flag}=`));
  return a === undefined ? undefined : a.slice(flag.length + 1);
}

// The operational promises of the manifests (docs/operations.md), over all objects of the files.
function policyChecks(files) {
  const all = files.flatMap(loadObjects);
  const errors = [];
  const expect = (cond, msg) => { if (!cond) errors.push(msg); };
  const find = (kind, name) => all.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  const adapter = find("Deployment", "wsscale-adapter")[0];
  const server = find("Deployment", "wsscale-server")[0];
  const hpa = find("HorizontalPodAutoscaler")[0];
  expect(adapter && server && hpa, "the adapter Deployment, the server Deployment and the HPA are all there");
  if (!adapter || !server || !hpa) return errors;
  const aps = adapter.spec.template.spec;
  const ac = aps.containers.find((c) => c.name === "adapter");
  expect(adapter.spec.replicas >= 2, "the adapter runs at least 2 replicas");
  expect(aps.affinity && aps.affinity.podAntiAffinity, "the adapter replicas have pod anti-affinity");
  expect(ac.securityContext.readOnlyRootFilesystem === true && aps.securityContext.runAsNonRoot === true,
    "the adapter runs non-root with a read-only root file system");
  expect(ac.livenessProbe.httpGet.path === "/livez" && ac.readinessProbe.httpGet.path === "/readyz",
    "the adapter's probes are /livez and /readyz");
  expect(!ac.args.some((a) => /^--(client-ca-file|requestheader-|authentication-skip-lookup)/.test(a)) &&
    !(ac.env || []).some((e) => e.name.startsWith("WSSCALE_REQUESTHEADER_")),
    "the adapter reads kube-system/extension-apiserver-authentication itself (no CA or requestheader flags, no skip-lookup)");
  expect(find("PodDisruptionBudget", "wsscale-adapter").length === 1, "the adapter has a PDB");
  const api = Object.fromEntries(find("APIService").map((o) => [o.metadata.name, o.spec]));
  for (const n of ["v1beta2.custom.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io", "v1beta1.external.metrics.k8s.io"]) {
    expect(api[n], `APIService ${n} is there`);
    if (api[n]) expect(api[n].service.name === "wsscale-adapter" && api[n].service.namespace === "wsscale-system",
      `APIService ${n} points at wsscale-system/wsscale-adapter`);
  }
  if (api["v1beta2.custom.metrics.k8s.io"] && api["v1beta1.custom.metrics.k8s.io"])
    expect(api["v1beta2.custom.metrics.k8s.io"].versionPriority > api["v1beta1.custom.metrics.k8s.io"].versionPriority,
      "v1beta2 has the higher versionPriority");
  const rb = find("RoleBinding", "wsscale-adapter-auth-reader")[0];
  expect(rb && rb.metadata.namespace === "kube-system" && rb.roleRef.name === "extension-apiserver-authentication-reader",
    "the extension-apiserver-authentication-reader RoleBinding is in kube-system");
  expect(find("ClusterRoleBinding").some((b) => b.roleRef.name === "system:auth-delegator"),
    "the adapter is bound to system:auth-delegator");

  const m = hpa.spec.metrics[0];
  expect(hpa.apiVersion === "autoscaling/v2" && m.type === "Pods" && m.pods.metric.name === "websocket_connections" &&
    m.pods.target.type === "AverageValue", "the HPA scales on the Pods metric websocket_connections, AverageValue");
  expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds >= 600, "scale-down waits at least 10 minutes");
  expect(hpa.spec.behavior.scaleDown.policies.every((p) => p.type === "Pods" && p.value === 1),
    "scale-down removes one pod at a time");
  expect(hpa.spec.minReplicas >= 2, "the HPA keeps at least 2 pods");
  expect(server.spec.replicas === undefined, "the server Deployment leaves replicas to the HPA");

  const ps = server.spec.template.spec;
  const sc = ps.containers.find((c) => c.name === "server");
  const car = ps.containers.find((c) => c.name === "sidecar");
  const token = ps.volumes.find((v) => v.projected).projected.sources[0].serviceAccountToken;
  expect(token.audience === argOf(ac, "--sidecar-audience"), "the sidecar token's audience is the adapter's --sidecar-audience");
  expect(/^https:\/\/wsscale-adapter-headless\.wsscale-system\.svc:6443$/.test(argOf(car, "--adapter-url")),
    "the sidecar pushes to the adapter's headless Service");
  const preStop = sc.lifecycle.preStop.sleep.seconds;
  const drain = seconds(argOf(sc, "--drain-delay")) + Number(argOf(sc, "--drain-seconds"));
  const sidecarDone = car.lifecycle.preStop.sleep.seconds + seconds(argOf(car, "--shutdown-timeout"));
  expect(sidecarDone >= preStop + drain, `the sidecar outlives the server's drain (${sidecarDone} s >= ${preStop + drain} s)`);
  expect(ps.terminationGracePeriodSeconds > sidecarDone,
    `terminationGracePeriodSeconds (${ps.terminationGracePeriodSeconds}) exceeds preStop + the sidecar's shutdown (${sidecarDone})`);
  for (const c of [sc, car])
    expect(c.volumeMounts.some((v) => v.mountPath === "/dev/shm"), `${c.name} mounts the shared /dev/shm`);
  expect(car.env.map((e) => e.name).sort().join() === "POD_NAME,POD_NAMESPACE,POD_UID", "the sidecar gets POD_* from the downward API");
  expect(ps.volumes.some((v) => v.downwardAPI && v.downwardAPI.items.some((i) => i.fieldRef.fieldPath === "metadata.labels")),
    "the pod's labels are a downward-API file");
  const ing = find("Ingress")[0];
  expect(ing && Number(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600 &&
    Number(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600,
    "the Ingress raises ingress-nginx's read and send timeouts to an hour");
  expect(find("PodDisruptionBudget", "wsscale-server").length === 1, "the server has a PDB");
  for (const o of all)
    for (const p of podSpecs(o))
      for (const c of p.containers)
        if (PROGRAM.test(c.image)) expect(/^localhost\/wsscale-(adapter|sidecar|server):0\.1\.0$/.test(c.image),
          `${c.name}'s image ${c.image} comes from the images list`);
  return errors;
}

function selfTest() {
  const good = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "t", labels: { a: "b" } },
    spec: {
      selector: { matchLabels: { a: "b" } },
      template: {
        metadata: { labels: { a: "b" } },
        spec: {
          containers: [
            {
              name: "c", image: "i", args: ["--x"], lifecycle: { preStop: { sleep: { seconds: 5 } } },
              resources: { requests: { cpu: "10m" } }, ports: [{ containerPort: 1, name: "p" }],
            },
          ],
        },
      },
    },
  };
  const clone = () => JSON.parse(JSON.stringify(good));
  const cases = [
    ["a correct Deployment", clone(), null],
    ["an unknown top-level spec field", Object.assign(clone(), { spec: { ...clone().spec, replica: 2 } }),
      'spec.replica: unknown field "replica"'],
    ["an unknown container field", (() => { const d = clone(); d.spec.template.spec.containers[0].imagePullPolicyy = "Always"; return d; })(),
      'spec.template.spec.containers[0].imagePullPolicyy: unknown field "imagePullPolicyy"'],
    ["an unknown field under a map-valued parent", (() => { const d = clone(); d.metadata.lables = { a: "b" }; return d; })(),
      'metadata.lables: unknown field "lables"'],
    ["an unknown field inside the sleep action", (() => { const d = clone(); d.spec.template.spec.containers[0].lifecycle.preStop.sleep.secs = 1; return d; })(),
      'sleep.secs: unknown field "secs"'],
    ["replicas as a string", (() => { const d = clone(); d.spec.replicas = "two"; return d; })(),
      ".spec.replicas: must be integer"],
    ["a missing selector", (() => { const d = clone(); delete d.spec.selector; return d; })(),
      ".spec: must have required property selector"],
    ["a typo deep in a projected volume", (() => { const d = clone(); d.spec.template.spec.volumes = [{ name: "t", projected: { sources: [{ serviceAccountToken: { path: "t", audiences: "x" } }] } }]; return d; })(),
      'spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken.audiences: unknown field "audiences"'],
    ["a typo in an HPA behavior", { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "d" }, maxReplicas: 2, behavior: { scaleDown: { stabilizationWindow: 600 } } } },
      'spec.behavior.scaleDown.stabilizationWindow: unknown field "stabilizationWindow"'],
    ["a Certificate with an unknown field", { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "c" },
      spec: { secretName: "s", issuerRef: { name: "i" }, dnsName: ["x"] } }, 'spec.dnsName: unknown field "dnsName"'],
    ["a PodMonitor with a wrong type", { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "p" },
      spec: { selector: {}, podMetricsEndpoints: [{ port: 9102 }] } }, "spec.podMetricsEndpoints[0].port: must be string"],
    ["an unknown kind", { apiVersion: "example.com/v1", kind: "Nope", metadata: { name: "n" } }, "no schema for example.com/v1 Nope"],
  ];
  let failed = 0;
  for (const [what, o, want] of cases) {
    const errs = checkObject(o);
    const ok = want === null ? errs.length === 0 : errs.some((e) => e.includes(want));
    console.log(`${ok ? "ok  " : "FAIL"} ${what}${want ? ` -> ${want}` : ""}${ok ? "" : `: got ${JSON.stringify(errs)}`}`);
    if (!ok) failed++;
  }
  return failed === 0;
}

function main(argv) {
  if (argv[0] === "--self-test") return selfTest() ? 0 : 1;
  if (argv[0] === "--policy") {
    const errors = policyChecks(argv.slice(1));
    for (const e of errors) console.log(`policy: not true: ${e}`);
    return errors.length === 0 ? 0 : 1;
  }
  if (argv[0] === "--list-flags") {
    listFlags(argv.slice(1));
    return 0;
  }
  if (argv.length === 0) {
    console.error("usage: validate_manifests.js FILE.yaml... | --list-flags FILE... | --self-test");
    return 2;
  }
  return validateFiles(argv) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
