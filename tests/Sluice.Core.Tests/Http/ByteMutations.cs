using System.Text;

namespace Sluice.Core.Tests.Http;

// Shared by the parsers' property tests: how a failing input is printed, and the mutations
// (insert, remove, replace one byte) that turn a valid input into a near miss.
internal static class ByteMutations
{
    public static string Show(byte[] input) => Encoding.Latin1.GetString(input).Replace("\r", "\\r").Replace("\n", "\\n");

    public static byte[] Apply(byte[] bytes, (int Kind, int Position, byte Value)[] mutations)
    {
        var list = new List<byte>(bytes);
        foreach ((int kind, int position, byte value) in mutations)
        {
            int at = list.Count == 0 ? 0 : position % list.Count;
            switch (kind)
            {
                case 0:
                    list.Insert(at, value);
                    break;
                case 1 when list.Count > 0:
                    list.RemoveAt(at);
                    break;
                default:
                    if (list.Count > 0)
                    {
                        list[at] = value;
                    }

                    break;
            }
        }

        return [.. list];
    }
}
