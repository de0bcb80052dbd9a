using System.Collections.Concurrent;
using System.Diagnostics;
using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

public sealed class ShutdownSequenceTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan TurnOffLimit = TimeSpan.FromSeconds(5);

    [Fact]
    public void PressesEveryPowerButtonBeforeWaitingForAnyGuest()
    {
        var calls = new ConcurrentQueue<string>();
        var machines = new[] { new FakeMachine("a", calls), new FakeMachine("b", calls), new FakeMachine("c", calls) };

        ShutdownSequence.Run(machines, Grace, TurnOffLimit);

        var order = calls.ToList();
        int lastPress = order.FindLastIndex(c => c.StartsWith("press", StringComparison.Ordinal));
        int firstWait = order.FindIndex(c => c.StartsWith("wait", StringComparison.Ordinal));
        Assert.Equal(["press a", "press b", "press c"], order.Take(3));
        Assert.True(lastPress < firstWait, string.Join(", ", order));
    }

    [Fact]
    public void GivesAllGuestsOneGracePeriodTogether()
    {
        // Guests that never exit: each wait lasts as long as it is allowed to.
        var machines = Enumerable.Range(0, 4).Select(i => new FakeMachine($"vm{i}")).ToArray();
        var clock = Stopwatch.StartNew();

        ShutdownSequence.Run(machines, Grace, TurnOffLimit);

        var allowed = machines.Aggregate(TimeSpan.Zero, (sum, m) => sum + m.Allowed);
        // Each its own grace would be 4 x 400 ms; a sleep that ends a little early leaves the next wait a few ms.
        Assert.True(allowed <= Grace + TimeSpan.FromMilliseconds(30), $"the waits were allowed {allowed.TotalMilliseconds} ms in all");
        Assert.True(machines[0].Allowed >= Grace - TimeSpan.FromMilliseconds(100), $"the first wait was allowed {machines[0].Allowed.TotalMilliseconds} ms");
        Assert.True(clock.Elapsed < Grace * 4, $"the sequence took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void TurnsOffOnlyTheGuestsThatDidNotShutDown()
    {
        var polite = new FakeMachine("polite") { ExitsWhenAsked = true };
        var stubborn = new FakeMachine("stubborn");

        var outcome = ShutdownSequence.Run([polite, stubborn], Grace, TurnOffLimit);

        Assert.Equal(["polite"], outcome.ShutDown);
        Assert.Equal(["stubborn"], outcome.TurnedOff);
        Assert.Empty(outcome.NotStopped);
        Assert.False(polite.TurnedOff);
        Assert.True(stubborn.TurnedOff);
    }

    [Fact]
    public void ReportsFailuresInsteadOfThrowing()
    {
        var notRunning = new FakeMachine("starting") { PressFails = true };
        var broken = new FakeMachine("broken") { TurnOffFails = true };
        var stuck = new FakeMachine("stuck") { TurnOffTakes = TimeSpan.FromSeconds(5) };

        var outcome = ShutdownSequence.Run([notRunning, broken, stuck], TimeSpan.Zero, TimeSpan.FromSeconds(1));

        Assert.Equal(["starting"], outcome.TurnedOff);
        Assert.Equal(2, outcome.NotStopped.Count);
        Assert.Contains(outcome.NotStopped, n => n.StartsWith("broken: ", StringComparison.Ordinal) && n.Contains("kvm went away", StringComparison.Ordinal));
        Assert.Contains("stuck: still stopping after 1 s", outcome.NotStopped);
    }

    [Fact]
    public void DoesNothingWithoutMachines()
    {
        var outcome = ShutdownSequence.Run([], Grace, TurnOffLimit);

        Assert.Empty(outcome.ShutDown);
        Assert.Empty(outcome.TurnedOff);
        Assert.Empty(outcome.NotStopped);
    }

    private sealed class FakeMachine(string name, ConcurrentQueue<string>? calls = null) : IShutdownTarget
    {
        private volatile bool _asked;

        public string Name => name;
        public bool ExitsWhenAsked { get; init; }
        public bool PressFails { get; init; }
        public bool TurnOffFails { get; init; }
        public TimeSpan TurnOffTakes { get; init; }
        /// <summary>The time the sequence allowed this machine's waits, in all.</summary>
        public TimeSpan Allowed { get; private set; }
        public bool TurnedOff { get; private set; }

        public void RequestShutdown()
        {
            calls?.Enqueue($"press {name}");
            if (PressFails)
                throw new VmException("VmNotRunning", VmErrorCategory.InvalidOperation, $"VM '{name}' is not running.");
            _asked = true;
        }

        public bool WaitForExit(TimeSpan timeout, CancellationToken token)
        {
            calls?.Enqueue($"wait {name}");
            if (ExitsWhenAsked && _asked)
                return true;
            Allowed += timeout;
            Thread.Sleep(timeout);
            return false;
        }

        public void TurnOff()
        {
            calls?.Enqueue($"turn off {name}");
            if (TurnOffFails)
                throw new InvalidOperationException("kvm went away");
            Thread.Sleep(TurnOffTakes);
            TurnedOff = true;
        }
    }
}
