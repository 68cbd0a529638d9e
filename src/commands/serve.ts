import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runServe } from '../cli/run/serve.js';
import { SERVICE_NAMES } from '../services/registry.js';

export default class Serve extends PosteCommand {
  static override summary = 'Run one of the eight services from its JSON config';
  static override description =
    'Checks the config (a bad one is one line naming the key, exit 65), starts the service, and logs one JSON ' +
    'line per event on stderr, the first being `ready` with its listeners. `"metrics": "ADDR:PORT"` in any config ' +
    'adds an HTTP listener with Prometheus metrics at /metrics and health at /health. A service that lists its ' +
    "files runs under Node's permission model, allowed only those (--no-sandbox: unrestricted). SIGTERM and " +
    'SIGINT stop it (exit 0); SIGUSR1 logs its state. --check only checks the config and prints it with every ' +
    'default filled in.';
  static override examples = [
    '<%= config.bin %> serve relay --config /etc/poste/relay.json',
    '<%= config.bin %> serve resolver --config resolver.json --check',
  ];
  static override args = {
    service: Args.string({ description: 'the service', required: true, options: [...SERVICE_NAMES] }),
  };
  static override flags = {
    config: Flags.string({ description: 'the JSON config file', required: true }),
    check: Flags.boolean({ description: 'check the config, print it with its defaults, and exit' }),
    sandbox: Flags.boolean({
      description: "run under Node's permission model (default: when the service lists its files)",
      allowNo: true,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Serve);
    await runServe({ args, flags });
  }
}
