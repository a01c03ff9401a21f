import { readFileSync } from 'node:fs';

/**
 * Just enough Bicep reading for structural checks, because no offline Bicep compiler exists here
 * (the CLI is a downloaded binary; npm has only wrappers that fetch it). This is not a parser:
 * it separates code from comments and string literals (keeping `${...}` interpolations as code),
 * then finds declarations with line-anchored patterns. It catches unbalanced brackets, broken
 * cross-file references and unused or missing parameters; it does not type-check anything.
 */
export interface BicepFile {
    path: string;
    /** The text with comments removed and string literal characters blanked (interpolations kept). */
    code: string;
    params: Map<string, { hasDefault: boolean }>;
    vars: Set<string>;
    outputs: Set<string>;
    /** symbolic name -> 'Type@apiVersion' */
    resources: Map<string, string>;
    /** symbolic name -> relative path */
    modules: Map<string, string>;
}

export class BicepSyntaxError extends Error {
    override name = 'BicepSyntaxError';
}

/** Blanks comments and string contents, keeping offsets and newlines, and checks bracket balance. */
export function codeOf(text: string, file = 'bicep'): string {
    const out = text.split('');
    const blank = (i: number) => {
        if (out[i] !== '\n') out[i] = ' ';
    };
    // A stack of contexts: 'code' (with its bracket stack), or 'string'.
    const modes: ('code' | 'string')[] = ['code'];
    const brackets: string[] = [];
    const interpolationDepth: number[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    const line = (i: number) => text.slice(0, i).split('\n').length;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        const mode = modes[modes.length - 1];
        if (mode === 'string') {
            if (c === '\\') {
                blank(i);
                blank(i + 1);
                i++;
            } else if (c === "'") {
                modes.pop();
            } else if (c === '$' && text[i + 1] === '{') {
                modes.push('code');
                brackets.push('{');
                interpolationDepth.push(brackets.length);
                i++;
            } else blank(i);
            continue;
        }
        if (c === '/' && text[i + 1] === '/') {
            while (i < text.length && text[i] !== '\n') blank(i++);
            i--;
        } else if (c === '/' && text[i + 1] === '*') {
            const end = text.indexOf('*/', i + 2);
            if (end < 0) throw new BicepSyntaxError(`${file}:${line(i)}: unterminated comment`);
            for (; i < end + 2; i++) blank(i);
            i--;
        } else if (c === "'" && text.startsWith("'''", i)) {
            const end = text.indexOf("'''", i + 3);
            if (end < 0) throw new BicepSyntaxError(`${file}:${line(i)}: unterminated multi-line string`);
            for (let j = i + 3; j < end; j++) blank(j);
            i = end + 2;
        } else if (c === "'") {
            modes.push('string');
        } else if (c === '(' || c === '[' || c === '{') {
            brackets.push(c);
        } else if (c === ')' || c === ']' || c === '}') {
            const open = brackets.pop();
            if (open !== pairs[c]) throw new BicepSyntaxError(`${file}:${line(i)}: '${c}' does not close '${open}'`);
            if (c === '}' && interpolationDepth[interpolationDepth.length - 1] === brackets.length + 1) {
                interpolationDepth.pop();
                modes.pop(); // back into the string
            }
        } else if (c === '\n' && modes.length > 1) {
            throw new BicepSyntaxError(`${file}:${line(i)}: newline inside a string`);
        }
    }
    if (modes.length > 1) throw new BicepSyntaxError(`${file}: unterminated string`);
    if (brackets.length > 0) throw new BicepSyntaxError(`${file}: ${brackets.length} unclosed '${brackets.join('')}'`);
    return out.join('');
}

export function readBicep(path: string): BicepFile {
    const text = readFileSync(path, 'utf8');
    const code = codeOf(text, path);
    const file: BicepFile = {
        path,
        code,
        params: new Map(),
        vars: new Set(),
        outputs: new Set(),
        resources: new Map(),
        modules: new Map(),
    };
    const lines = text.split('\n');
    code.split('\n').forEach((codeLine, n) => {
        const raw = lines[n];
        let m: RegExpExecArray | null;
        if ((m = /^param\s+(\w+)\s+\w+(\s*=)?/.exec(codeLine))) file.params.set(m[1], { hasDefault: !!m[2] });
        else if ((m = /^var\s+(\w+)\s*=/.exec(codeLine))) file.vars.add(m[1]);
        else if ((m = /^output\s+(\w+)\s+\w+\s*=/.exec(codeLine))) file.outputs.add(m[1]);
        else if ((m = /^\s*resource\s+(\w+)\s+'([^']+)'/.exec(raw))) file.resources.set(m[1], m[2]);
        else if ((m = /^module\s+(\w+)\s+'([^']+)'/.exec(raw))) file.modules.set(m[1], m[2]);
        else if (/^(param|var|output|resource|module)\b/.test(codeLine)) {
            throw new BicepSyntaxError(`${path}:${n + 1}: unrecognised declaration '${codeLine.trim()}'`);
        }
    });
    return file;
}

/** How often `name` appears as an identifier in the code: declarations count, object keys (`name:`) do not. */
export function uses(file: BicepFile, name: string): number {
    const all = [...file.code.matchAll(new RegExp(`(?<![\\w.])${name}\\b`, 'g'))].length;
    const keys = [...file.code.matchAll(new RegExp(`^\\s*${name}\\s*:`, 'gm'))].length;
    return all - keys;
}

/** The top-level keys of the `params: { ... }` object of module `symbol`. */
export function moduleArguments(file: BicepFile, symbol: string): string[] {
    const start = new RegExp(`^module\\s+${symbol}\\s`, 'm').exec(file.code);
    if (!start) throw new RangeError(`no module ${symbol} in ${file.path}`);
    const paramsAt = file.code.indexOf('params:', start.index);
    const open = file.code.indexOf('{', paramsAt);
    const keys: string[] = [];
    let depth = 0;
    for (let i = open; i < file.code.length; i++) {
        const c = file.code[i];
        if (c === '{' || c === '[' || c === '(') depth++;
        else if (c === '}' || c === ']' || c === ')') {
            if (--depth === 0) break;
        } else if (depth === 1 && (c === '\n' || i === open)) {
            const m = /^\s*(\w+)\s*:/.exec(file.code.slice(i + 1));
            if (m) keys.push(m[1]);
        }
    }
    return keys;
}

/**
 * The entries of a flat top-level object variable, e.g. `var appSettings = { ... }`: key -> the
 * value when it is a plain string literal, else undefined (an expression known only at deploy).
 */
export function objectVariable(file: BicepFile, name: string): Map<string, string | undefined> {
    const start = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, 'm').exec(file.code);
    if (!start) throw new RangeError(`no object var ${name} in ${file.path}`);
    const from = start.index + start[0].length;
    const end = from + file.code.slice(from).search(/^\}/m);
    const raw = readFileSync(file.path, 'utf8').slice(from, end);
    const entries = new Map<string, string | undefined>();
    for (const m of raw.matchAll(/^\s{2}(\w+)\s*:\s*(.+?)\s*$/gm)) {
        const literal = /^'([^'$\\]*)'$/.exec(m[2]);
        entries.set(m[1], literal ? literal[1] : undefined);
    }
    return entries;
}
