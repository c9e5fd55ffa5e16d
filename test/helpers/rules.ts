// Reads the bundled Prometheus rule files and Grafana dashboards into typed lists, for tests that check them.

import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { REPO } from './processes.js';

export const RULES_DIR = `${REPO}deploy/prometheus`;
export const RULES_FILE = `${RULES_DIR}/zombie-exporter-rules.yml`;
export const ALERTS_FILE = `${RULES_DIR}/zombie-exporter-alerts.yml`;
export const RULE_TESTS = [
  `${RULES_DIR}/zombie-exporter-rules.test.yml`,
  `${RULES_DIR}/zombie-exporter-alerts.test.yml`,
];
export const GRAFANA_DIR = `${REPO}grafana`;
export const DEFAULT_SELECTOR = 'job="zombie-exporter"';

export interface Rule {
  group: string;
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups: { name: string; rules: Omit<Rule, 'group'>[] }[];
}

/** Every rule of a rule file, in file order, with its group's name. */
export function readRules(path: string): Rule[] {
  const file = parse(readFileSync(path, 'utf8')) as RuleFile;
  return file.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
}

/** The alerts the issue asks for; a rule file missing one fails the tests. */
export const ALERT_NAMES = [
  'ZombieLeak',
  'ZombiesHigh',
  'InitNotReaping',
  'ContainerInitNotReaping',
  'InitCpuHigh',
  'PidUsageHigh',
  'PidExhaustionForecast',
  'ProcfsTasksHidden',
  'CgroupForksRefused',
  'CgroupPidsExhaustionForecast',
  'CgroupPidsNearLimit',
  'ZombieExporterDown',
  'ZombieExporterSampleStale',
  'ZombieExporterSampleErrors',
] as const;

export interface PanelTarget {
  expr: string;
  refId: string;
  instant?: boolean;
  range?: boolean;
  datasource?: unknown;
  legendFormat?: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: unknown;
  targets?: PanelTarget[];
  panels?: Panel[];
  gridPos?: { x: number; y: number; w: number; h: number };
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: unknown;
  datasource?: unknown;
  [key: string]: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
  [key: string]: unknown;
}

/** The dashboards under grafana/, by file name. */
export function readDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(GRAFANA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(`${GRAFANA_DIR}/${file}`, 'utf8')) as Dashboard }));
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}
