using Churn.Cli;

return await ChurnCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
