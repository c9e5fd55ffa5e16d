import t from 'tap';
import { negotiateFormat, TEXT_CONTENT_TYPE } from '../../src/metrics/exposition-format.js';

const OM_1 = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OM_0 = 'application/openmetrics-text; version=0.0.1; charset=utf-8';

t.test('Accept headers as scrapers send them', async (t) => {
  const cases: [string | undefined, string, string][] = [
    [undefined, TEXT_CONTENT_TYPE, 'no Accept: text'],
    ['*/*', TEXT_CONTENT_TYPE, 'curl'],
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      OM_1,
      'Prometheus 2.x',
    ],
    [
      'application/openmetrics-text;version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      OM_0,
      'Prometheus 2.5-2.25',
    ],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', TEXT_CONTENT_TYPE, 'Prometheus with OpenMetrics off'],
    ['application/openmetrics-text', OM_0, 'no version: 0.0.1, as client_golang answers'],
    [
      'text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.9',
      OM_1,
      'by quality, not by order',
    ],
    ['application/openmetrics-text;version=2.0.0,text/plain;q=0.1', TEXT_CONTENT_TYPE, 'a version we do not write'],
    ['application/openmetrics-text;version=1.0.0;q=0', TEXT_CONTENT_TYPE, 'q=0 is refused'],
    ['text/plain;version=0.0.3', TEXT_CONTENT_TYPE, 'nothing we write: text'],
    ['Application/OpenMetrics-Text; Version="1.0.0"', OM_1, 'case and quotes'],
    [
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3',
      TEXT_CONTENT_TYPE,
      'protobuf asked first, which we do not write',
    ],
    ['garbage, ;;;', TEXT_CONTENT_TYPE, 'garbage'],
  ];
  for (const [accept, contentType, what] of cases) {
    const n = negotiateFormat(accept);
    t.equal(n.contentType, contentType, what);
    t.equal(n.format, contentType === TEXT_CONTENT_TYPE ? 'text' : 'openmetrics', `${what}: format`);
  }
});
