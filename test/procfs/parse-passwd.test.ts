import t from 'tap';
import { parsePasswd } from '../../src/procfs/parse-passwd.js';

t.test('uid -> name; the first entry for a uid wins, as getpwuid does', async (t) => {
  const names = parsePasswd(
    [
      'root:x:0:0:root:/root:/bin/bash',
      '# comment:x:5:5:::',
      '',
      '+nis::::::',
      '-nis2::::::',
      'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
      'alias:x:1000:1000::/home/x:/bin/sh',
      'short:x:7',
      ':x:8:8::/:/bin/sh',
      'bad:x:-1:0::/:/bin/sh',
      'huge:x:99999999999999999999:0::/:/bin/sh',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    ].join('\n'),
  );
  t.same(
    [...names],
    [
      [0, 'root'],
      [1000, 'alice'],
      [65534, 'nobody'],
    ],
  );
});
