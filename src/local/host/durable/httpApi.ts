import { headerValue, HostRequest, HostResponse, json } from '../http/types';
import { ClientBindingData, managementPayload } from './clientBinding';
import { InstanceExistsError } from './instances';
import { InstanceFilter } from './instanceTable';
import { RuntimeStatus } from './records';
import { DurableService, UnknownOrchestratorError } from './service';

const PREFIX = /^\/(?:runtime\/webhooks\/)?durabletask\/(.*)$/;
const RUNNING: readonly RuntimeStatus[] = ['Running', 'Pending', 'ContinuedAsNew', 'Suspended'];

export function isDurableApiPath(pathname: string): boolean {
    return PREFIX.test(pathname);
}

function bool(q: URLSearchParams, key: string, fallback: boolean): boolean {
    const v = q.get(key);
    return v === null ? fallback : v.toLowerCase() === 'true';
}

function date(q: URLSearchParams, key: string): Date | undefined {
    const v = q.get(key);
    if (!v) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new BadRequest(`${key} is not a date.`);
    return d;
}

class BadRequest extends Error {
    override name = 'BadRequest';
}

function filterOf(q: URLSearchParams): InstanceFilter {
    const statuses = (q.get('runtimeStatus') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    return {
        createdTimeFrom: date(q, 'createdTimeFrom'),
        createdTimeTo: date(q, 'createdTimeTo'),
        runtimeStatus: statuses as RuntimeStatus[],
    };
}

/** JSON body text, or 'null' when empty; refuses text that is not JSON. */
function bodyJson(req: HostRequest): string {
    const text = req.body.toString('utf8').trim();
    if (text === '') return 'null';
    try {
        JSON.parse(text);
    } catch {
        throw new BadRequest('The request body is not valid JSON.');
    }
    return text;
}

/**
 * The Durable extension's HTTP API (HttpApiHandler) under both of its prefixes: start, status,
 * list with filters and paging, raise event, terminate, purge. The caller has checked the key.
 */
export async function handleDurableApi(
    service: DurableService,
    binding: ClientBindingData,
    req: HostRequest,
): Promise<HostResponse> {
    const m = PREFIX.exec(req.url.pathname);
    if (!m) return json(404, { Message: 'Not found' });
    const parts = (m[1] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    const q = req.url.searchParams;
    try {
        if (parts[0] === 'orchestrators' && req.method === 'POST' && parts[1]) {
            const id = await service.startNew(parts[1], parts[2], bodyJson(req));
            const payload = managementPayload(binding, id);
            return json(202, payload, { Location: payload.statusQueryGetUri ?? '', 'Retry-After': '10' });
        }
        if (parts[0] !== 'instances') return json(404, { Message: 'Not found' });
        const id = parts[1];
        if (!id) {
            if (req.method === 'GET')
                return await list(service, q, headerValue(req.headers, 'x-ms-continuation-token'));
            if (req.method === 'DELETE') {
                const n = await service.purgeBy(filterOf(q));
                return n ? json(200, { instancesDeleted: n }) : json(404, { Message: 'No instances matched.' });
            }
            return json(405, { Message: 'Method not allowed' });
        }
        if (parts.length === 2 && req.method === 'GET') {
            const s = await service.getStatus(id, {
                showHistory: bool(q, 'showHistory', false),
                showHistoryOutput: bool(q, 'showHistoryOutput', false),
                showInput: bool(q, 'showInput', true),
            });
            if (!s) return json(404, { Message: `No instance with ID '${id}' found.` });
            if (RUNNING.includes(s.runtimeStatus)) return json(202, s, { Location: req.url.href, 'Retry-After': '5' });
            return json(
                s.runtimeStatus === 'Failed' && bool(q, 'returnInternalServerErrorOnFailure', false) ? 500 : 200,
                s,
            );
        }
        if (parts.length === 2 && req.method === 'DELETE') {
            const n = await service.purge(id);
            return n
                ? json(200, { instancesDeleted: n })
                : json(404, { Message: `No instance with ID '${id}' found.` });
        }
        if (parts[2] === 'raiseEvent' && parts[3] && req.method === 'POST') {
            return outcome(await service.raiseEvent(id, parts[3], bodyJson(req)), id);
        }
        if (parts[2] === 'terminate' && req.method === 'POST') {
            return outcome(await service.terminate(id, q.get('reason') ?? ''), id);
        }
        if (['suspend', 'resume', 'rewind', 'restart'].includes(parts[2] ?? '')) {
            return json(501, { Message: `The dev host does not implement '${parts[2]}'.` });
        }
        return json(404, { Message: 'Not found' });
    } catch (err: unknown) {
        if (err instanceof UnknownOrchestratorError || err instanceof BadRequest)
            return json(400, { Message: err.message });
        if (err instanceof InstanceExistsError) return json(service.starts.liveStartStatus, { Message: err.message });
        throw err;
    }
}

function outcome(result: 'accepted' | 'notFound' | 'gone', id: string): HostResponse {
    if (result === 'notFound') return json(404, { Message: `No instance with ID '${id}' found.` });
    if (result === 'gone') return json(410, { Message: `The instance '${id}' is no longer running.` });
    return { status: 202 };
}

/** Paging: `top` per page; the offset travels in the x-ms-continuation-token header (absent on the last page). */
async function list(service: DurableService, q: URLSearchParams, token: string | undefined): Promise<HostResponse> {
    const all = await service.list(filterOf(q), bool(q, 'showInput', false));
    const top = Number(q.get('top') ?? 0);
    if (!top) return json(200, all);
    const offset = Number(token ?? 0) || 0;
    const page = all.slice(offset, offset + top);
    const headers: Record<string, string> =
        offset + top < all.length ? { 'x-ms-continuation-token': String(offset + top) } : {};
    return json(200, page, headers);
}
