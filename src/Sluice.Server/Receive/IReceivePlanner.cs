namespace Sluice.Server.Receive;

// Picks how the rest of one body reaches its file (the receive side of the transfer planner).
public interface IReceivePlanner
{
    IReceiveMechanism Pick(long length, bool isTls);
}
