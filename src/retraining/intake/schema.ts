import { createHash } from 'node:crypto';

import type { TargetConfig } from '../configSchema';
import { TargetColumns, targetColumnsOf } from '../dialect';
import { Task, taskOf } from '../task';

export type ColumnType = 'numeric' | 'text';

/** What a target's data must hold, as the validate-and-hash pass checks it. */
export interface IntakeSchema {
    columns: TargetColumns;
    /** Undefined when the config neither says nor implies it: the label then only has to be non-empty. */
    task: Task | undefined;
    /** Per canonical column (features in config order, then the label): how its values are checked. */
    checks: ('numeric' | 'text' | 'class' | 'label-number')[];
    /** Classification: the label values the model can learn (absent: any non-empty value). */
    classes?: string[];
    /** A fingerprint of all the above: a verdict cached under another schema is judged again. */
    key: string;
}

/** The data-describing part of a target, as the config or the targets API gives it (task resolved). */
export interface IntakeData {
    labelColumn: string;
    featureColumns: readonly string[];
    task: Task | undefined;
    columnTypes?: Record<string, ColumnType>;
    classes?: readonly string[];
}

/** The schema files of a target are judged against. */
export function intakeSchemaOf(data: IntakeData): IntakeSchema {
    const columns = targetColumnsOf(data);
    const checks: IntakeSchema['checks'] = data.featureColumns.map((c) => data.columnTypes?.[c] ?? 'numeric');
    checks.push(data.task === 'regression' ? 'label-number' : 'class');
    const classes = data.task !== 'regression' && data.classes ? [...data.classes] : undefined;
    // Version 1 of the rules below; bump when what a verdict means changes, so caches renew.
    const key = createHash('sha256')
        .update(
            JSON.stringify({ v: 1, names: columns.names, task: data.task ?? null, checks, classes: classes ?? null }),
        )
        .digest('hex')
        .slice(0, 16);
    return { columns, task: data.task, checks, ...(classes ? { classes } : {}), key };
}

/** The intake data of a validated target config. */
export function intakeDataOf(target: TargetConfig): IntakeData {
    return {
        labelColumn: target.data.labelColumn,
        featureColumns: target.data.featureColumns,
        task: taskOf(target),
        ...(target.data.columnTypes ? { columnTypes: target.data.columnTypes } : {}),
        ...(target.data.classes ? { classes: target.data.classes } : {}),
    };
}
