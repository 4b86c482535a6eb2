import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { applyCommand } from './cli/apply-command.js';
import { backupsCommand } from './cli/backups-command.js';
import { configCommand } from './cli/config-command.js';
import { diagnoseCommand } from './cli/diagnose-command.js';
import { fail } from './cli/fail.js';
import { historyCommand } from './cli/history-command.js';
import { inventoryCommand } from './cli/inventory-command.js';
import { planCommand } from './cli/plan-command.js';
import { rollbackCommand } from './cli/rollback-command.js';
import { scheduleCommand } from './cli/schedule-command.js';
import { validateCommand } from './cli/validate-command.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('runbook')
  .description('Ansible-style runbooks for etcd and Kubernetes control planes: preflight, confirm, step by step, roll back on failure')
  .version(pkg.version)
  .showHelpAfterError()
  .addCommand(applyCommand())
  .addCommand(planCommand())
  .addCommand(validateCommand())
  .addCommand(inventoryCommand())
  .addCommand(scheduleCommand())
  .addCommand(rollbackCommand())
  .addCommand(historyCommand())
  .addCommand(backupsCommand())
  .addCommand(diagnoseCommand())
  .addCommand(configCommand());

program.parseAsync(process.argv).catch(fail);
