// Pure reading of a cgroup path's names (as /proc/PID/cgroup writes them): the container, Kubernetes pod and systemd
// unit they encode, for the runtimes' naming schemes (the fixtures in test/procfs/parse-cgroup-path.test.ts cite
// where each shape was seen).

export interface CgroupOrigin {
  /**
   * The container's full id (64 hex digits): docker (`docker-<id>.scope`, `/docker/<id>`), containerd's CRI plugin
   * (`cri-containerd-<id>.scope`, a bare `<id>` under kubepods), CRI-O (`crio-<id>.scope`, `crio-<id>`), podman
   * (`libpod-<id>.scope`, `/libpod_parent/libpod-<id>`). The innermost one wins (Docker in Docker). Null when the path
   * names no container, and for the runtimes' monitors (`crio-conmon-<id>`, `libpod-conmon-<id>`), which run outside
   * the container they watch.
   */
  containerId: string | null;
  /**
   * The Kubernetes pod UID, with dashes, from a kubepods path: `pod<uid>` (cgroupfs driver) or
   * `kubepods-<qos>-pod<uid with underscores>.slice` (systemd driver, which turns the UID's dashes into underscores).
   * Static pods' UIDs are 32 hex digits without dashes. Null outside kubepods.
   */
  podUid: string | null;
  /**
   * The innermost systemd unit that can hold processes: a service, scope, socket, mount or swap unit, named as
   * systemctl takes it (escapes such as `\x2d` kept). Container scopes are units too. Null for slices only, or paths
   * systemd does not manage (cgroupfs drivers).
   */
  systemdUnit: string | null;
}

const HEX64 = '[0-9a-f]{64}';
const CONTAINER = [
  new RegExp(`^(?:docker|cri-containerd|crio|libpod)-(${HEX64})\\.scope$`),
  new RegExp(`^(?:crio|libpod)-(${HEX64})$`),
  new RegExp(`^(${HEX64})$`),
  // containerd 1.4 with the systemd driver on cgroup v1 wrote the systemd cgroupsPath "slice:prefix:name" literally.
  new RegExp(`^[^:]*:cri-containerd:(${HEX64})$`),
];
const UUID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32}';
const POD_CGROUPFS = new RegExp(`^pod(${UUID})$`);
const POD_SYSTEMD = new RegExp(`^(?:[\\w.-]*-)?kubepods(?:-[a-z]+)?-pod(${UUID})\\.slice(?::.*)?$`);
const UNIT = /\.(?:service|scope|socket|mount|swap)$/;

/** What a cgroup path says about where the process runs; all null for `/` or a path no runtime names. */
export function describeCgroupPath(path: string): CgroupOrigin {
  // v2 appends " (deleted)" for a zombie whose cgroup was removed; ".." climbs out of the reader's cgroup namespace.
  const parts = path
    .replace(/ \(deleted\)$/, '')
    .split('/')
    .filter((p) => p !== '' && p !== '..');
  let containerId: string | null = null;
  let podUid: string | null = null;
  let systemdUnit: string | null = null;
  let inKubepods = false;
  for (const part of parts) {
    if (part.includes('kubepods')) inKubepods = true;
    for (const re of CONTAINER) {
      const m = re.exec(part);
      if (m) containerId = m[1]!;
    }
    // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- the left side is false outside kubepods, and then the systemd form is tried
    const pod = (inKubepods && POD_CGROUPFS.exec(part)) || POD_SYSTEMD.exec(part);
    if (pod) podUid = pod[1]!.replaceAll('_', '-');
    if (UNIT.test(part)) systemdUnit = part;
  }
  return { containerId, podUid, systemdUnit };
}
