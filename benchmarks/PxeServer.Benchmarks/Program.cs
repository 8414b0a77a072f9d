using BenchmarkDotNet.Running;

// Run one area with e.g. `dotnet run -c Release --project benchmarks/PxeServer.Benchmarks -- --filter '*Tftp*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
