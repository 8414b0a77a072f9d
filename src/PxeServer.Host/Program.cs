using PxeServer.Host.Cli;

return await PxeCommandLine.RunAsync(args);
