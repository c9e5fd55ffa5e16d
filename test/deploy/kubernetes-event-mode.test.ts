// deploy/kubernetes/components/event-mode: its JSON 6902 patch applied to the DaemonSet as kustomize applies one
// (the add operations it uses), then judged: still a valid DaemonSet, in the host's network and PID namespaces, asking
// for events with flags the exporter accepts, and no more privileged than before.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { parseCommandLine } from '../../src/cli/config.js';
import { REPO } from '../helpers/processes.js';

const DIR = `${REPO}deploy/kubernetes/components/event-mode`;

interface Op {
  op: string;
  path: string;
  value: unknown;
}

/** RFC 6902 `add`, the one operation the patch uses: a member set, or an array element inserted (`-` appends). */
function add(doc: unknown, op: Op): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let at = doc as Record<string, unknown> | unknown[];
  for (const k of keys) {
    const next = Array.isArray(at) ? at[Number(k)] : at[k];
    if (next === undefined || next === null || typeof next !== 'object') throw new Error(`${op.path}: no ${k}`);
    at = next as Record<string, unknown> | unknown[];
  }
  if (Array.isArray(at)) at.splice(last === '-' ? at.length : Number(last), 0, op.value);
  else at[last] = op.value;
}

t.test('the event-mode component: hostNetwork, cluster DNS, --sample.mode=events, nothing more', async (t) => {
  const component = parse(readFileSync(`${DIR}/kustomization.yaml`, 'utf8')) as {
    apiVersion: string;
    kind: string;
    patches: { path: string; target: { kind: string; name: string } }[];
  };
  t.equal(`${component.apiVersion}/${component.kind}`, 'kustomize.config.k8s.io/v1alpha1/Component');
  t.same(
    component.patches.map((p) => p.target),
    [{ kind: 'DaemonSet', name: 'zombie-exporter' }],
  );
  const before = parse(readFileSync(`${REPO}deploy/kubernetes/daemonset.yaml`, 'utf8')) as IDaemonSet;
  t.equal(before.metadata?.name, 'zombie-exporter', 'the target names the DaemonSet');
  const ds = structuredClone(before);
  const ops = parse(readFileSync(`${DIR}/${component.patches[0]!.path}`, 'utf8')) as Op[];
  for (const op of ops) {
    t.equal(op.op, 'add', `${op.path}: an add`);
    add(ds, op);
  }
  new DaemonSet(ds).validate();
  const spec = ds.spec!.template.spec!;
  t.equal(spec.hostNetwork, true, "in the host's network namespace, where the connector answers");
  t.equal(spec.hostPID, true, 'and still its PID namespace, whose pids the events carry');
  t.equal(spec.dnsPolicy, 'ClusterFirstWithHostNet', 'keeping cluster DNS');
  const args = spec.containers[0]!.args!;
  t.equal(args.at(-1), '--sample.mode=events', 'events asked for outright');
  const parsed = parseCommandLine(args);
  t.equal(parsed.kind === 'run' && parsed.config.sampleMode, 'events', 'flags the exporter accepts');
  // Nothing else moved: the same securityContext, no capability added.
  t.same(ds.spec!.template.spec!.securityContext, before.spec!.template.spec!.securityContext);
  t.same(spec.containers[0]!.securityContext, before.spec!.template.spec!.containers[0]!.securityContext);
  t.notMatch(JSON.stringify(ds), /NET_ADMIN|privileged":true/, 'no capability, not privileged');
  const rest: Partial<typeof spec> = { ...spec };
  delete rest.hostNetwork;
  delete rest.dnsPolicy;
  const { containers, ...restBefore } = before.spec!.template.spec!;
  t.same(
    { ...rest, containers: undefined },
    { ...restBefore, containers: undefined },
    'the pod spec otherwise as it was',
  );
  t.same(containers[0]!.args, args.slice(0, -1), 'the args otherwise as they were');
});
