using System.Text;
using Sluice.Core.Uploads;

namespace Sluice.Core.Tests.Uploads;

public sealed class UploadTargetPathTests
{
    [Theory]
    [InlineData("a.bin", false, TargetPathRejection.None)]
    [InlineData("dir/sub/a.bin", false, TargetPathRejection.None)]
    [InlineData("ünïcode/日本.txt", false, TargetPathRejection.None)]
    [InlineData("a..b", false, TargetPathRejection.None)]
    [InlineData("", false, TargetPathRejection.Malformed)]
    [InlineData("/etc/passwd", false, TargetPathRejection.Malformed)]
    [InlineData("dir/", false, TargetPathRejection.Malformed)]
    [InlineData("dir//a", false, TargetPathRejection.Malformed)]
    [InlineData("../a", false, TargetPathRejection.Malformed)]
    [InlineData("dir/../../a", false, TargetPathRejection.Malformed)]
    [InlineData("./a", false, TargetPathRejection.Malformed)]
    [InlineData("..", false, TargetPathRejection.Malformed)]
    [InlineData("a\\b", false, TargetPathRejection.InvalidCharacter)]
    [InlineData("a\nb", false, TargetPathRejection.InvalidCharacter)]
    [InlineData("a\0b", false, TargetPathRejection.InvalidCharacter)]
    [InlineData(".git/hooks/x", false, TargetPathRejection.Dotfile)]
    [InlineData("dir/.env", false, TargetPathRejection.Dotfile)]
    [InlineData("dir/.env", true, TargetPathRejection.None)]
    [InlineData("../a", true, TargetPathRejection.Malformed)]
    public void Table(string path, bool allowDotfiles, TargetPathRejection expected) =>
        Assert.Equal(expected, UploadTargetPath.Validate(path, allowDotfiles));

    [Fact]
    public void LengthLimitsAreLinuxs()
    {
        Assert.Equal(TargetPathRejection.None, UploadTargetPath.Validate(new string('a', 255), false));
        Assert.Equal(TargetPathRejection.TooLong, UploadTargetPath.Validate(new string('a', 256), false));
        // 128 two-byte characters: 256 bytes, over NAME_MAX although only 128 chars.
        Assert.Equal(TargetPathRejection.TooLong, UploadTargetPath.Validate(new string('é', 128), false));
        string deep = string.Join('/', Enumerable.Repeat(new string('a', 200), 21));
        Assert.Equal(TargetPathRejection.TooLong, UploadTargetPath.Validate(deep, false));
    }

    [Fact]
    public void InvalidUtf8IsRefusedNotReplaced()
    {
        Assert.Equal(TargetPathRejection.InvalidCharacter, UploadTargetPath.Decode([0x61, 0xFF, 0x62], false, out _));
        // Overlong "/" (C0 AF) must not become a separator or U+FFFD.
        Assert.Equal(TargetPathRejection.InvalidCharacter, UploadTargetPath.Decode([0x61, 0xC0, 0xAF, 0x62], false, out _));
        Assert.Equal(TargetPathRejection.None, UploadTargetPath.Decode(Encoding.UTF8.GetBytes("d/ü.txt"), false, out string path));
        Assert.Equal("d/ü.txt", path);
    }
}
