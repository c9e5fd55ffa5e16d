// deploy/kubernetes without a cluster: the kustomization rendered (by a model of the fields it uses, its component's
// label transformer included, and by kubectl kustomize where installed), every object validated against the
// Kubernetes and Prometheus Operator schemas of kubernetes-models (types, required fields, patterns) and type-checked
// against their declarations (which is what catches a misspelt field), the objects checked against each other, the
// operator's selector label against where it must not go, the image against what `npm run release` builds, and the
// PrometheusRule against its sources.

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
  imagePullPolicy?: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities: { drop?: string[]; add?: string[] };
  };
  resources: { requests: { cpu?: string; memory?: string }; limits: { memory?: string } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  hostPID?: boolean;
  tolerations?: unknown[];
  securityContext: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string }; emptyDir?: { medium?: string } }[];
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
  components?: string[];
  images: { name: string; newTag: string }[];
}
interface Component {
  apiVersion: string;
  kind: string;
  transformers: string[];
}
/** kustomize's builtin LabelTransformer: labels written where a field spec selects. */
interface LabelTransformer {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  labels: Record<string, string>;
  fieldSpecs: { kind?: string; path: string; create?: boolean }[];
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

function onlyFields(what: string, o: object, known: string[]): void {
  const unknown = Object.keys(o).filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new Error(`${what} uses ${unknown.join(', ')}: extend the model in this test`);
}
const readObjects = (file: string): Obj[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Obj);

/**
 * The LabelTransformer for the field specs this model knows: metadata/labels of the kind named (of every kind when
 * none is), made where absent only with create. In place, as kustomize transforms its resource map.
 */
function applyLabelTransformer(objects: Obj[], lt: LabelTransformer): void {
  for (const fs of lt.fieldSpecs) {
    onlyFields(`LabelTransformer ${lt.metadata.name}'s field spec`, fs, ['kind', 'path', 'create']);
    if (fs.path !== 'metadata/labels') throw new Error(`field spec path ${fs.path}: extend the model in this test`);
    for (const o of objects) {
      if ((fs.kind !== undefined && fs.kind !== o.kind) || (o.metadata.labels === undefined && !fs.create)) continue;
      o.metadata.labels = { ...o.metadata.labels, ...lt.labels };
    }
  }
}

/**
 * kustomize's behaviour for the fields this kustomization uses: resources in order, then each component's
 * LabelTransformers, namespace set on every namespaced object, images retagged. The test fails if the kustomization
 * or a component starts using any other field or transformer.
 */
function kustomize(): { objects: Obj[]; kustomization: Kustomization; transformers: LabelTransformer[] } {
  const k = parse(readFileSync(`${DIR}/kustomization.yaml`, 'utf8')) as Kustomization;
  onlyFields('kustomization.yaml', k, ['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images']);
  for (const i of k.images) onlyFields('an images entry', i, ['name', 'newTag']);
  const objects: Obj[] = k.resources.flatMap((file) => readObjects(`${DIR}/${file}`));
  const transformers: LabelTransformer[] = [];
  for (const path of k.components ?? []) {
    const c = parse(readFileSync(`${DIR}/${path}/kustomization.yaml`, 'utf8')) as Component;
    onlyFields(`component ${path}`, c, ['apiVersion', 'kind', 'transformers']);
    if (`${c.apiVersion}/${c.kind}` !== 'kustomize.config.k8s.io/v1alpha1/Component')
      throw new Error(`${path} is a ${c.apiVersion}/${c.kind}, not a Component`);
    for (const file of c.transformers) {
      const lt = parse(readFileSync(`${DIR}/${path}/${file}`, 'utf8')) as LabelTransformer;
      onlyFields(`${path}/${file}`, lt, ['apiVersion', 'kind', 'metadata', 'labels', 'fieldSpecs']);
      if (`${lt.apiVersion}/${lt.kind}` !== 'builtin/LabelTransformer')
        throw new Error(`${path}/${file} is a ${lt.apiVersion}/${lt.kind}: extend the model in this test`);
      applyLabelTransformer(objects, lt);
      transformers.push(lt);
    }
  }
  for (const o of objects) {
    if (o.kind !== 'Namespace') o.metadata.namespace = k.namespace;
    const spec = o.spec as { template?: { spec?: { containers?: { image: string }[] } } } | undefined;
    for (const c of spec?.template?.spec?.containers ?? []) {
      const [name] = c.image.split(':');
      const image = k.images.find((i) => i.name === name);
      if (image) c.image = `${name}:${image.newTag}`;
    }
  }
  return { objects, kustomization: k, transformers };
}

const { objects, kustomization, transformers } = kustomize();
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
// CI has no kubectl: Debian bookworm's (kubernetes-client 1.20) embeds kustomize 2.0.3, which predates components
// (3.7), so it could not render this; the model above stands in for it there.
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

/** Where a key occurs in a value, as dotted paths from at: every depth, arrays included. */
function pathsOf(key: string, value: unknown, at: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k === key ? [`${at}.${k}`] : []),
    ...pathsOf(key, v, `${at}.${k}`),
  ]);
}
const releasePaths = (list: Obj[]): string[] => list.flatMap((o) => pathsOf('release', o, o.kind));

t.test(
  "kube-prometheus-stack's release label: on the ServiceMonitor and the PrometheusRule, nowhere else",
  async (t) => {
    // Anywhere else it would do harm: in the Service's selector it would match no pod (they don't carry it), in the
    // DaemonSet's selector it is immutable once applied, in the ServiceMonitor's selector it would match no Service.
    t.same(releasePaths(objects), ['ServiceMonitor.metadata.labels.release', 'PrometheusRule.metadata.labels.release']);
    t.equal(get('ServiceMonitor').metadata.labels!.release, 'kube-prometheus-stack', "the chart's usual release name");
    t.equal(get('PrometheusRule').metadata.labels!.release, 'kube-prometheus-stack');
    t.same(
      get('ServiceMonitor').metadata.labels,
      { 'app.kubernetes.io/name': 'zombie-exporter', release: 'kube-prometheus-stack' },
      'added to the labels the file has, none replaced',
    );

    // A control: the same transformer without its kinds labels every object, and the check above sees it.
    const unscoped = kustomize().objects.map((o) => structuredClone(o));
    for (const o of unscoped) if (o.metadata.labels) delete o.metadata.labels.release;
    applyLabelTransformer(unscoped, { ...transformers[0]!, fieldSpecs: [{ path: 'metadata/labels', create: true }] });
    t.ok(releasePaths(unscoped).includes('DaemonSet.metadata.labels.release'), 'the check can fail');
  },
);

t.test('the selector label comes from the component alone: no manifest, generated or not, carries one', async (t) => {
  for (const file of kustomization.resources)
    t.same(releasePaths(readObjects(`${DIR}/${file}`)), [], `${file} as written`);
  const { renderPrometheusRule } = (await import(`${DIR}/render-prometheusrule.mjs`)) as {
    renderPrometheusRule: () => string;
  };
  const generated = parse(renderPrometheusRule()) as Obj;
  t.same(generated.metadata.labels, { 'app.kubernetes.io/name': 'zombie-exporter' }, 'what the generator writes');
  t.same(
    get('PrometheusRule').metadata.labels,
    { ...generated.metadata.labels, ...transformers[0]!.labels },
    "kustomize's rendering: the generated labels and the component's, nothing else",
  );
});

t.test('the DaemonSet runs the image `npm run release` builds, tagged with the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { version: string };
  const { IMAGE_NAME } = (await import(`${REPO}scripts/release/build-image.mjs`)) as { IMAGE_NAME: string };
  t.equal(IMAGE_NAME, 'ghcr.io/zombie-exporter/zombie-exporter', 'the name the image archive carries');
  const entry = kustomization.images.find((i) => i.name === IMAGE_NAME);
  t.equal(entry?.newTag, version, "kustomization.yaml's newTag is package.json's version");
  const pod = (get('DaemonSet') as DaemonSetObj).spec.template.spec;
  t.equal(pod.containers[0]!.image, `ghcr.io/zombie-exporter/zombie-exporter:${version}`, 'as rendered');
  const written = readObjects(`${DIR}/daemonset.yaml`)[0] as DaemonSetObj;
  t.equal(written.spec.template.spec.containers[0]!.image, pod.containers[0]!.image, 'and as daemonset.yaml names it');
  t.equal(pod.containers[0]!.imagePullPolicy, 'IfNotPresent', 'an image loaded onto the node is used, not pulled');

  // The single executable writes its native reader to /tmp, and the root filesystem is read-only.
  const tmp = pod.containers[0]!.volumeMounts.find((m) => m.mountPath === '/tmp');
  t.ok(tmp && !tmp.readOnly, 'a writable /tmp');
  t.ok(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir, 'an emptyDir, nothing of the host');

  const readme = readFileSync(`${REPO}README.md`, 'utf8');
  const start = readme.indexOf('\n### Kubernetes\n');
  t.ok(start >= 0, 'the README has a Kubernetes section');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  t.match(section, `release/zombie-exporter-${version}.oci.tar`, 'its commands name the archive of this version');
  t.notMatch(section.replaceAll(version, ''), /zombie-exporter-\d+\.\d+\.\d+\.oci\.tar/, 'and no other');
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
