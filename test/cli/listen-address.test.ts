import t from 'tap';
import { parseListenAddress } from '../../src/cli/listen-address.js';

t.test('Go net.Listen address forms', async (t) => {
  t.same(parseListenAddress(':10070'), { host: '', port: 10070 });
  t.same(parseListenAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  t.same(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  t.same(parseListenAddress('[::1]:10070'), { host: '::1', port: 10070 });
  t.same(parseListenAddress('[::]:80'), { host: '::', port: 80 });
  for (const bad of ['', '10070', ':', ':abc', ':65536', '::1:80', '[::1]', 'host:1:2', ':123456']) {
    t.equal(parseListenAddress(bad), undefined, JSON.stringify(bad));
  }
});
