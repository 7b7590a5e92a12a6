using System.Text;
using Sluice.Server.Tests.Infrastructure;
using static Sluice.Server.Tests.Uploads.UploadClient;

namespace Sluice.Server.Tests.Uploads;

// Uploaded documents a browser renders with script must run sandboxed. An XML document (served
// as application/xml) runs the script of elements in the XHTML namespace, as HTML does: it went
// out without the sandbox, so any user who may upload could plant script in the site's origin.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UploadedContentTests
{
    private const string XmlWithScript =
        "<?xml version=\"1.0\"?><root><x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(document.domain)</x:script></root>";

    [Fact]
    public async Task UploadedXmlIsServedSandboxed()
    {
        await using var server = StartWithUploads();
        Assert.Equal(201, (await PutAsync(server, "/feed.xml", Encoding.UTF8.GetBytes(XmlWithScript))).Status);
        RawResponse document = await server.GetAsync("/feed.xml");
        Assert.StartsWith("application/xml", document.RequireHeader("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("sandbox", document.Header("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("text/html; charset=utf-8", true)]
    [InlineData("application/xml; charset=utf-8", true)]
    [InlineData("text/xml", true)]
    [InlineData("image/svg+xml; charset=utf-8", true)]
    [InlineData("application/xhtml+xml", true)]
    [InlineData("application/atom+xml", true)]
    [InlineData("APPLICATION/RSS+XML;charset=utf-8", true)]
    [InlineData("text/plain; charset=utf-8", false)]
    [InlineData("application/octet-stream", false)]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", false)]
    public void ScriptableDocumentTypesAreSandboxed(string contentType, bool sandboxed)
    {
        var plan = new Sluice.Server.Files.ResponsePlan { ContentType = contentType };
        Sluice.Server.Uploads.UploadResponses.Sandbox(plan);
        Assert.Equal(sandboxed, plan.ContentSecurityPolicy is not null);
    }
}
