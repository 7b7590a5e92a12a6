using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Uploads;

public sealed class TusRequestFieldsTests
{
    private static HttpRequestHead Parse(string request)
    {
        var head = new HttpRequestHead();
        var collector = new HttpRequestHeadCollector(head);
        ParseStatus status = HttpRequestParser.TryParse(Encoding.Latin1.GetBytes(request), ref collector, out _, out RequestRejectionReason reason);
        Assert.True(status == ParseStatus.Complete, $"{status} {reason}");
        return head;
    }

    [Fact]
    public void TusFieldsAreKeptAndResetBetweenRequests()
    {
        HttpRequestHead head = Parse("PATCH /-/uploads/x HTTP/1.1\r\nHost: a\r\nTus-Resumable: 1.0.0\r\nupload-offset: 5\r\nUPLOAD-LENGTH: 9\r\nUpload-Metadata: filename YQ==\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 4\r\n\r\n");
        Assert.Equal(HttpMethod.Patch, head.Method);
        Assert.Equal("1.0.0", head.TusResumable);
        Assert.Equal("5", head.UploadOffset);
        Assert.Equal("9", head.UploadLength);
        Assert.Equal("filename YQ==", head.UploadMetadata);
        Assert.Equal("application/offset+octet-stream", head.RequestContentType);
        Assert.False(head.UploadFieldRepeated);

        head.Reset();
        Assert.Null(head.TusResumable);
        Assert.Null(head.UploadOffset);
        Assert.Null(head.UploadLength);
        Assert.Null(head.UploadMetadata);
        Assert.Null(head.RequestContentType);
    }

    [Fact]
    public void ARepeatedTusFieldIsFlagged() =>
        Assert.True(Parse("PATCH /-/uploads/x HTTP/1.1\r\nHost: a\r\nUpload-Offset: 5\r\nUpload-Offset: 0\r\n\r\n").UploadFieldRepeated);
}
