namespace Sluice.Fuzz;

// The code under test and its oracle disagree on an input.
internal sealed class OracleMismatchException(string message) : Exception(message);
