// The tables as the query builder sees them: one row type per table, in the column names
// the migrations create. Kysely checks every query in store/ against these at compile time.
import type { Generated } from 'kysely';
import type { OrderStatus } from '../../../common/api-contract';

// The statuses are the API's (the browser sees them); the migrations' CHECK constraints list the same.
export type { OrderStatus } from '../../../common/api-contract';

export interface OrdersTable {
  id: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  /** JSON text in SQLite; jsonb in PostgreSQL (the driver parses it). Written as JSON text. */
  items: string | unknown;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  card_exp_month: number | null;
  card_exp_year: number | null;
  created_at: number;
  updated_at: number;
}

export interface ProcessedEventsTable {
  event_id: string;
  type: string;
  processed_at: number;
}

/** One row per status change an event made: the audit trail, and (UNIQUE) proof nothing happened twice. */
export interface OrderTransitionsTable {
  id: Generated<number>;
  order_id: string;
  from_status: OrderStatus;
  to_status: OrderStatus;
  event_id: string | null;
  created_at: number;
}

export interface CspReportsTable {
  fingerprint: string;
  document_url: string;
  directive: string;
  blocked_url: string;
  count: number;
  first_seen: number;
  last_seen: number;
  /** A hash of the client key of whoever reported it first (the per-client quota); '' before version 6. */
  reporter: string;
}

export type CspReportDropReason = 'over-quota' | 'table-full' | 'evicted';

/** Reports a flood kept out of `csp_reports`, counted per reason and hour. */
export interface CspReportDropsTable {
  reason: CspReportDropReason;
  period_start: number;
  count: number;
  first_seen: number;
  last_seen: number;
}

/** express-rate-limit counters shared by every app instance (RATE_LIMIT_STORE=database). */
export interface RateLimitHitsTable {
  key: string;
  hits: number;
  reset_at_ms: number;
}

/** A seller of the shop's platform; signs in with passkeys only (no password column exists). */
export interface SellersTable {
  id: string;
  email: string;
  stripe_account_id: string | null;
  created_at: number;
}

/** One WebAuthn credential: its id and public key (base64url), signature counter and transports (JSON list). */
export interface SellerPasskeysTable {
  credential_id: string;
  seller_id: string;
  public_key: string;
  counter: number;
  transports: string;
  created_at: number;
}

/** A one-time enrolment link, stored as the SHA-256 of its token. */
export interface SellerEnrolmentTokensTable {
  token_hash: string;
  seller_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** A signed-in seller, stored as the SHA-256 of the cookie's session id. */
export interface SellerSessionsTable {
  id_hash: string;
  seller_id: string;
  created_at: number;
  last_seen_at: number;
}

export type WebauthnChallengePurpose = 'enrol' | 'sign-in';

/** A challenge handed to the browser, answerable once before it expires (any instance may check it). */
export interface WebauthnChallengesTable {
  challenge: string;
  purpose: WebauthnChallengePurpose;
  seller_id: string | null;
  expires_at: number;
}

export interface Schema {
  orders: OrdersTable;
  processed_events: ProcessedEventsTable;
  order_transitions: OrderTransitionsTable;
  csp_reports: CspReportsTable;
  csp_report_drops: CspReportDropsTable;
  rate_limit_hits: RateLimitHitsTable;
  sellers: SellersTable;
  seller_passkeys: SellerPasskeysTable;
  seller_enrolment_tokens: SellerEnrolmentTokensTable;
  seller_sessions: SellerSessionsTable;
  webauthn_challenges: WebauthnChallengesTable;
}
