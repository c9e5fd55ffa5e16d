// Builds release/zombie-exporter-<version>.oci.tar, the image deploy/kubernetes/daemonset.yaml names
// (ghcr.io/zombie-exporter/zombie-exporter:<version>), without a container engine: umoci lays out an OCI image whose
// one layer holds the single executable and the shared libraries ldd says it needs (FROM scratch, in effect), runs
// it as nobody, and the layout goes into a tar that `podman load -i` (oci-archive) and `skopeo copy oci-archive:...`
// take. The DaemonSet runs it read-only with a tmpfs /tmp (the native reader is written there once per thread).

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const IMAGE_NAME = 'ghcr.io/zombie-exporter/zombie-exporter';
const OCI_ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The shared objects exe loads, by the absolute paths ldd resolves them to (the vdso has none). */
export function sharedLibraries(exe) {
  const out = execFileSync('ldd', [exe], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

const umoci = (...args) => execFileSync('umoci', args, { stdio: 'pipe' });

/** Builds the image archive around the executable at exe; returns its path and the image reference. */
export function buildImage({ exe, out = join(ROOT, 'release') }) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const arch = OCI_ARCH[process.arch];
  if (!arch) throw new Error(`no OCI architecture for ${process.arch}`);
  const work = join(out, 'image');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const layout = join(work, 'layout');
  const bundle = join(work, 'bundle');
  const tag = pkg.version;
  umoci('init', '--layout', layout);
  umoci('new', '--image', `${layout}:${tag}`);
  umoci('unpack', '--rootless', '--image', `${layout}:${tag}`, bundle);

  const rootfs = join(bundle, 'rootfs');
  const put = (path, from, mode) => {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    copyFileSync(from, join(rootfs, path));
    chmodSync(join(rootfs, path), mode);
  };
  put('usr/bin/zombie-exporter', exe, 0o755);
  for (const lib of sharedLibraries(exe)) put(lib.slice(1), lib, 0o755);
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n',
  );
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const dir of ['tmp', 'proc', 'sys']) mkdirSync(join(rootfs, dir), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  umoci('repack', '--image', `${layout}:${tag}`, bundle);
  umoci(
    'config',
    '--image',
    `${layout}:${tag}`,
    '--os=linux',
    `--architecture=${arch}`,
    '--config.user=65534:65534',
    '--config.entrypoint=/usr/bin/zombie-exporter',
    '--config.env=NODE_OPTIONS=--max-semi-space-size=1',
    '--config.exposedports=10070/tcp',
    '--config.workingdir=/',
    `--config.label=org.opencontainers.image.version=${pkg.version}`,
    '--config.label=org.opencontainers.image.source=https://github.com/zombie-exporter/zombie-exporter',
  );
  umoci('gc', '--layout', layout);
  // umoci's tags are bare names; the archive names the full reference, which podman load and skopeo read.
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const reference = `${IMAGE_NAME}:${pkg.version}`;
  for (const m of index.manifests) m.annotations = { 'org.opencontainers.image.ref.name': reference };
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));

  const archive = join(out, `zombie-exporter-${pkg.version}.oci.tar`);
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', archive, '-C', layout, '.']);
  rmSync(work, { recursive: true, force: true });
  return { archive, reference };
}
