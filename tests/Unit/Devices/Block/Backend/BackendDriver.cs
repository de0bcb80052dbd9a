using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>
/// Drives a backend the way an IoThread does: submit, wait on the completion eventfd with poll,
/// drain. Fails the test when completions do not arrive in time.
/// </summary>
internal static class BackendDriver
{
    public static BlockCompletion RunOne(IBlockBackend backend, BlockIoRequest request) => Run(backend, request)[0];

    /// <summary>Submits all, then returns the completions in UserData order of the requests.</summary>
    public static IReadOnlyList<BlockCompletion> Run(IBlockBackend backend, params BlockIoRequest[] requests)
    {
        foreach (var request in requests)
        {
            backend.Submit(request);
        }

        var completions = WaitFor(backend, requests.Length);
        return requests.Select(r => completions.Single(c => c.UserData == r.UserData)).ToList();
    }

    public static List<BlockCompletion> WaitFor(IBlockBackend backend, int count, int timeoutMs = 20_000)
    {
        var completions = new List<BlockCompletion>();
        long deadline = Environment.TickCount64 + timeoutMs;
        while (completions.Count < count)
        {
            int left = (int)(deadline - Environment.TickCount64);
            Assert.True(left > 0, $"only {completions.Count} of {count} completions arrived");
            if (EventFd.WaitReadable(backend.CompletionEventFd, left))
            {
                backend.DrainCompletions(completions.Add);
            }
        }

        return completions;
    }

    public static void AssertSucceeded(BlockCompletion completion, long expectedBytes)
    {
        Assert.True(completion.Succeeded, completion.ToString());
        Assert.Equal(expectedBytes, completion.Result);
    }
}
