namespace Sluice.Core.Listing;

public readonly record struct DirectoryEntry(string Name, bool IsDirectory, long Size, DateTimeOffset Modified);
