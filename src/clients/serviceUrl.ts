/**
 * Normalises a service base URL as users paste it from the portal: the "Request URI" may end in
 * `/jobs`, `/execute`, carry `?api-version=2.0`, or a trailing slash.
 */
export function serviceBaseUrl(url: string): string {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    let s = u.toString().replace(/\/+$/, '');
    s = s.replace(/\/(jobs|execute)$/i, '');
    return s;
}

export function joinUrl(base: string, ...segments: string[]): string {
    return [base.replace(/\/+$/, ''), ...segments.map((s) => encodeURIComponent(s))].join('/');
}
