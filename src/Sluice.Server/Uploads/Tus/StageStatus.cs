namespace Sluice.Server.Uploads.Tus;

public enum StageStatus : byte
{
    Created,
    // The declared length would take the staging store past its quota (507).
    QuotaExceeded,
    // The staging file system has less free space than the declared length (507).
    NoSpace,
    Failed,
}
