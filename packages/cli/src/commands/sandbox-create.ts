import type { Command } from 'commander';
import { type CliIo, collect, contextFor, example, parseKeyValues, positiveInt } from '../context.js';

interface Opts {
  template: string;
  timeout?: number;
  metadata?: string[];
  env?: string[];
  internet: boolean;
  publicTraffic?: boolean;
  cpu?: number;
  memory?: number;
}

/** `soulbox sandbox create`: prints the new sandbox's id (or an object with `sandboxId`). */
export function registerSandboxCreate(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('create')
    .description('create a sandbox and print its id')
    .option('-t, --template <name>', 'template to start from', 'base')
    .option('--timeout <seconds>', 'lifetime before the sandbox is killed', positiveInt('--timeout'))
    .option('-m, --metadata <key=value>', 'metadata (repeatable)', collect)
    .option('-e, --env <key=value>', 'environment variable for every process (repeatable)', collect)
    .option('--no-internet', 'no outbound network (loopback only)')
    .option('--no-public-traffic', "ports answer only requests with the sandbox's traffic token")
    .option('--cpu <count>', 'CPU cores', positiveInt('--cpu'))
    .option('--memory <MiB>', 'memory limit in MiB', positiveInt('--memory'))
    .action(async (o: Opts, c: Command) => {
      const ctx = contextFor(c, io);
      const sbx = await ctx.client().sandboxes.create({
        template: o.template,
        timeoutS: o.timeout,
        metadata: parseKeyValues(o.metadata, '--metadata'),
        envVars: parseKeyValues(o.env, '--env'),
        allowInternetAccess: o.internet,
        ...(o.publicTraffic === false ? { allowPublicTraffic: false } : {}),
        cpuCount: o.cpu,
        memoryMiB: o.memory,
      });
      // The traffic token is what a port client needs; it goes to the caller who made the sandbox.
      const traffic = sbx.trafficAccessToken ? { trafficAccessToken: sbx.trafficAccessToken } : {};
      if (ctx.json) ctx.printJson({ sandboxId: sbx.sandboxId, templateId: sbx.templateId, ...traffic });
      else ctx.print(sbx.sandboxId);
    });
  example(cmd, 'soulbox sandbox create --template base --timeout 600', 'id=$(soulbox sandbox create)');
}
