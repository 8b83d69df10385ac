/**
 * Reading an attendee CSV as a stream of records with their line numbers: UTF-8 (BOM or not) or
 * UTF-16 with a BOM, `,` `;` or tab detected from the header line, quoted fields with newlines,
 * CRLF or LF, blank lines skipped. What makes the whole file unreadable is a UsageError naming
 * the file; what spoils one record is reported through `onProblem` and the rest goes on.
 */
import { parse, type Info } from "csv-parse";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { errorCode, errorReason, UsageError } from "../errors.js";

export interface CsvRecord {
  /** The line the record starts on, 1-based, as an editor shows it. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  reason: string;
}

type Encoding = "utf-8" | "utf-16le" | "utf-16be";

const SNIFF_BYTES = 64 * 1024;
/**
 * The longest record csv-parse may build, in characters: far above any attendee (fields are
 * capped at 2,000 characters), far below a string V8 cannot hold — a 600 MB field (a quote
 * never closed, a binary blob) is an error naming its line, not a crash.
 */
export const MAX_RECORD_CHARS = 16_000_000;
const DELIMITERS = [",", ";", "\t"] as const;

export async function* readCsv(
  path: string,
  onProblem: (problem: CsvProblem) => void,
): AsyncGenerator<CsvRecord> {
  const { encoding, delimiter } = await sniff(path);
  const parser = parse({
    delimiter,
    // decodeLines turns every line ending into "\n". Said here, or csv-parse looks for the line
    // ending itself, rescanning the first record with every chunk: minutes for a 10 MB header.
    record_delimiter: "\n",
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  // A record that cannot be read starts after the last one read and the blank lines since.
  let lastLine = 0;
  let lastEmptyLines = 0;
  parser.on("skip", (error: Error & { code?: string; empty_lines?: number }) => {
    const line = lastLine + 1 + Math.max(0, (error.empty_lines ?? 0) - lastEmptyLines);
    if (error.code === "CSV_MAX_RECORD_SIZE") {
      // csv-parse reads nothing more after this one: the file as a whole is refused.
      parser.destroy(
        new UsageError(
          `${path}:${line}: a record of more than ${MAX_RECORD_CHARS.toLocaleString("en")} characters starts here`,
          { hint: "is a quote never closed? Fields hold at most 2,000 characters" },
        ),
      );
      return;
    }
    onProblem({ line, reason: describeCsvError(error, line) });
  });
  // Errors of the source (bad bytes) destroy the parser and surface in the loop below.
  const source = Readable.from(decodeLines(path, encoding));
  source.on("error", (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const end = item.info.lines;
      const line = end - countNewlines(item.record);
      lastLine = end;
      lastEmptyLines = item.info.empty_lines;
      if (item.record.every((f) => f.trim() === "")) continue;
      yield { line, fields: item.record };
    }
  } finally {
    // A consumer that stops early (a header without an email column) must not leave the file open.
    source.destroy();
  }
}

/** Encoding from the BOM, delimiter from the header line; a file that is not text is refused. */
async function sniff(path: string): Promise<{ encoding: Encoding; delimiter: string }> {
  let size: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new UsageError(`${path} is not a file`);
    size = stats.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot read ${path}: ${errorCode(error) === "ENOENT" ? "no such file" : errorReason(error)}`,
    );
  }
  if (size === 0)
    throw new UsageError(`${path} is empty`, {
      hint: "expected a header line such as: email,first_name,last_name",
    });
  const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
  const handle = await open(path, "r").catch((error: unknown) => {
    throw new UsageError(`cannot read ${path}: ${errorReason(error)}`);
  });
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (isUtf32(head)) {
    throw new UsageError(`${path} is UTF-32 text, which evcred does not read`, {
      hint: 'save the file as "CSV UTF-8" or "Unicode text" (UTF-16)',
    });
  }
  const encoding = encodingOf(head);
  if (encoding === "utf-8" && head.includes(0)) {
    throw new UsageError(`${path} is not a text file (it contains NUL bytes)`, {
      hint: "export the attendee list as CSV (UTF-8) or Unicode text",
    });
  }
  const text = new TextDecoder(encoding).decode(head, { stream: true });
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  // The header is the first line with a word in it; a file of `;;;` rows has none, and its
  // delimiter (from the first line that is not blank) makes those rows of empty cells, skipped.
  const headerLine =
    lines.find((l) => /[\p{L}\p{N}]/u.test(l)) ?? lines.find((l) => l.trim() !== "") ?? "";
  return { encoding, delimiter: detectDelimiter(headerLine) };
}

function isUtf32(head: Buffer): boolean {
  const bom = head.subarray(0, 4).toString("hex");
  return bom === "fffe0000" || bom === "0000feff";
}

function encodingOf(head: Buffer): Encoding {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  return "utf-8";
}

/** The candidate that splits the header line the most, counting only outside quotes. */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ",";
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/**
 * The file as text with every line ending turned into `\n`, so csv-parse's line numbers are an
 * editor's; bytes that do not decode are a UsageError with the line they are on.
 */
async function* decodeLines(path: string, encoding: Encoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const notText = (at: number) =>
    new UsageError(`${path}:${at}: not ${encoding === "utf-8" ? "UTF-8" : "UTF-16"} text`, {
      hint: 'save the file as "CSV UTF-8" or "Unicode text"',
    });
  let carriageReturn = false;
  let line = 1;
  let previous: Buffer | undefined;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // Find the bad bytes with a lenient decoder in the same state: fed the previous chunk, it
      // holds the same unfinished character (a sequence split across chunks is not an error).
      const lenient = new TextDecoder(encoding);
      if (previous) lenient.decode(previous, { stream: true });
      const decoded = (carriageReturn ? "\r" : "") + lenient.decode(chunk, { stream: true });
      const before = decoded.slice(0, Math.max(0, decoded.indexOf("\uFFFD")));
      throw notText(line + countChar(before.replace(/\r\n?/g, "\n"), "\n"));
    }
    previous = chunk;
    if (carriageReturn) text = "\r" + text;
    carriageReturn = text.endsWith("\r");
    if (carriageReturn) text = text.slice(0, -1);
    const normalized = text.replace(/\r\n?/g, "\n");
    line += countChar(normalized, "\n");
    if (normalized) yield normalized;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    // The file ends in the middle of a character (a cut UTF-8 sequence, an odd UTF-16 byte).
    throw notText(line + (carriageReturn ? 1 : 0));
  }
  if (carriageReturn || rest) yield (carriageReturn ? "\n" : "") + rest.replace(/\r\n?/g, "\n");
}

function describeCsvError(error: Error & { code?: string }, line: number): string {
  if (error.code === "CSV_QUOTE_NOT_CLOSED") {
    return "a quoted field starts here and is never closed (the rest of the file was read into it)";
  }
  return `unreadable CSV row at line ${line}: ${error.message}`;
}

function countNewlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) n += countChar(f, "\n");
  return n;
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}
