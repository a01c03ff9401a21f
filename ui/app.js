// The Retrainer status page. Plain browser JavaScript, no build step: it reads the app's small
// JSON API under /api/ui/api/ (same origin, signed in by App Service Authentication) and draws
// with Chart.js, served by the app itself. One summary request per refresh; a target's history is
// fetched when its page opens and again only when the summary shows it has a new run.
'use strict';

const API = 'api/';
const REFRESH_IN_MS = 5000;
const STATES = ['Promoted', 'Rejected', 'RolledBack', 'Failed', 'Cancelled'];
const STYLE = {
    Promoted: { pointStyle: 'circle', color: '#146c2e' },
    Rejected: { pointStyle: 'crossRot', color: '#a4161a' },
    RolledBack: { pointStyle: 'triangle', color: '#7a4b00' },
    Failed: { pointStyle: 'rect', color: '#4a4a4a' },
    Cancelled: { pointStyle: 'rectRot', color: '#4a4a4a' },
};

let summary = null;
let shown = { view: '', key: '', lastRunId: '' };
const charts = [];

const main = document.getElementById('main');
/** Appends the given nodes to the page, leaving out the absent ones (a section with nothing to show). */
const show = (...nodes) =>
    main.append(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
const statusLine = document.getElementById('status');

/** Builds an element: el('a', { href: '#/' }, 'text', child...). Text is always set as text. */
function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
        if (c === undefined || c === null || c === false) continue;
        e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
}

async function getJson(path) {
    const res = await fetch(API + path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
    return body;
}

/** A table's header row: one `th scope=col` a column; a null column is left out. */
function tableHead(columns) {
    return el(
        'thead',
        {},
        el(
            'tr',
            {},
            columns.map((c) => (c === null ? null : el('th', { scope: 'col' }, c))),
        ),
    );
}

/**
 * A labelled data table: `columns` are the header cells, each row an array of cells (text or
 * elements); the first cell of a row is its header (`th scope=row`) when `rowHeaders` is set.
 */
function dataTable(label, columns, rows, rowHeaders = false) {
    return el(
        'table',
        { 'aria-label': label },
        tableHead(columns),
        el(
            'tbody',
            {},
            rows.map((cells) =>
                el(
                    'tr',
                    {},
                    cells.map((c, i) => (rowHeaders && i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c))),
                ),
            ),
        ),
    );
}

function ago(iso) {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 90) return `${s} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    if (s < 129600) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} days ago`;
}

function elapsed(iso) {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function stateCell(state) {
    return el('span', { class: `state-${state}` }, state);
}

function fmt(v) {
    return typeof v === 'number' ? Number(v.toPrecision(4)).toString() : '';
}

function route() {
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'target' && parts[1]) return { view: 'target', target: parts[1], key: `target/${parts[1]}` };
    if (parts[0] === 'run' && parts[1] && parts[2])
        return { view: 'run', target: parts[1], runId: parts[2], key: `run/${parts[1]}/${parts[2]}` };
    return { view: 'list', key: 'list' };
}

function clear() {
    while (charts.length) charts.pop().destroy();
    main.replaceChildren();
}

/**
 * The warning that the endpoint may be serving a run's model that failed verification (its rollback
 * failed too), in `retrainer status`'s words (`u.note`), with a link to that run's record. Words,
 * not colour, carry it. `alert` (announced when it appears) only where the view is drawn once; the
 * list is redrawn every refresh, and an alert there would be announced every few seconds.
 */
function unverifiedWarning(target, u, { alert, named }) {
    return el(
        'div',
        { class: 'warning', role: alert ? 'alert' : null, 'data-unverified': target },
        el('p', {}, el('strong', {}, 'Warning: '), named ? `${target}: ` : '', u.note),
        el(
            'p',
            {},
            el(
                'a',
                { href: `#/run/${encodeURIComponent(target)}/${encodeURIComponent(u.runId)}` },
                `Run ${u.runId}`,
                el('span', { class: 'visually-hidden' }, ` of ${target}`),
            ),
            ` began its rollback at ${new Date(u.at).toLocaleString()}.`,
        ),
    );
}

function renderList() {
    clear();
    show(el('h2', {}, 'Targets'));
    show(
        summary.targets
            .filter((t) => t.unverifiedModel)
            .map((t) => unverifiedWarning(t.name, t.unverifiedModel, { alert: false, named: true })),
    );
    const rows = summary.targets.map((t) =>
        el(
            'tr',
            { 'data-target': t.name },
            el('th', { scope: 'row' }, el('a', { href: `#/target/${encodeURIComponent(t.name)}` }, t.name)),
            el(
                'td',
                {},
                t.champion
                    ? [
                          el('code', {}, t.champion.runId),
                          el('br'),
                          el('span', { class: 'muted' }, `promoted ${ago(t.champion.promotedAt)}`),
                      ]
                    : el('span', { class: 'muted' }, 'none yet'),
                t.unverifiedModel
                    ? [
                          el('br'),
                          el(
                              'strong',
                              {},
                              'Warning: may be serving run ',
                              el('code', {}, t.unverifiedModel.runId),
                              ' instead, unverified',
                          ),
                      ]
                    : null,
            ),
            el(
                'td',
                {},
                t.lastRun
                    ? [
                          stateCell(t.lastRun.state),
                          ' ',
                          el(
                              'a',
                              { href: `#/run/${encodeURIComponent(t.name)}/${encodeURIComponent(t.lastRun.runId)}` },
                              'details',
                              el('span', { class: 'visually-hidden' }, ` of ${t.name}'s last run`),
                          ),
                          el('br'),
                          el('span', { class: 'muted' }, ago(t.lastRun.endedAt)),
                      ]
                    : el('span', { class: 'muted' }, 'no runs yet'),
            ),
            el(
                'td',
                {},
                t.inFlight
                    ? [
                          el(
                              'span',
                              { class: 'inflight' },
                              `${t.inFlight.step || t.inFlight.runtimeStatus}`,
                              t.inFlight.since ? ` for ${elapsed(t.inFlight.since)}` : '',
                          ),
                          t.inFlight.step === 'awaiting-approval' && t.inFlight.runId
                              ? [
                                    ' ',
                                    el(
                                        'a',
                                        {
                                            href: `#/run/${encodeURIComponent(t.name)}/${encodeURIComponent(t.inFlight.runId)}`,
                                        },
                                        'decide',
                                        el('span', { class: 'visually-hidden' }, ` on ${t.name}'s waiting run`),
                                    ),
                                ]
                              : null,
                      ]
                    : el('span', { class: 'muted' }, 'idle'),
            ),
        ),
    );
    show(
        el(
            'table',
            { 'aria-label': 'Targets' },
            tableHead(['Target', 'Serving model', 'Last run', 'In flight']),
            el('tbody', {}, rows),
        ),
    );
}

/** The champion's value of `metric` after each run: the last promoted run's, carried forward. */
function championLine(runs, metric) {
    let current;
    return runs.map((r, i) => {
        if (r.state === 'Promoted' && typeof r.metrics[metric] === 'number') current = r.metrics[metric];
        return { x: i + 1, y: current === undefined ? null : current };
    });
}

function chartFor(history, rule) {
    const runs = history.runs;
    const datasets = [];
    for (const state of STATES) {
        const points = runs
            .map((r, i) => ({ x: i + 1, y: r.metrics[rule.key], runId: r.runId, state: r.state }))
            .filter((p) => p.state === state && typeof p.y === 'number');
        if (points.length === 0) continue;
        datasets.push({
            type: 'scatter',
            label: state,
            data: points,
            pointStyle: STYLE[state].pointStyle,
            pointRadius: 7,
            pointHoverRadius: 9,
            borderColor: STYLE[state].color,
            backgroundColor: STYLE[state].color,
        });
    }
    datasets.push({
        type: 'line',
        label: 'Champion',
        data: championLine(runs, rule.key),
        stepped: true,
        spanGaps: false,
        borderColor: '#0b5cad',
        borderWidth: 2,
        pointRadius: 0,
    });
    if (typeof rule.threshold === 'number') {
        datasets.push({
            type: 'line',
            label: `Threshold ${fmt(rule.threshold)} (${rule.higherIsBetter ? 'below' : 'above'} fails)`,
            data: [
                { x: 0.5, y: rule.threshold },
                { x: runs.length + 0.5, y: rule.threshold },
            ],
            fill: rule.higherIsBetter ? 'start' : 'end',
            backgroundColor: 'rgba(164, 22, 26, 0.10)',
            borderColor: '#a4161a',
            borderDash: [6, 4],
            pointRadius: 0,
        });
    }
    const id = `chart-${rule.metric.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const canvas = el('canvas', {
        id,
        role: 'img',
        'aria-label': `${rule.metric} of ${runs.length} judged runs; the same numbers are in the table below.`,
        'data-metric': rule.metric,
    });
    const box = el('div', { class: 'chart' }, canvas);
    // The approval column appears once any run went through the approval step.
    const approvals = runs.some((r) => r.approval);
    const table = dataTable(
        `${rule.metric} by run`,
        ['Run', 'Outcome', rule.metric, ...(approvals ? ['Approval'] : [])],
        runs.map((r, i) => [
            [
                `${i + 1}. `,
                el('a', { href: `#/run/${encodeURIComponent(history.name)}/${encodeURIComponent(r.runId)}` }, r.runId),
            ],
            stateCell(r.state),
            fmt(r.metrics[rule.key]),
            ...(approvals ? [r.approval || '—'] : []),
        ]),
    );
    const section = el(
        'section',
        { 'aria-labelledby': `${id}-h` },
        el('h3', { id: `${id}-h` }, rule.metric, rule.higherIsBetter ? ' (higher is better)' : ' (lower is better)'),
        box,
        el('details', {}, el('summary', {}, `${rule.metric} as a table`), table),
    );
    return { section, canvas, datasets };
}

function draw(canvas, datasets, rule, runCount) {
    if (!window.Chart) return;
    charts.push(
        new window.Chart(canvas, {
            data: { datasets },
            options: {
                animation: false,
                responsive: true,
                maintainAspectRatio: false,
                scales: {
                    // Half a run of room on each side, so the first and last points are not cut by the axes.
                    x: {
                        type: 'linear',
                        min: 0.5,
                        max: runCount + 0.5,
                        title: { display: true, text: 'run' },
                        ticks: { stepSize: 1, precision: 0, callback: (v) => (Number.isInteger(v) ? v : '') },
                    },
                    y: { grace: '10%', title: { display: true, text: rule.metric } },
                },
                plugins: {
                    legend: { labels: { usePointStyle: true, color: '#1b1b1b' } },
                    tooltip: {
                        callbacks: {
                            label: (ctx) =>
                                ctx.raw && ctx.raw.runId
                                    ? `${ctx.raw.runId} (${ctx.raw.state}): ${fmt(ctx.raw.y)}`
                                    : `${ctx.dataset.label}: ${fmt(ctx.parsed.y)}`,
                        },
                    },
                },
            },
        }),
    );
}

async function renderTarget(name) {
    const history = await getJson(`targets/${encodeURIComponent(name)}`);
    clear();
    show(el('p', {}, el('a', { href: '#/' }, '← All targets')), el('h2', {}, `Target ${history.name}`));
    if (history.unverifiedModel) {
        show(unverifiedWarning(history.name, history.unverifiedModel, { alert: true, named: false }));
    }
    if (history.runs.length === 0) show(el('p', { class: 'muted' }, 'No judged runs yet.'));
    for (const rule of history.metrics) {
        const { section, canvas, datasets } = chartFor(history, rule);
        show(section);
        draw(canvas, datasets, rule, history.runs.length);
    }
    show(el('h3', {}, 'Lineage of the serving model'));
    if (history.champion) {
        show(
            el(
                'ol',
                { class: 'lineage' },
                history.champion.lineage.map((id) =>
                    el(
                        'li',
                        {},
                        el('a', { href: `#/run/${encodeURIComponent(history.name)}/${encodeURIComponent(id)}` }, id),
                        id !== history.champion.runId
                            ? ''
                            : history.unverifiedModel
                              ? ' (the champion; the endpoint may be serving another model: see the warning above)'
                              : ' (serving now)',
                    ),
                ),
            ),
        );
    } else {
        show(el('p', { class: 'muted' }, 'No model promoted yet.'));
    }
}

function kv(rows) {
    return el(
        'table',
        {},
        el(
            'tbody',
            {},
            rows.filter(Boolean).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))),
        ),
    );
}

/**
 * A metric's name for people, as the app names it (`labels`: key -> the target's config name, e.g.
 * `auc` -> `AUC`); the key itself only if the app sent no name for it.
 */
function metricName(labels, key) {
    return (labels && labels[key]) || key;
}

/** The summary's in-flight step for this run, when it waits for a person's decision. */
function awaitingApproval(target, runId) {
    const t = summary && summary.targets.find((x) => x.name === target);
    const f = t && t.inFlight;
    return f && f.step === 'awaiting-approval' && f.runId === runId ? f : null;
}

/** What the approver decides on: the challenger's metrics beside the champion's. */
function judgedTable(judged) {
    if (!judged) return null;
    const champion = judged.champion;
    const names = Object.keys(judged.metrics);
    const fmt = (v) => (typeof v !== 'number' ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));
    return el(
        'table',
        { class: 'judged' },
        el(
            'caption',
            {},
            champion ? `This run against the champion, run ${champion.runId}` : 'This run (no champion yet)',
        ),
        tableHead(['Metric', 'This run', champion ? 'Champion' : null]),
        el(
            'tbody',
            {},
            names.map((m) =>
                el(
                    'tr',
                    {},
                    el('th', { scope: 'row' }, metricName(judged.metricLabels, m)),
                    el('td', {}, fmt(judged.metrics[m])),
                    champion ? el('td', {}, fmt(champion.metrics[m])) : null,
                ),
            ),
        ),
    );
}

function approvalPanel(target, runId, waiting) {
    const note = el('p', { role: 'status', 'aria-live': 'polite' });
    const why = el('textarea', { id: 'why', rows: 2, cols: 50, required: true });
    const decide = async (decision) => {
        if (!why.value.trim()) {
            note.textContent = 'Say why first: the decision is recorded with its reason.';
            why.focus();
            return;
        }
        const res = await fetch(`${API}runs/${encodeURIComponent(target)}/${encodeURIComponent(runId)}/${decision}`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json', 'x-retrainer-ui': '1' },
            body: JSON.stringify({ why: why.value }),
        });
        const body = await res.json().catch(() => ({}));
        note.textContent = res.ok
            ? `Recorded: ${decision} by ${body.by}. The run goes on.`
            : `Not recorded: ${body.error || res.status}`;
        if (res.ok) for (const b of panel.querySelectorAll('button')) b.disabled = true;
    };
    const mayApprove = summary && summary.user.mayApprove;
    const panel = el(
        'section',
        { 'aria-labelledby': 'approval-h', class: 'approval' },
        el('h3', { id: 'approval-h' }, 'Waiting for approval'),
        el(
            'p',
            {},
            `Since ${new Date(waiting.since).toLocaleString()}`,
            waiting.until
                ? `; if no one decides by ${new Date(waiting.until).toLocaleString()}, the timeout ${waiting.onTimeout === 'approve' ? 'approves' : 'rejects'} the model`
                : '',
        ),
        judgedTable(waiting.judged),
        mayApprove
            ? [
                  el('label', { for: 'why' }, 'Why (recorded with the decision)'),
                  el('br'),
                  why,
                  el(
                      'p',
                      {},
                      el('button', { type: 'button', onclick: () => void decide('approve') }, 'Approve'),
                      ' ',
                      el(
                          'button',
                          { type: 'button', class: 'secondary', onclick: () => void decide('reject') },
                          'Reject',
                      ),
                  ),
                  note,
              ]
            : el('p', { class: 'muted' }, 'You may view but not decide approvals.'),
    );
    return panel;
}

async function renderRun(target, runId) {
    const waiting = awaitingApproval(target, runId);
    let run;
    try {
        run = await getJson(`runs/${encodeURIComponent(target)}/${encodeURIComponent(runId)}`);
    } catch (err) {
        // A run in flight has no record yet; one that waits for a decision still shows its panel.
        if (!waiting) throw err;
        clear();
        show(
            el('p', {}, el('a', { href: `#/target/${encodeURIComponent(target)}` }, `← Target ${target}`)),
            el('h2', {}, 'Run ', el('code', {}, runId)),
            approvalPanel(target, runId, waiting),
        );
        return;
    }
    clear();
    show(
        el('p', {}, el('a', { href: `#/target/${encodeURIComponent(target)}` }, `← Target ${target}`)),
        el('h2', {}, 'Run ', el('code', {}, run.runId)),
        kv([
            ['Outcome', stateCell(run.state)],
            run.reason ? ['Reason', run.reason] : null,
            run.lateCancel ? ['Cancel request', run.lateCancel] : null,
            ['Trigger', run.trigger.kind + (run.trigger.blobName ? `: ${run.trigger.blobName}` : '')],
            run.forced
                ? ['Forced', `re-judged the data of run ${run.manifest ? run.manifest.previousRunId : '?'}`]
                : null,
        ]),
    );
    if (waiting) show(approvalPanel(target, runId, waiting));
    const blobs = (run.manifest && run.manifest.blobs) || [];
    const refused = (run.manifest && run.manifest.rejected) || [];
    const leftOut = (run.manifest && run.manifest.leftOut) || [];
    show(
        el('h3', {}, 'Data'),
        blobs.length
            ? dataTable(
                  'Training files',
                  ['File', 'Bytes'],
                  blobs.map((b) => [el('code', {}, b.name), b.contentLength]),
              )
            : el('p', { class: 'muted' }, 'No files.'),
        refused.length
            ? dataTable(
                  'Refused files',
                  ['Refused file', 'Why'],
                  refused.map((r) => [el('code', {}, r.name), r.reason]),
              )
            : null,
        leftOut.length
            ? dataTable(
                  'Files left out by the data policy',
                  ['Left-out file', 'Why'],
                  leftOut.map((l) => [el('code', {}, l.name), l.reason]),
              )
            : null,
    );
    if (run.job) {
        show(
            el('h3', {}, 'Job'),
            kv([
                ['Job id', el('code', {}, run.job.jobId)],
                ['Final status', run.job.finalStatus ? run.job.finalStatus.state : 'unknown'],
                ['Model', el('code', {}, run.job.modelOutput.relativeLocation)],
            ]),
        );
    }
    if (run.verdict) {
        const champion = run.verdict.comparedTo;
        show(
            el('h3', {}, 'Metrics'),
            dataTable(
                'Metrics',
                ['Metric', 'This run', 'Champion'],
                Object.entries(run.verdict.metrics).map(([m, v]) => [
                    metricName(run.metricLabels, m),
                    fmt(v),
                    champion && champion.metrics ? fmt(champion.metrics[m]) : '—',
                ]),
                true,
            ),
            run.verdict.reasons.length
                ? el(
                      'ul',
                      { 'aria-label': 'Gate' },
                      run.verdict.reasons.map((r) => el('li', {}, r)),
                  )
                : el('p', {}, 'The gate passed.'),
        );
    }
    const steps = Object.entries(run.timings).sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
    show(
        el('h3', {}, 'Steps'),
        dataTable(
            'Steps',
            ['Step', 'Started', 'Took'],
            steps.map(([step, at], i) => {
                const next = steps[i + 1];
                const took = next ? `${((Date.parse(next[1]) - Date.parse(at)) / 1000).toFixed(1)} s` : '';
                return [step, new Date(at).toLocaleString(), took];
            }),
            true,
        ),
    );
    if (run.promotion || run.verification) {
        show(
            el('h3', {}, 'Promotion and verification'),
            kv([
                run.promotion && run.promotion.before
                    ? ['Previous model', el('code', {}, run.promotion.before.relativeLocation)]
                    : null,
                run.verification
                    ? [
                          'Verification',
                          run.verification.passed ? 'passed' : `failed: ${run.verification.reasons.join('; ')}`,
                      ]
                    : null,
            ]),
        );
    }
    if (run.rollout && run.rollout.deployment) show(rolloutSection(run));
    show(
        el('h3', {}, 'Lineage'),
        el(
            'p',
            {},
            `data (${blobs.length} files, key ${run.manifest ? run.manifest.runKey.slice(0, 12) : '—'}) → job ${run.job ? run.job.jobId : '—'} → model ${run.job ? run.job.modelOutput.relativeLocation : '—'} → endpoint ${run.state === 'Promoted' ? 'serving' : 'not updated'}`,
        ),
    );
}

/** A live check's verdict in words: `passed`, or `failed: reason; reason`. */
function checkText(check) {
    if (!check) return 'not checked';
    return check.passed ? 'passed' : `failed: ${check.reasons.join('; ')}`;
}

/**
 * An Azure ML v2 run's rollout (the run record's `rollout`): the new deployment, each traffic step
 * it reached with the new deployment's share and its live checks, and how it ended.
 */
function rolloutSection(run) {
    const r = run.rollout;
    const fresh = r.deployment;
    let outcome;
    if (run.state === 'Promoted') {
        const kept = r.serving && !r.retired.includes(r.serving) ? `; '${r.serving}' kept at 0%` : '';
        const retired = r.retired.length ? `; retired ${r.retired.map((d) => `'${d}'`).join(', ')}` : '';
        outcome = `Promoted: '${fresh}' takes all traffic${kept}${retired}`;
    } else if (run.state === 'RolledBack') {
        // `rolledBack` is set only once the traffic is back and the new deployment is deleted.
        const back = !r.rolledBack
            ? ''
            : r.steps.length === 0
              ? ` ('${fresh}' deleted before any traffic)`
              : ` (traffic back ${r.serving ? `on '${r.serving}'` : 'as it was'}, '${fresh}' deleted)`;
        outcome = `Rolled back${back}${run.reason ? `: ${run.reason}` : ''}`;
    } else outcome = `${run.state}${run.reason ? `: ${run.reason}` : ''}`;
    return [
        el('h3', {}, 'Rollout'),
        kv([
            ['Deployment', el('code', {}, fresh)],
            r.model ? ['Model version', el('code', {}, `${r.model.name}:${r.model.version}`)] : null,
            ['Serving before', r.serving ? el('code', {}, r.serving) : 'none'],
            r.preTraffic ? ['Golden rows before traffic', checkText(r.preTraffic)] : null,
            ['Outcome', outcome],
        ]),
        r.steps.length
            ? dataTable(
                  'Traffic steps',
                  ['Traffic to the new deployment', 'Bake began', 'Live checks'],
                  r.steps.map((s) => [`${s.percent}%`, new Date(s.at).toLocaleString(), checkText(s.check)]),
                  true,
              )
            : el('p', {}, 'No traffic step: the new deployment never got traffic.'),
        r.notes && r.notes.length
            ? el(
                  'ul',
                  { 'aria-label': 'Rollout notes' },
                  r.notes.map((n) => el('li', {}, n)),
              )
            : null,
    ];
}

async function render(force) {
    const r = route();
    const t = r.target && summary && summary.targets.find((x) => x.name === r.target);
    const lastRunId = t && t.lastRun ? t.lastRun.runId : '';
    if (!force && r.key === shown.key && lastRunId === shown.lastRunId && r.view !== 'list') return;
    if (r.view === 'list') renderList();
    else if (r.view === 'target') await renderTarget(r.target);
    else await renderRun(r.target, r.runId);
    shown = { view: r.view, key: r.key, lastRunId };
}

async function refresh() {
    try {
        summary = await getJson('summary');
        document.getElementById('who').textContent = `Signed in as ${summary.user.name}`;
        await render(false);
        statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
        main.replaceChildren(el('p', { role: 'alert' }, `Cannot load the status: ${err.message}`));
    }
}

window.addEventListener('hashchange', () => {
    void render(true).then(() => main.focus());
});
void refresh();
setInterval(() => void refresh(), REFRESH_IN_MS);
