namespace Sluice.Server.Connections;

public enum ConnectionState : byte
{
    // Between requests, waiting for the first byte of the next one (keep-alive timeout applies).
    AwaitingRequest,
    // Some bytes of a request head have arrived (header timeout applies).
    ReadingHead,
    DiscardingBody,
    Responding,
    Closing,
}
