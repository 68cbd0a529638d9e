// Writes oclif.manifest.json so that `poste` finds a command without loading every
// command module at start (the oclif CLI's `manifest` command, without its dependencies).
import { writeFileSync } from 'node:fs';
import { Plugin } from '@oclif/core/config';

const plugin = new Plugin({
  root: process.cwd(),
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync('oclif.manifest.json', `${JSON.stringify(plugin.manifest, null, 1)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
