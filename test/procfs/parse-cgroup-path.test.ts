// Real /proc/PID/cgroup shapes from each runtime (test/fixtures/cgroup/), read through parseCgroup and
// primaryCgroupPath as the exporter does, then through describeCgroupPath. Each case says where its shape was seen.

import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseCgroup, primaryCgroupPath } from '../../src/procfs/parse-proc-cgroup.js';
import { describeCgroupPath, type CgroupOrigin } from '../../src/procfs/parse-cgroup-path.js';
import { FIXTURES } from '../helpers/fixtures.js';

const DIR = `${FIXTURES}/cgroup`;
const NONE: CgroupOrigin = { containerId: null, podUid: null, systemdUnit: null };

const DOCKER_ID = '9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d';
const PODMAN_ID = '3de7a364f9de8d8665d657d82d6503fb3f0bc7b275609d3cf8fd53f17f18296b';
const K8S_CONTAINERD_ID = 'f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830';

const cases: Record<string, { origin: CgroupOrigin; source: string }> = {
  // Sources named as owner/repo path (test name); the ids are the ones printed there.
  'docker-cgroupfs-v1': {
    origin: { ...NONE, containerId: '31cb02944da7a12196a193cf0e0f6c226d7c453a1db62e65ba98287593a2ee30' },
    source:
      'neuvector/neuvector share/system/cgroup_test.go (TestDockerIDUbuntu): docker, cgroupfs driver, /docker/<id>',
  },
  'docker-systemd-v1': {
    origin: { ...NONE, containerId: DOCKER_ID, systemdUnit: `docker-${DOCKER_ID}.scope` },
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestDockerIDCentOS): docker, systemd driver',
  },
  'docker-systemd-v2': {
    origin: { ...NONE, containerId: DOCKER_ID, systemdUnit: `docker-${DOCKER_ID}.scope` },
    source:
      "the scope above as cgroup v2 writes it (one 0:: line); Docker's runtime-metrics docs: the systemd driver is the default on v2",
  },
  'docker-in-docker-v1': {
    origin: { ...NONE, containerId: 'ec08435e04266c5ba381fccbb829f626d11d8ddf5f8f547263c7a2d79ab4787a' },
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestDockerIDRancherOS): the innermost container wins',
  },
  'kubepods-cgroupfs-containerd-v1': {
    origin: {
      ...NONE,
      containerId: '5dd96d5394ca930a854a390ea46f7515a8bc930123eb3251ba20f2708a38fc61',
      podUid: 'a36d0c1d-0b26-4451-8d80-9c195e004afa',
    },
    source:
      'neuvector/neuvector share/system/cgroup_test.go (TestK8sContainerd_v1_2_13): /kubepods/<qos>/pod<uid>/<id>',
  },
  'kubepods-cgroupfs-aks-v1': {
    origin: {
      ...NONE,
      containerId: '244a65edefdffe31685c42317c9054e71dc1193048cf9459e2a4dd35cbc1dba4',
      podUid: '0e886e9a-3879-45f9-b44d-86ef9df03224',
    },
    source:
      'Qard/container-info test/fixtures (result.js, as copied by elastic APM agents): AKS doubles /kubepods/kubepods',
  },
  'kubepods-cgroupfs-subcgroup-v1': {
    origin: {
      ...NONE,
      containerId: 'c04e0a88a1de067f25bece337d4dbb897396e0b623c2a65330850fc9823f1903',
      podUid: 'f8a694f2-7c08-11e9-98da-000c29077430',
    },
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestK8sProxyProcess): a sub-cgroup inside the container',
  },
  'kubepods-systemd-docker-v1': {
    origin: {
      containerId: 'b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70',
      podUid: '045b1e35-7f13-11e7-ac42-0050568ffca0',
      systemdUnit: 'docker-b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70.scope',
    },
    source:
      'neuvector/neuvector share/system/cgroup_test.go (TestDockerIDKubepods2); the UID dashes become underscores as in kubernetes/kubernetes pkg/kubelet/cm/cgroup_manager_linux_test.go (TestCgroupNameToSystemd)',
  },
  'kubepods-systemd-containerd-hybrid': {
    origin: {
      containerId: K8S_CONTAINERD_ID,
      podUid: 'dd1bf9d1-241d-47f5-8e25-12de83135812',
      systemdUnit: `cri-containerd-${K8S_CONTAINERD_ID}.scope`,
    },
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestK8sBottleRocket): v1 controllers plus the 0:: line',
  },
  'kubepods-systemd-containerd-v2': {
    origin: {
      containerId: K8S_CONTAINERD_ID,
      podUid: 'dd1bf9d1-241d-47f5-8e25-12de83135812',
      systemdUnit: `cri-containerd-${K8S_CONTAINERD_ID}.scope`,
    },
    source:
      "the Bottlerocket path above on a pure v2 host (burstable QoS): the issue's kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope form",
  },
  'kubepods-systemd-containerd-cgroupns-v2': {
    origin: {
      containerId: K8S_CONTAINERD_ID,
      podUid: 'dd1bf9d1-241d-47f5-8e25-12de83135812',
      systemdUnit: `cri-containerd-${K8S_CONTAINERD_ID}.scope`,
    },
    source:
      'the path above read from inside another pod\'s cgroup namespace: the kernel climbs with ".." (measured on this machine with unshare --cgroup: PID 1 reads 8:pids:/../..)',
  },
  'containerd-1.4-systemd-v1': {
    // The cgroup sits under containerd.service in this hierarchy, so that is the unit that holds the process.
    origin: {
      containerId: 'd3d8ccf5cca91931c6285c1d7472c413dd5a7700fddc0aa9f89a9ac7008b003e',
      podUid: '2105e389-7471-476e-a50f-6074cef29bbd',
      systemdUnit: 'containerd.service',
    },
    source:
      'neuvector/neuvector share/system/cgroup_test.go (TestK8sContainerd_v1_4_4): the systemd "slice:prefix:name" written literally',
  },
  'kubepods-systemd-crio-v1': {
    origin: {
      containerId: 'd6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607',
      podUid: '8ca306fa-3c03-47fa-97dd-19979c345572',
      systemdUnit: 'crio-d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607.scope',
    },
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestK8sCrio_v1_19): CRI-O 1.19 on OpenShift 4.6',
  },
  'kubepods-systemd-crio-static-pod-v1': {
    origin: {
      containerId: '7a1fd6fe8cdfbd44dc78c4cc85dad7031eaab4365801684cad0aabdeaf863f9e',
      podUid: '487a0dc6dccaeefbcfedba7a7ce1ca18',
      systemdUnit: 'crio-7a1fd6fe8cdfbd44dc78c4cc85dad7031eaab4365801684cad0aabdeaf863f9e.scope',
    },
    source:
      'neuvector/neuvector share/system/cgroup_test.go (TestK8sCrio_v1_17): a static pod, whose UID is a 32-digit hash',
  },
  'kubepods-cgroupfs-crio-v1': {
    origin: {
      ...NONE,
      containerId: '81e5c2990803c383229c9680ce964738d5e566d97f5bd436ac34808d2ec75d5f',
      podUid: '068e8fa0-9213-11e7-a01f-507b9d4141fa',
    },
    source: 'google/cadvisor container/crio/factory_test.go (TestCanHandleAndAccept): CRI-O with the cgroupfs driver',
  },
  'crio-conmon-v1': {
    origin: { ...NONE, podUid: '068e8fa0-9213-11e7-a01f-507b9d4141fa' },
    source:
      'google/cadvisor container/crio/factory_test.go: crio-conmon-<id> is the monitor, not the container (cadvisor rejects it too)',
  },
  'podman-systemd-v2': {
    origin: { ...NONE, containerId: PODMAN_ID, systemdUnit: `libpod-${PODMAN_ID}.scope` },
    source:
      'containers/podman libpod/container.go (SystemdDefaultCgroupParent "machine.slice") and its libpod-<id>.scope units; the /container sub-cgroup is podman\'s for systemd-in-container',
  },
  'podman-rootless-v2': {
    origin: { ...NONE, containerId: PODMAN_ID, systemdUnit: `libpod-${PODMAN_ID}.scope` },
    source:
      'containers/podman libpod/container.go (SystemdDefaultRootlessCgroupParent "user.slice"), under the user manager',
  },
  'podman-conmon-v2': {
    origin: { ...NONE, systemdUnit: `libpod-conmon-${PODMAN_ID}.scope` },
    source:
      'containers/podman libpod/oci_conmon_linux.go (createUnitName("libpod-conmon", ...)): the monitor, outside the container',
  },
  'podman-cgroupfs-v1': {
    origin: { ...NONE, containerId: PODMAN_ID },
    source: 'containers/podman libpod/container.go (CgroupfsDefaultCgroupParent "/libpod_parent")',
  },
  'systemd-service-v2': { origin: { ...NONE, systemdUnit: 'nginx.service' }, source: 'systemd: a system service' },
  'systemd-session-v2': {
    origin: { ...NONE, systemdUnit: 'session-4.scope' },
    source:
      'a login session, as in a ProcReader test of GetProcDetail found with the search tool (/proc/178776/cgroup)',
  },
  'systemd-escaped-v2': {
    origin: { ...NONE, systemdUnit: 'systemd-coredump@0-1234-0.service' },
    source: 'google/cadvisor container/crio/factory_test.go (system-systemd\\x2dcoredump.slice): unit escapes are kept',
  },
  'host-root-v1': {
    origin: NONE,
    source: 'neuvector/neuvector share/system/cgroup_test.go (TestHostProcess): a host process, all at /',
  },
};

t.test('every fixture is a real /proc/PID/cgroup file with a cited case', async (t) => {
  t.same(readdirSync(DIR).sort(), Object.keys(cases).sort());
});

for (const [file, { origin, source }] of Object.entries(cases)) {
  t.test(`${file}: ${source}`, async (t) => {
    const parsed = parseCgroup(readFileSync(`${DIR}/${file}`, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.failure);
    const path = primaryCgroupPath(parsed.value);
    t.ok(path, 'a primary path');
    t.same(describeCgroupPath(path!), origin);
  });
}

t.test('shapes no runtime writes name nothing', async (t) => {
  for (const path of [
    '/',
    '',
    '/user.slice',
    '/docker/not-an-id',
    `/docker/${'a'.repeat(63)}`,
    '/pod1234/abc',
    '/system.slice/x.slice',
  ]) {
    t.same(describeCgroupPath(path), NONE, path);
  }
  t.same(
    describeCgroupPath(`/machine.slice/libpod-${PODMAN_ID}.scope (deleted)`).containerId,
    PODMAN_ID,
    'a removed cgroup, as a v2 zombie shows it',
  );
  t.equal(
    describeCgroupPath('/pod0e886e9a-3879-45f9-b44d-86ef9df03224/x').podUid,
    null,
    'pod<uid> outside kubepods is not a pod',
  );
});
