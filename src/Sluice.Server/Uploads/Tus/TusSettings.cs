namespace Sluice.Server.Uploads.Tus;

// What the tus handler and its staging store are configured with (from ServerOptions).
//  - StagingDirectory: never inside the served tree (ServerOptions.Validate refuses it);
//  - Expiry: an upload's lifetime from its creation (tus expiration extension);
//  - MaxUploadSize: --max-upload-size, also announced as Tus-Max-Size (0 = no limit);
//  - StagingQuota: all incomplete uploads' declared lengths together (0 = no limit).
public sealed record TusSettings(
    string StagingDirectory,
    TimeSpan Expiry,
    long MaxUploadSize,
    long StagingQuota,
    bool ServeDotfiles);
