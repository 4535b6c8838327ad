// Structured JSON logs (pino) that never carry secrets or card numbers.
//
// Two layers: pino's path redaction for the fields we know are sensitive (auth headers,
// Stripe signatures, cookies, keys), and a last pass over every finished line that masks
// PAN-like digit runs and Stripe key patterns wherever they appear, including messages
// and error stacks. Timestamps are ISO strings so that no 13-digit epoch looks like a PAN.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { requestPathname } from './request-path';
import { maskPans } from './store/pan-guard';
import { controlOn } from './lab/controls';
import type { LabControls } from './lab/controls';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["stripe-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*["stripe-signature"]',
  'secretKey',
  'webhookSecret',
  'webhookSecrets',
  '*.secretKey',
  '*.webhookSecret',
  '*.webhookSecrets',
  '*.apiKey',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  '*.client_secret',
];

// An Account Session's client secret (accs_secret__…) opens a seller's account in the embedded components.
const SECRET_PATTERNS = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=_-]+|\baccs_secret__[A-Za-z0-9]+/g;

/**
 * Masks Stripe secrets and card numbers in one serialised log line. The PAN detector decodes
 * JSON escapes, percent-escapes and Unicode digit forms first, so a number in a URL's path or
 * query string, or typed with tabs or full-width digits, is masked like a plain one (all but
 * its last four digits become `*`, and the line stays valid JSON).
 */
export function scrubLogLine(line: string): string {
  return maskPans(line.replace(SECRET_PATTERNS, REDACTED));
}

function createScrubbingStream(destination: DestinationStream, lab: LabControls | null | undefined): DestinationStream {
  return {
    write(line: string) {
      // The lab's `pan-guard` off: card numbers stay in the line (secrets are still redacted).
      destination.write(controlOn(lab, 'pan-guard') ? scrubLogLine(line) : line.replace(SECRET_PATTERNS, REDACTED));
    },
  };
}

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a collector. */
  destination?: DestinationStream;
  /** Lab mode's switches (`pan-guard`); absent everywhere else. */
  lab?: LabControls | null;
}

// `,"time":"<ISO time>"`, for pino's lines and the request lines written beside it alike.
const isoTime = pino.stdTimeFunctions.isoTime;

/** Where a logger from createLogger writes (after its scrubber), and its bindings as JSON members (`"pid":…`). */
interface LineStream {
  stream: DestinationStream;
  bindings: string;
}

const lineStreams = new WeakMap<Logger, LineStream>();

/** Lines waiting for the end of the turn are written at once beyond this many characters. */
const TURN_BUFFER_CHARS = 64 * 1024;

/**
 * stdout, written once per turn of the event loop instead of once per line. The write system
 * call was most of what a page request's line still cost (formatRequestLine), and under load
 * one turn answers several requests. A line waits at most until the end of its turn
 * (setImmediate), so the log is as current as before on a quiet server too, and what is still
 * waiting is written synchronously when the process exits, by process.exit (shutdown) or an
 * uncaught exception alike ('exit' runs for both: https://nodejs.org/api/process.html#event-exit).
 * A SIGKILL loses at most that turn's lines.
 */
function createStdoutDestination(): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: true });
  let waiting = '';
  const flush = () => {
    if (waiting === '') return;
    const lines = waiting;
    waiting = '';
    stdout.write(lines);
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      if (waiting === '') setImmediate(flush);
      waiting += line;
      if (waiting.length > TURN_BUFFER_CHARS) flush();
    },
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? createStdoutDestination();
  const base = { pid: process.pid };
  const stream = createScrubbingStream(destination, options.lab);
  const logger = pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: isoTime,
      base,
    },
    stream,
  );
  lineStreams.set(logger, { stream, bindings: JSON.stringify(base).slice(1, -1) });
  return logger;
}

/** The path as the client sent it (a router's `req.path` is relative to where it is mounted), without the query string. */
function requestPath(req: IncomingMessage): string | undefined {
  return requestPathname((req as Partial<Request>).originalUrl ?? req.url ?? '');
}

type LogLevel = 'info' | 'warn' | 'error';
const LEVEL_RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

/** What a route or the error handler adds to its request's one log line. */
export interface RequestLogNote {
  /** The line's message, instead of `request`. */
  msg?: string;
  /** Raised only: the line takes the highest level noted. */
  level?: LogLevel;
  fields?: Record<string, unknown>;
}

// Each response's note, until its line is written: the Express app's responses and those
// answered in front of it alike (request-listener.ts).
const notes = new WeakMap<ServerResponse, RequestLogNote>();

/**
 * Adds to the request's one log line (opened by the request listener, written when the response
 * is done), so a webhook or a refused request is one line,
 * not one per layer. With no line opened for the response, the note is written at once as a
 * line of its own.
 */
export function noteRequestLog(res: ServerResponse, logger: Logger, note: RequestLogNote): void {
  const merged = notes.get(res);
  if (merged === undefined) {
    logger[note.level ?? 'info']({ method: res.req.method, path: requestPath(res.req), ...note.fields }, note.msg ?? 'request');
    return;
  }
  if (note.msg) merged.msg = note.msg;
  if (note.level && LEVEL_RANK[note.level] > LEVEL_RANK[merged.level ?? 'info']) merged.level = note.level;
  merged.fields = { ...merged.fields, ...note.fields };
}

/**
 * Opens the request's one line, started now: method, the full path (as the client sent it, not
 * the part a router sees; no query string), status and duration, with what was noted
 * (noteRequestLog). Returns the writer: `whenClosed` true marks a response that had not
 * finished by then (`aborted`: the client went away).
 */
export function openRequestLog(logger: Logger, req: IncomingMessage, res: ServerResponse): (whenClosed: boolean) => void {
  const started = process.hrtime.bigint();
  const note: RequestLogNote = {};
  notes.set(res, note);
  return (whenClosed) => {
    const line: RequestLine = {
      method: req.method,
      path: requestPath(req),
      status: res.statusCode,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
      ...(whenClosed && !res.writableFinished ? { aborted: true } : {}),
    };
    const level = note.level ?? 'info';
    const msg = note.msg ?? 'request';
    const lineStream = note.fields === undefined ? lineStreams.get(logger) : undefined;
    if (lineStream === undefined) logger[level]({ ...line, ...note.fields }, msg);
    else if (logger.isLevelEnabled(level))
      lineStream.stream.write(formatRequestLine(logger.levels.values[level] ?? 0, lineStream, line, msg));
  };
}

/** The members of a request line with nothing noted: strings, numbers and a flag, none of them a key REDACT_PATHS names. */
interface RequestLine {
  method: string | undefined;
  path: string | undefined;
  status: number;
  ms: number;
  aborted?: true;
}

/**
 * The line pino would write for `logger[level](line, msg)`, without pino. Most requests (every
 * page and built file) log only these members, and for them pino's redaction is all cost and
 * no effect: each value is a primitive and no key is a redacted one, yet it ran every
 * wildcard path over each (a third of the line's CPU on the page path). The line still goes
 * through the logger's scrubber (the path is the client's) and in the same member order;
 * logger.test.ts compares it with pino's own.
 */
function formatRequestLine(levelValue: number, { bindings }: LineStream, line: RequestLine, msg: string): string {
  const method = line.method === undefined ? '' : `,"method":${JSON.stringify(line.method)}`;
  const path = line.path === undefined ? '' : `,"path":${JSON.stringify(line.path)}`;
  const aborted = line.aborted ? ',"aborted":true' : '';
  return `{"level":${levelValue}${isoTime()},${bindings}${method}${path},"status":${line.status},"ms":${line.ms}${aborted},"msg":${JSON.stringify(msg)}}\n`;
}
