import type { Command } from 'commander';
import { rotateKek } from '../../main/key-vault.js';
import { printJson } from '../output.js';
import { addStoreOptions, withServerStore } from './token.js';

export function registerKek(program: Command): void {
  const kek = program.command('kek').description('the key-encryption key that wraps repository keys and provider credentials in the job store');
  addStoreOptions(kek.command('rotate')
    .description('make a new key-encryption key and re-wrap every wrapped value with it; stop every control-plane instance of the store first')
    .option('--kek-file <file>', 'the key-encryption key (env CBS_KEK_FILE; default $CBS_HOME/kek)'))
    .action(async (o: { home?: string; databaseUrl?: string; kekFile?: string; json?: boolean }) => {
      const flags = { ...(o.home ? { home: o.home } : {}), ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}), ...(o.kekFile ? { kekFile: o.kekFile } : {}) };
      await withServerStore(flags, async (store, cfg) => {
        const notes: string[] = [];
        const n = await rotateKek(store, { kekFile: cfg.secrets.kekFile, onNote: (x) => notes.push(x) });
        for (const x of notes) process.stderr.write(`${x}\n`);
        if (o.json) return printJson({ 'kek-file': cfg.secrets.kekFile, rewrapped: n });
        process.stdout.write(`new key-encryption key in ${cfg.secrets.kekFile}; ${n} wrapped values re-wrapped. `
          + 'Copy the file to every control-plane instance of this store before starting them, and replace the copy in your backups.\n');
      });
    });
}
