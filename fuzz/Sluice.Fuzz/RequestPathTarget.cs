using System.Text;
using Sluice.Core.Oracles.Paths;
using Sluice.Core.Paths;

namespace Sluice.Fuzz;

// The input is a raw request path (any bytes, although the request parser lets only visible ASCII
// through). RequestPathDecoder must give ReferencePathDecoder's verdict, path and trailing slash; the
// bytes an accepted path maps back to (what the kernel sees) must hold no empty, "." or ".." segment;
// and every segment must survive EncodeSegment and a second TryDecode unchanged.
internal sealed class RequestPathTarget : FuzzTarget
{
    public override string Name => "path";

    public override void Check(byte[] input)
    {
        PathRejection rejection = RequestPathDecoder.TryDecode(input, out string path, out bool trailingSlash);
        (PathRejection expected, string expectedPath, bool expectedTrailingSlash) = ReferencePathDecoder.Decode(input);

        Agree(expected, rejection, "rejection", input);
        Agree(expectedPath, path, "path", input);
        Agree(expectedTrailingSlash, trailingSlash, "trailing slash", input);
        if (rejection != PathRejection.None || path.Length == 0)
        {
            return;
        }

        byte[] kernelPath = FileNameEncoding.GetBytes(path);
        foreach (Range range in kernelPath.AsSpan().Split((byte)'/'))
        {
            bool dotOrEmpty = kernelPath[range] is [] or [(byte)'.'] or [(byte)'.', (byte)'.'];
            Agree(false, dotOrEmpty, "kernel path segment", input);
        }

        foreach (string segment in path.Split('/'))
        {
            byte[] link = Encoding.ASCII.GetBytes("/" + RequestPathDecoder.EncodeSegment(segment));
            PathRejection linkRejection = RequestPathDecoder.TryDecode(link, out string linkPath, out bool linkSlash);
            Agree((PathRejection.None, segment, false), (linkRejection, linkPath, linkSlash), "segment round trip", input);
        }
    }
}
