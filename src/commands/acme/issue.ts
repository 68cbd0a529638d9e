import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAcmeIssue } from '../../cli/run/acme.js';

export default class AcmeIssue extends PosteCommand {
  static override summary = 'Obtain a certificate through DNS-01 on our own primary';
  static override description =
    'Runs an RFC 8555 order for the names with the CA at --directory, answering each DNS-01 challenge ' +
    'with a TSIG-signed UPDATE to the primary (the record is removed afterwards), and writes key.pem ' +
    '(a new P-256 key) and fullchain.pem (leaf first) into --out, with account.pem and acme.json, which ' +
    '`acme renew` and `acme serve` read. Transient failures (the CA or the primary unreachable) are ' +
    'retried with backoff. Exit 1 when the CA or the primary refuses, 75 when still unreachable.';
  static override examples = [
    '<%= config.bin %> acme issue --directory https://acme-v02.api.letsencrypt.org/directory --domain example.org --domain *.example.org --dns-update 127.0.0.1:53 --tsig-key acme.:BASE64 --out /var/lib/poste/certs/example.org',
  ];
  static override flags = {
    directory: Flags.string({ description: "URL of the CA's ACME directory", required: true }),
    'directory-ca': Flags.string({
      description: 'PEM file of an extra CA to trust for the directory (a test CA)',
    }),
    domain: Flags.string({
      description: 'a name for the certificate (wildcards allowed); repeatable',
      required: true,
      multiple: true,
    }),
    'dns-update': Flags.string({
      description: 'ADDR:PORT of the primary taking the challenge UPDATEs',
      required: true,
    }),
    'tsig-key': Flags.string({
      description: 'NAME:SECRET (hmac-sha256) or ALG:NAME:SECRET allowed to update the challenge names',
      required: true,
    }),
    out: Flags.string({ description: 'directory for the key, the chain and the ACME state', required: true }),
    email: Flags.string({ description: 'contact address for the account; repeatable', multiple: true }),
    attempts: Flags.integer({ description: 'tries when the CA or the primary is unreachable', default: 3 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AcmeIssue);
    await runAcmeIssue({ flags });
  }
}
