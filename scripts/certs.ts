// `npm run certs`: create (or reuse) the development certificates and say how to trust the CA.
import { ensureDevCertificate } from '../common/dev-certs';

const cert = await ensureDevCertificate();
process.stdout.write(
  [
    `Development CA: ${cert.caPath}`,
    'Trust it for Node.js clients:  NODE_EXTRA_CA_CERTS=' + cert.caPath,
    'Trust it in a browser: import it as an authority (see README, "Trusting the development CA").',
    '',
  ].join('\n'),
);
