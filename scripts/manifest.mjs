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
// The fast path parses flags from the manifest alone: mark integer flags, which oclif's
// manifest does not distinguish from string options, so both parsers hand the same types.
for (const id of Object.keys(plugin.manifest.commands)) {
  const cmd = await plugin.findCommand(id, { must: true });
  for (const [name, flag] of Object.entries(cmd.flags ?? {})) {
    if (typeof flag.parse === 'function' && /Expected an integer/.test(String(flag.parse))) {
      plugin.manifest.commands[id].flags[name].integer = true;
    }
  }
}
writeFileSync('oclif.manifest.json', `${JSON.stringify(plugin.manifest, null, 1)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
