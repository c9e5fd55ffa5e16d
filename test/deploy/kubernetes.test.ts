// deploy/kubernetes without a cluster: the kustomization rendered (by a model of the fields it uses, and by kubectl
// kustomize where installed), every object validated against the Kubernetes and Prometheus Operator schemas of
// kubernetes-models (types, required fields, patterns) and type-checked against their declarations (which is what
// catches a misspelt field), the objects checked against each other, and the PrometheusRule against its sources.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseCommandLine } from '../../src/cli/config.js';
import { REPO } from '../helpers/processes.js';
import { readRules, RULES_DIR } from '../helpers/rules.js';

const DIR = `${REPO}deploy/kubernetes`;
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
}

/** The fields the checks below read, as the manifests hold them; the schemas and declarations check the rest. */
interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities: { drop?: string[]; add?: string[] };
  };
  resources: { requests: { cpu?: string; memory?: string }; limits: { memory?: string } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  volumeMounts: { mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  hostPID?: boolean;
  tolerations?: unknown[];
  securityContext: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes: { hostPath?: { path: string } }[];
}
interface DaemonSetObj extends Obj {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface ServiceObj extends Obj {
  spec: { selector: Record<string, string>; ports: { name: string; targetPort: string | number }[] };
}
interface ServiceMonitorObj extends Obj {
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
}
interface PrometheusRuleObj extends Obj {
  spec: { groups: { name: string; rules: Record<string, unknown>[] }[] };
}
interface Kustomization {
  namespace: string;
  resources: string[];
  images: { name: string; newTag: string }[];
}

/** Each kind: its model (for validate()) and the TypeScript declaration to type-check it against. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each model's constructor takes its own kind's data; one map holds them all, as a mixin's `new (...args: any[])` does
const KINDS: Record<string, { model: new (data: any) => { validate(): void }; type: string; from: string }> = {
  'v1/Namespace': { model: Namespace, type: 'INamespace', from: 'kubernetes-models/v1/Namespace' },
  'v1/Service': { model: Service, type: 'IService', from: 'kubernetes-models/v1/Service' },
  'apps/v1/DaemonSet': { model: DaemonSet, type: 'IDaemonSet', from: 'kubernetes-models/apps/v1/DaemonSet' },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    model: ServiceMonitor,
    type: 'IServiceMonitor',
    from: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    model: PrometheusRule,
    type: 'IPrometheusRule',
    from: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  },
};
const key = (o: Obj): string => `${o.apiVersion}/${o.kind}`;

/**
 * kustomize's behaviour for the fields this kustomization uses: resources in order, namespace set on every namespaced
 * object, images retagged. The test fails if the kustomization starts using any other field.
 */
function kustomize(): { objects: Obj[]; kustomization: Kustomization } {
  const k = parse(readFileSync(`${DIR}/kustomization.yaml`, 'utf8')) as Kustomization;
  const known = ['apiVersion', 'kind', 'namespace', 'resources', 'images'];
  const unknown = Object.keys(k).filter((f) => !known.includes(f));
  if (unknown.length > 0)
    throw new Error(`kustomization.yaml uses ${unknown.join(', ')}: extend the model in this test`);
  const objects: Obj[] = k.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(`${DIR}/${file}`, 'utf8')).map((d) => d.toJS() as Obj),
  );
  for (const o of objects) {
    if (o.kind !== 'Namespace') o.metadata.namespace = k.namespace;
    const spec = o.spec as { template?: { spec?: { containers?: { image: string }[] } } } | undefined;
    for (const c of spec?.template?.spec?.containers ?? []) {
      const [name] = c.image.split(':');
      const image = k.images.find((i) => i.name === name);
      if (image) c.image = `${name}:${image.newTag}`;
    }
  }
  return { objects, kustomization: k };
}

const { objects, kustomization } = kustomize();
const get = (kind: string): Obj => objects.find((o) => o.kind === kind)!;

t.test('the kustomization: one of each object, all in its namespace', async (t) => {
  t.same(
    objects.map((o) => o.kind),
    ['Namespace', 'DaemonSet', 'Service', 'ServiceMonitor', 'PrometheusRule'],
  );
  t.ok(
    objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === get('Namespace').metadata.name),
  );
});

const kubectl = spawnSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' });
// Debian has no kubectl package, so CI can't install one; the model above stands in for it there.
const noKubectl = kubectl.error !== undefined && 'kubectl not found: the kustomize model in this test stands in for it';
t.test('kubectl kustomize renders the same objects', { skip: noKubectl }, async (t) => {
  t.equal(kubectl.status, 0, kubectl.stderr);
  const rendered = parseAllDocuments(kubectl.stdout).map((d) => d.toJS() as Obj);
  const byName = (list: Obj[]) => Object.fromEntries(list.map((o) => [`${key(o)}/${o.metadata.name}`, o]));
  t.same(byName(rendered), byName(objects));
});

t.test('every object validates against its schema', async (t) => {
  for (const o of objects) {
    const kind = KINDS[key(o)];
    if (!kind) {
      t.fail(`${key(o)} has no model in this test`);
      continue;
    }
    t.doesNotThrow(() => new kind.model(o).validate(), `${o.kind} ${o.metadata.name}`);
  }
  const broken = structuredClone(get('DaemonSet') as DaemonSetObj);
  (broken.spec.template.spec as { hostPID: unknown }).hostPID = 'yes';
  t.throws(() => new DaemonSet(broken as IDaemonSet).validate(), /hostPID must be boolean/, 'the validator can fail');
});

t.test('every object type-checks against its declaration: no misspelt or unknown field', async (t) => {
  const dir = `${REPO}test/output/manifest-types`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = (list: Obj[]): string =>
    [
      ...new Set(list.map((o) => `import type { ${KINDS[key(o)]!.type} } from '${KINDS[key(o)]!.from}';`)),
      ...list.map((o, i) => `export const o${i}: ${KINDS[key(o)]!.type} = ${JSON.stringify(o, null, 2)};`),
    ].join('\n');
  writeFileSync(`${dir}/manifests.ts`, file(objects));
  // A control: the same DaemonSet with one field misspelt must fail, or the check proves nothing.
  const typo = structuredClone(get('DaemonSet') as DaemonSetObj);
  const typoPod: PodSpec & { hostPid?: boolean } = typo.spec.template.spec;
  typoPod.hostPid = typoPod.hostPID;
  delete typoPod.hostPID;
  writeFileSync(`${dir}/typo.ts`, file([typo]));
  writeFileSync(
    `${dir}/tsconfig.json`,
    JSON.stringify({
      extends: '../../../tsconfig.json',
      compilerOptions: { noEmit: true, types: [] },
      include: ['*.ts'],
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [`${REPO}node_modules/typescript/bin/tsc`, '--pretty', 'false', '-p', `${dir}/tsconfig.json`],
    { encoding: 'utf8' },
  );
  const errors = tsc.stdout.split('\n').filter((l) => l.includes('error TS'));
  t.same(
    errors.filter((e) => !e.includes('typo.ts(')),
    [],
    'the manifests: no type errors',
  );
  t.match(
    errors.join('\n'),
    /typo\.ts\(.*'"hostPid"' does not exist in type 'IPodSpec'/,
    'the misspelt control is caught',
  );
  t.equal(tsc.status === 0 ? 0 : errors.length, 1, 'exactly the one error');
});

t.test('the objects fit together and keep the promises of the issue', async (t) => {
  const ds = get('DaemonSet') as DaemonSetObj;
  const pod = ds.spec.template.spec;
  const container = pod.containers[0]!;
  t.ok(pod.hostPID, "the host's PID namespace");
  t.same(pod.tolerations, [{ operator: 'Exists' }], 'tolerates every taint: runs on every node');
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.equal(container.securityContext.readOnlyRootFilesystem, true);
  t.equal(container.securityContext.allowPrivilegeEscalation, false);
  t.same(container.securityContext.capabilities.drop, ['ALL']);
  t.notOk(container.securityContext.capabilities.add, 'none added');
  t.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  t.equal(container.readinessProbe.httpGet.path, '/healthz');
  t.ok(
    container.ports.some((p) => p.name === container.readinessProbe.httpGet.port),
    'the probe names a container port',
  );
  t.same(
    ds.spec.selector.matchLabels,
    Object.fromEntries(
      Object.entries(ds.spec.selector.matchLabels).filter(([k, v]) => ds.spec.template.metadata.labels[k] === v),
    ),
  );

  // The args are the exporter's own flags, and --path.sysfs is where the host's /sys is mounted.
  const parsed = parseCommandLine(container.args);
  t.equal(parsed.kind, 'run');
  if (parsed.kind === 'run') {
    t.ok(
      container.volumeMounts.some((m) => m.mountPath === parsed.config.sysfsPath && m.readOnly),
      '--path.sysfs is a read-only mount',
    );
    t.equal(`:${container.ports[0]!.containerPort}`, parsed.config.listenAddress.text);
  }
  t.ok(
    pod.volumes.every((v) => !v.hostPath || v.hostPath.path === '/sys'),
    'no host path but /sys',
  );

  const svc = get('Service') as ServiceObj;
  t.ok(
    Object.entries(svc.spec.selector).every(([k, v]) => ds.spec.template.metadata.labels[k] === v),
    'the Service selects the pods',
  );
  t.equal(svc.spec.ports[0]!.targetPort, container.ports[0]!.name);
  const sm = get('ServiceMonitor') as ServiceMonitorObj;
  t.ok(
    Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels![k] === v),
    'the ServiceMonitor selects the Service',
  );
  t.equal(sm.spec.endpoints[0]!.port, svc.spec.ports[0]!.name);
  t.equal(svc.metadata.name, 'zombie-exporter', 'its name is the job label the rules select');
  t.equal(
    kustomization.images[0]!.name,
    container.image.split(':')[0],
    'the kustomization retags the image the DaemonSet runs',
  );
});

t.test('the PrometheusRule is a fresh generation of deploy/prometheus, and holds the same rules', async (t) => {
  const { renderPrometheusRule, OUTPUT } = (await import(`${DIR}/render-prometheusrule.mjs`)) as {
    renderPrometheusRule: () => string;
    OUTPUT: string;
  };
  t.equal(
    readFileSync(OUTPUT, 'utf8'),
    renderPrometheusRule(),
    'regenerate it: node deploy/kubernetes/render-prometheusrule.mjs',
  );
  const groups = (get('PrometheusRule') as PrometheusRuleObj).spec.groups;
  const rules = groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
  const sources = [
    ...readRules(`${RULES_DIR}/zombie-exporter-rules.yml`),
    ...readRules(`${RULES_DIR}/zombie-exporter-alerts.yml`),
  ];
  t.same(rules, sources);
  t.ok(rules.length > 10);
});
