// The benchmark's signed webhook events: every id is one the app stores. The store refuses a
// value that looks like a card number (a 500), so an id with a Luhn-valid run of 13-19 digits
// would be a failed answer that says nothing about the app's speed.
import { describe, expect, it } from 'vitest';
import { containsPan } from '../../server/src/store/pan-guard';
import { benchEventId, createEventSigner, newRunId } from '../bench/scenarios/signed-events';

const RUNS = 2_000;
/** Counters whose base-36 form is all digits, the longest digit tails an id can end with. */
const ALL_DIGIT_COUNTERS = Array.from({ length: 30 }, (_, index) => parseInt(String(1_000 + index * 287), 36));

describe('the bench’s signed events', () => {
  it('never carry an event id the store would refuse as a card number', () => {
    const refused = [];
    for (let run = 0; run < RUNS; run++) {
      const runId = newRunId();
      for (const sent of ALL_DIGIT_COUNTERS) {
        const id = benchEventId(runId, sent);
        if (containsPan(id)) refused.push(id);
      }
    }
    expect(refused).toEqual([]);
  });

  it('number their events with those ids, each new', () => {
    const next = createEventSigner({ secret: 'whsec_test', type: 'payment_intent.created', objects: [{ id: 'pi_1' }] });
    const ids = Array.from({ length: 3 }, () => (JSON.parse(next().body) as { id: string }).id);
    const run = /^evt_bench([a-z]+)0$/.exec(ids[0] ?? '')?.[1] ?? '';
    expect(ids).toEqual([0, 1, 2].map((sent) => benchEventId(run, sent)));
  });
});
