// The harness's only database access: read the app's orders, processed events and status
// transitions after the run, through the app's own database module (SQLite or PostgreSQL,
// whichever DATABASE_URL names), opened read-only: the harness never writes, nor migrates.
import { parseDatabaseUrl } from '../../server/src/config';
import { openReadOnlyDatabase } from '../../server/src/store/database';
import type { DatabaseLocation } from '../../server/src/store/database';
import type { OrdersTable, OrderTransitionsTable, ProcessedEventsTable } from '../../server/src/store/schema';
import type { Selectable } from 'kysely';

export const ORDER_COLUMNS = [
  'id',
  'status',
  'amount',
  'currency',
  'checkout_session_id',
  'payment_intent_id',
  'card_brand',
  'card_last4',
  'card_exp_month',
  'card_exp_year',
] as const;

export type OrderRow = Pick<Selectable<OrdersTable>, (typeof ORDER_COLUMNS)[number]>;
export type ProcessedEventRow = Pick<Selectable<ProcessedEventsTable>, 'event_id' | 'type'>;
export type TransitionRow = Pick<Selectable<OrderTransitionsTable>, 'order_id' | 'from_status' | 'to_status' | 'event_id'>;

export interface OrderTable {
  orders: OrderRow[];
  processedEvents: ProcessedEventRow[];
  /** The audit trail of status changes. */
  transitions: TransitionRow[] | null;
}

/** The app's own reading of DATABASE_URL, so the harness opens what the app opened. */
function toLocation(databaseUrl: string): DatabaseLocation {
  const location = parseDatabaseUrl(databaseUrl);
  if (typeof location === 'string') throw new Error(location);
  return location;
}

/** `file:<path>` (SQLite) or `postgres://…`. */
export async function readOrderTable(databaseUrl: string): Promise<OrderTable> {
  const database = openReadOnlyDatabase(toLocation(databaseUrl));
  const { db } = database;
  try {
    return {
      orders: await db.selectFrom('orders').select(ORDER_COLUMNS).orderBy('id').execute(),
      processedEvents: await db.selectFrom('processed_events').select(['event_id', 'type']).orderBy('event_id').execute(),
      transitions: await db
        .selectFrom('order_transitions')
        .select(['order_id', 'from_status', 'to_status', 'event_id'])
        .orderBy('id')
        .execute(),
    };
  } finally {
    await database.close();
  }
}
