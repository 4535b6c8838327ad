// Types for the parts of @mdn/mdn-http-observatory the audit calls. The package ships
// JavaScript with JSDoc only; these name just what observatory.ts uses.
declare module '@mdn/mdn-http-observatory/src/retriever/retriever.js' {
  export interface RetrieveOptions {
    httpPort?: string;
    httpsPort?: string;
    path?: string;
    /** Request headers as `Name: value` lines; replaces the retriever's default Accept. */
    headers?: string[];
  }
  export interface Retrieval {
    responses: { auto: { status: number; headers: Record<string, unknown> } | null };
    /** The session the page was fetched in: its redirects, and the cookie jar the cookie test reads (tough-cookie). */
    session: { redirectHistory: { url: URL; status: number }[]; jar: { setCookieSync(cookie: string, url: string): unknown } } | null;
  }
  export function retrieve(hostname: string, options?: RetrieveOptions): Promise<Retrieval>;
}

declare module '@mdn/mdn-http-observatory/src/constants.js' {
  import type { Retrieval } from '@mdn/mdn-http-observatory/src/retriever/retriever.js';
  export interface TestOutput {
    result: string | null;
    pass: boolean | null;
    data?: unknown;
  }
  export const ALL_TESTS: ReadonlyArray<((retrieval: Retrieval) => TestOutput) & { name: string }>;
}

declare module '@mdn/mdn-http-observatory/src/grader/grader.js' {
  export function getGradeForScore(score: number): { score: number; grade: string };
  export function getScoreModifier(expectation: string): number;
  export function getScoreDescription(expectation: string): string;
}

declare module '@mdn/mdn-http-observatory/src/grader/charts.js' {
  export const MINIMUM_SCORE_FOR_EXTRA_CREDIT: number;
}
