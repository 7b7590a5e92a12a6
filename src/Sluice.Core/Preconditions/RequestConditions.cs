namespace Sluice.Core.Preconditions;

// Raw field values as received; null means the field was absent. Parsing happens during evaluation
// because RFC 9110 §13.1 asks recipients to ignore some invalid values rather than reject the request.
public readonly record struct RequestConditions(
    string? IfMatch,
    string? IfNoneMatch,
    string? IfModifiedSince,
    string? IfUnmodifiedSince,
    string? IfRange);
