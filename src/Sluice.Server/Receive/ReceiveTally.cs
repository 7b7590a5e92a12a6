namespace Sluice.Server.Receive;

// What one upload's receive did, for the access log, /metrics and `sluice bench --upload`.
public sealed class ReceiveTally
{
    public long BytesWritten { get; set; }

    public long ReceiveCalls { get; set; }

    public long WriteCalls { get; set; }

    public long SpliceCalls { get; set; }

    // Writes and fsyncs handed to the disk engine.
    public long EngineRequests { get; set; }

    public void Reset()
    {
        BytesWritten = 0;
        ReceiveCalls = 0;
        WriteCalls = 0;
        SpliceCalls = 0;
        EngineRequests = 0;
    }
}
