// `npm run doctor`: a preflight for test and live mode. Reads the configuration as the server
// does (.env, then the environment), asks Stripe read-only questions about the keys, the webhook
// endpoint for PUBLIC_URL and the account, and checks the certificate and the TLS mode. Prints a
// checklist with a fix under each failure; exit code 1 when anything failed.
import { loadConfigFromProcess } from '../../server/src/config';
import { hasFailure, renderChecklist } from './checklist';
import { runDoctor } from './run-doctor';

const lines = await runDoctor({ loadConfig: () => loadConfigFromProcess() });
// Exit once the checklist is written: the Stripe client's keep-alive sockets would hold the process open.
process.stdout.write(renderChecklist(lines), () => process.exit(hasFailure(lines) ? 1 : 0));
