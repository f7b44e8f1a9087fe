using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Churn.Benchmarks.BenchData).Assembly).Run(args);
