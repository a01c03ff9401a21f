/**
 * The rule every training-data blob name must meet, whatever target's pattern it is checked
 * against: a path of non-empty `/`-separated segments, none of them `.` or `..`, with no backslash
 * and no control character. Why: the storage SDK puts the name into a URL, and URL parsing resolves
 * `.` and `..` segments (`churn/../houses/x.csv` is written as `houses/x.csv`, another target's
 * folder), some tools turn `\` into `/`, and a name with an empty segment or a control character
 * cannot be named back reliably (logs, the CLI, the listing).
 */
export const TRAINING_DATA_NAME_RULE =
    'a training-data name is a path of non-empty segments separated by /, none of them . or .., ' +
    'with no backslash and no control character';

/** Why `name` breaks {@link TRAINING_DATA_NAME_RULE} (a few words), or undefined when it does not. */
export function blobNameProblem(name: string): string | undefined {
    if (name === '') return 'it is empty';
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name);
    if (control)
        return `it holds the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    if (name.includes('\\')) return 'it holds a backslash';
    const segments = name.split('/');
    if (segments.includes('..')) return "it has a '..' segment";
    if (segments.includes('.')) return "it has a '.' segment";
    if (segments.includes('')) return 'it has an empty segment (a leading or trailing /, or //)';
    return undefined;
}

/**
 * One line naming `name` and the rule it breaks, for errors (CLI, HTTP 400s, the trigger's log),
 * or undefined when `name` can be a training-data name.
 */
export function blobNameError(name: string): string | undefined {
    const problem = blobNameProblem(name);
    return problem === undefined
        ? undefined
        : `'${name}' cannot be a training-data name: ${problem} (${TRAINING_DATA_NAME_RULE})`;
}

/**
 * Does a blob (name within the data container) belong to a target's training data? Patterns are
 * literal except `*`, which matches any run of characters including `/` (`churn/*.csv` takes
 * `churn/2024/01.csv` too, as the blob trigger's `{name}` takes names in sub-folders). A name that
 * breaks {@link TRAINING_DATA_NAME_RULE} belongs to no target, so `*` can never cross into another
 * target's folder through `..`.
 */
export function matchesDataPattern(pattern: string, blobName: string): boolean {
    return blobNameProblem(blobName) === undefined && fitsDataPattern(pattern, blobName);
}

/**
 * Does `blobName` have the shape of `pattern` (literal except `*`, as `matchesDataPattern`), the
 * training-data name rule aside? A blob that fits a target's pattern but breaks the rule was put
 * there by another tool (`churn//x.csv`): not data, but `GET /api/data/{target}` lists it as refused
 * so its uploader learns why it never trains.
 */
export function fitsDataPattern(pattern: string, blobName: string): boolean {
    // `s`: a name with a line break (which breaks the name rule) still fits, so it is listed as refused.
    const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`, 's');
    return re.test(blobName);
}

/** The literal prefix before the first `*`: what to list the container with. */
export function listPrefix(pattern: string): string {
    const i = pattern.indexOf('*');
    return i < 0 ? pattern : pattern.slice(0, i);
}

function escape(s: string): string {
    return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
