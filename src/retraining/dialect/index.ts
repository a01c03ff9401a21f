/**
 * The one CSV dialect Retrainer reads training data in: the blob trigger's header check, the CLI's
 * upload check, the snapshot's validate-and-hash pass and the merge into the canonical CSV all go
 * through this module, so they cannot disagree on what a file holds.
 *
 * The dialect: an optional UTF-8 BOM; LF, CRLF and CR line ends, mixed in one file too; RFC 4180
 * quoting (quoted fields may hold separators, doubled quotes and line ends); blanks around fields
 * ignored. Header names are matched to the target's columns after trimming, unquoting and
 * case-folding, in any order; extra columns are ignored (and named); blank and delimiter-only rows
 * are skipped (and counted). Parsing is `csv-parse` in streaming mode: memory is one record.
 */
export { canonicalHeader, canonicalLine, quoteField } from './canonical';
export { foldName, HeaderMatch, HeaderProblem, matchHeader, TargetColumns, targetColumnsOf } from './header';
export { CsvRecord, DialectParseError, isBlankRecord, readRecords, readHeader } from './records';
