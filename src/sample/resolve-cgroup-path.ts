// Turns a cgroup path relative to the exporter's cgroup namespace (`/../../x.slice/y.scope`) back into the
// hierarchy's own path, using the paths the cgroup walk read, so that labels join across metrics.

/**
 * /proc/PID/cgroup writes paths relative to the reader's cgroup namespace: in a Kubernetes pod on cgroup v2 (a
 * private cgroup namespace), a process in another pod reads as `/../../kubepods-burstable-pod<uid>.slice/
 * cri-containerd-<id>.scope`, while the walk of the host's /sys/fs/cgroup sees `/kubepods.slice/...`. The part after
 * the `..` climbs is a suffix of the real path; when exactly one walked cgroup ends with it, that is the one.
 * Otherwise the path is left as the kernel wrote it.
 */
export class CgroupPathResolver {
  private byLeaf: Map<string, string[]> | undefined;

  constructor(private readonly walked: readonly string[]) {}

  resolve(path: string): string {
    if (!path.startsWith('/..')) return path;
    const parts = path.split('/').filter((p) => p !== '');
    let i = 0;
    while (i < parts.length && parts[i] === '..') i++;
    if (i === parts.length) return path;
    const suffix = `/${parts.slice(i).join('/')}`;
    const leaf = parts[parts.length - 1]!;
    this.byLeaf ??= this.index();
    const matches = (this.byLeaf.get(leaf) ?? []).filter((p) => p.endsWith(suffix));
    return matches.length === 1 ? matches[0]! : path;
  }

  /** Built on first use: most samples meet no namespace-relative path and never pay for it. */
  private index(): Map<string, string[]> {
    const byLeaf = new Map<string, string[]>();
    for (const p of this.walked) {
      const leaf = p.slice(p.lastIndexOf('/') + 1);
      const list = byLeaf.get(leaf);
      if (list) list.push(p);
      else byLeaf.set(leaf, [p]);
    }
    return byLeaf;
  }
}
