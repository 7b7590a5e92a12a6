using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Server.Receive;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Receive;

// A body that does not arrive in full: the client closes mid-body (PeerGone), or stops sending
// and the connection's token is cancelled (TimedOut: the body deadline, the minimum rate or a
// server abort). Either way every byte that did arrive is in the file, in place — a resumable
// upload continues from exactly there — and Bytes says how many.
public sealed class ReceiveInterruptionTests : IDisposable
{
    private const int Size = (1024 * 1024) + 7;
    private readonly string _dir = DiskDirectory.NewPath("sluice-receive-cut-");

    public ReceiveInterruptionTests() => Directory.CreateDirectory(_dir);

    // buffered too: it is what the server runs today (ReceivePlanner) and what tus PATCH relies on.
    public static TheoryData<string> Mechanisms() => new() { "splice", "splice-drop", "dontcache", "direct", "buffered" };

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task PeerClosingMidBodyEndsPeerGoneWithTheBytesSoFarInTheFile(string mechanism)
    {
        const int sent = 300_001;
        byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 11);
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        string path = Path.Combine(_dir, "cut.bin");
        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);

        await rig.SendAsync(body.AsMemory(0, sent));
        rig.Client.Shutdown(SocketShutdown.Send);
        ReceiveResult result = await ReceiveRig.ReceiveAsync(ReceiveMechanismTests.Create(rig, mechanism), rig.Job(file, 0, Size)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ReceiveOutcome.PeerGone, result.Outcome);
        Assert.Equal(sent, result.Bytes);
        Assert.Equal(Fixtures.Sha256(body.AsSpan(0, sent)), Fixtures.Sha256OfFile(path));
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task StalledPeerEndsTimedOutWhenTheTransportTokenIsCancelled(string mechanism)
    {
        const int sent = 10_000;
        byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 12);
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        string path = Path.Combine(_dir, "stall.bin");
        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);

        await rig.SendAsync(body.AsMemory(0, sent));
        Task<ReceiveResult> receiving = ReceiveRig.ReceiveAsync(ReceiveMechanismTests.Create(rig, mechanism), rig.Job(file, 0, Size));

        // The mechanism has taken every byte that arrived and now waits for more.
        Assert.True(await Wait.UntilAsync(() => rig.Server.Available == 0, TimeSpan.FromSeconds(30)), "the mechanism never read what the client sent");
        Assert.False(receiving.IsCompleted, "the receive ended although the client neither finished nor closed");
        rig.Abort.Cancel();
        ReceiveResult result = await receiving.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ReceiveOutcome.TimedOut, result.Outcome);
        Assert.Equal(sent, result.Bytes);
        Assert.Equal(Fixtures.Sha256(body.AsSpan(0, sent)), Fixtures.Sha256OfFile(path));
    }

    // The client sends in bursts with pauses: after each pause the mechanism has to wait for the
    // socket to become readable again and resume without losing or duplicating a byte (the
    // splice mechanism's zero-byte receive must not consume one).
    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task BodyArrivingInBurstsIsReceivedWhole(string mechanism)
    {
        byte[] body = ReceiveMechanismTests.RandomBytes(Size, seed: 13);
        await using ReceiveRig rig = await ReceiveRig.ConnectAsync();
        string path = Path.Combine(_dir, "bursts.bin");
        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);

        Task<ReceiveResult> receiving = ReceiveRig.ReceiveAsync(ReceiveMechanismTests.Create(rig, mechanism), rig.Job(file, 0, Size));
        int[] cuts = [1, 4097, 70_000, 600_000, Size];
        int from = 0;
        foreach (int cut in cuts)
        {
            await rig.SendAsync(body.AsMemory(from, cut - from));
            from = cut;
            Assert.True(await Wait.UntilAsync(() => rig.Server.Available == 0, TimeSpan.FromSeconds(30)));
        }

        ReceiveResult result = await receiving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ReceiveOutcome.Completed, result.Outcome);
        Assert.Equal(Fixtures.Sha256(body), Fixtures.Sha256OfFile(path));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
