// What the lab generates lives in one folder (LAB_DIR, scripts/lab/target.ts), so `npm run lab --
// reset` removes all of it and nothing else. The development certificate stays in .certs/ (trusted
// once per laptop), and the development database (data/app.sqlite) is npm start's, not the lab's.

/** The lab shop's database, as DATABASE_URL (relative to the repository, where the lab starts). */
export const LAB_DATABASE_URL = 'file:data/lab/lab.sqlite';

/** Where the monitor's baseline of the lab's pages goes (`npm run monitor -- --baseline …`), so a reset forgets it too. */
export const LAB_MONITOR_BASELINE = 'data/lab/monitor-baseline.json';
