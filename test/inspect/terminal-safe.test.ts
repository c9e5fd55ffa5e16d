import t from 'tap';
import { terminalSafe } from '../../src/inspect/terminal-safe.js';

t.test('control characters, escapes and bidi controls are shown, not obeyed', async (t) => {
  t.equal(terminalSafe('bash'), 'bash');
  t.equal(terminalSafe('my app (v2)'), 'my app (v2)', 'spaces and parentheses are fine');
  t.equal(terminalSafe('a\nb'), 'a\\x0ab', 'a newline would forge a table row');
  t.equal(
    terminalSafe('\x1b[2J\x1b]0;pwned\x07'),
    '\\x1b[2J\\x1b]0;pwned\\x07',
    'escape sequences would drive the terminal',
  );
  t.equal(terminalSafe('x\x7fy\u009bz'), 'x\\x7fy\\x9bz', 'DEL and the C1 CSI');
  t.equal(terminalSafe('evil\u202etxt.exe'), 'evil\\u202etxt.exe', 'a right-to-left override would reorder the line');
  t.equal(terminalSafe('a\u2028b\u2066c'), 'a\\u2028b\\u2066c');
  t.equal(terminalSafe('back\\slash'), 'back\\\\slash', 'the backslash itself, so escapes stay unambiguous');
  t.equal(terminalSafe('naïve 名前 \ufffd'), 'naïve 名前 \ufffd', 'printable Unicode and U+FFFD are kept');
});
