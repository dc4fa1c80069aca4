import { Command } from 'commander';

const program = new Command('car-reaper').description(
  'Ends abandoned Tencent Cloud CAR sessions recorded in a DynamoDB table.',
);

await program.parseAsync(process.argv);
