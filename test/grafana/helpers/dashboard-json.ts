// The dashboard JSON that @grafana/schema describes, as a type a dashboard file's text can be checked against
// verbatim: the schema's Dashboard with each panel's options and custom field config typed by its panel kind.

import type {
  Dashboard,
  FieldConfig,
  FieldConfigSource,
  Panel,
  RowPanel,
  TableFieldOptions,
  TableOptions,
  VariableModel,
} from '@grafana/schema';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as Gauge from '@grafana/schema/dist/esm/raw/composable/gauge/panelcfg/x/GaugePanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as Text from '@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** `any` would take both branches of every conditional below and turn the whole type into `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * T as JSON spells it. The schema's string enums are TypeScript enums, and a JSON string is never assignable to one
 * (`"sm"` is not `TableCellHeight.Sm`), so each enum becomes the union of its values (`${TableCellHeight}` is
 * `"lg" | "md" | "sm"`). Mapping the type rather than casting the file's strings keeps the check as strict as the
 * enum: a cast `"small" as TableCellHeight` compiles, and `"small"` against `"lg" | "md" | "sm"` does not. Numeric
 * enums (graphTooltip, a variable's refresh) already accept their member values as plain numbers.
 */
export type Json<T> =
  IsAny<T> extends true
    ? unknown
    : T extends string
      ? `${T}`
      : T extends number | boolean | null | undefined
        ? T
        : T extends readonly (infer U)[]
          ? Json<U>[]
          : T extends object
            ? { [K in keyof T]: Json<T[K]> }
            : T;

/**
 * Options as a dashboard writes them: Grafana merges a panel's saved options (and custom field config) over the
 * panel plugin's defaults when it loads one, so any of them may be left out, at any depth. What is written must
 * still be an option of that panel kind, of the right type. An array is written whole, so its items stay complete.
 */
type Written<T> =
  IsAny<T> extends true
    ? unknown
    : T extends string
      ? `${T}`
      : T extends number | boolean | null | undefined
        ? T
        : T extends readonly (infer U)[]
          ? Json<U>[]
          : T extends object
            ? { [K in keyof T]?: Written<T[K]> }
            : T;

/** stat, gauge, bargauge and text have no custom field config: anything written there is a mistake. */
type NoCustom = Record<string, never>;

/**
 * Each panel kind the dashboards use (and text, for notes), by its `type`, with its options and custom field config.
 * The table's are the common TableOptions and TableFieldOptions: the table panel's own copy is deprecated in favour of
 * them.
 */
interface PanelKinds {
  timeseries: [TimeSeries.Options, TimeSeries.FieldConfig];
  stat: [Stat.Options, NoCustom];
  gauge: [Gauge.Options, NoCustom];
  bargauge: [BarGauge.Options, NoCustom];
  table: [TableOptions, TableFieldOptions];
  text: [Text.Options, NoCustom];
}

/** One object type rather than an intersection, so that the compiler names the property that is wrong. */
type Flat<T> = { [K in keyof T]: T[K] };

type PanelOf<K extends keyof PanelKinds> = Flat<
  Json<Omit<Panel, 'type' | 'options' | 'fieldConfig'>> & {
    type: K;
    options?: Written<PanelKinds[K][0]>;
    fieldConfig?: Flat<
      Json<Omit<FieldConfigSource, 'defaults'>> & {
        defaults: Flat<Json<Omit<FieldConfig, 'custom'>> & { custom?: Written<PanelKinds[K][1]> }>;
      }
    >;
  }
>;

/** A panel of a kind above; any other `type` (the retired `graph`, a misspelling) is an error. */
export type KindPanel = { [K in keyof PanelKinds]: PanelOf<K> }[keyof PanelKinds];

type Row = Flat<Json<Omit<RowPanel, 'panels'>> & { panels: KindPanel[] }>;

/**
 * Grafana writes a query variable's `definition` (its query as the variable editor shows it), and the v2 dashboard
 * schema's QueryVariableSpec has it; the VariableModel of the schema these files follow does not.
 */
type Variable = Flat<Json<VariableModel> & { definition?: string }>;

/** A dashboard file: @grafana/schema's Dashboard, with its variables as Grafana writes them and panels typed by kind. */
export type DashboardJson = Flat<
  Json<Omit<Dashboard, 'panels' | 'templating'>> & {
    templating?: { list?: Variable[] };
    panels?: (KindPanel | Row)[];
  }
>;
