// bcrypt hashes as operators make them: `htpasswd -nBC 10` (Debian's apache2-utils), required under CI.

import { spawnSync } from 'node:child_process';
import bcrypt from 'bcryptjs';

/** The $2y$ hash htpasswd writes for this password; bcryptjs's $2b$ one when htpasswd is missing outside CI. */
export function bcryptHash(user: string, password: string, cost = 10): string {
  const r = spawnSync('htpasswd', ['-nbBC', String(cost), user, password], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return r.stdout.trim().slice(user.length + 1);
  if (process.env.CI)
    throw new Error('htpasswd is required under CI (Debian package apache2-utils); .ci/run installs it');
  return bcrypt.hashSync(password, cost);
}
