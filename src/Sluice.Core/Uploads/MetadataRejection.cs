namespace Sluice.Core.Uploads;

// Why an Upload-Metadata field was refused (every one answers 400).
public enum MetadataRejection : byte
{
    None,
    TooLong,
    TooManyPairs,
    // An empty pair ("a,,b"), an empty key, or more than one space inside a pair.
    MalformedPair,
    // A key with a character outside visible ASCII, or a comma/space (the tus grammar's separators).
    InvalidKey,
    DuplicateKey,
    // Not RFC 4648 §4 base64 (alphabet, padding, non-zero pad bits), or decoded longer than the limit.
    InvalidValue,
}
