using System.Collections.Frozen;

namespace Sluice.Core.Content;

// Content-Type by file extension (RFC 9110 §8.3). A file server cannot know the encoding of a text
// file; UTF-8 is by far the most likely and saying so stops browsers from guessing (and sniffing).
public static class MimeTypes
{
    public const string Default = "application/octet-stream";

    private const string Utf8 = "; charset=utf-8";

    private static readonly FrozenDictionary<string, string> s_byExtension = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // Text and web
        ["html"] = "text/html" + Utf8,
        ["htm"] = "text/html" + Utf8,
        ["css"] = "text/css" + Utf8,
        ["js"] = "text/javascript" + Utf8, // RFC 9239 made text/javascript the one to use
        ["mjs"] = "text/javascript" + Utf8,
        ["json"] = "application/json" + Utf8,
        ["map"] = "application/json" + Utf8,
        ["webmanifest"] = "application/manifest+json" + Utf8,
        ["txt"] = "text/plain" + Utf8,
        ["text"] = "text/plain" + Utf8,
        ["log"] = "text/plain" + Utf8,
        ["md"] = "text/markdown" + Utf8,
        ["csv"] = "text/csv" + Utf8,
        ["tsv"] = "text/tab-separated-values" + Utf8,
        ["xml"] = "application/xml" + Utf8,
        ["ics"] = "text/calendar" + Utf8,
        ["vtt"] = "text/vtt" + Utf8,
        ["wasm"] = "application/wasm",

        // Source code and configuration: text/plain, not the registered or x- types (text/x-python,
        // application/yaml, application/toml …), because browsers download those instead of showing
        // them, and a file server's user clicking a .py or .yaml wants to read it. ".ts" is taken as
        // TypeScript here; an MPEG transport stream of that name is served as text (the bytes are
        // unchanged, only a browser's rendering differs).
        ["py"] = "text/plain" + Utf8,
        ["sh"] = "text/plain" + Utf8,
        ["bash"] = "text/plain" + Utf8,
        ["zsh"] = "text/plain" + Utf8,
        ["c"] = "text/plain" + Utf8,
        ["h"] = "text/plain" + Utf8,
        ["cc"] = "text/plain" + Utf8,
        ["cpp"] = "text/plain" + Utf8,
        ["cxx"] = "text/plain" + Utf8,
        ["hpp"] = "text/plain" + Utf8,
        ["rs"] = "text/plain" + Utf8,
        ["go"] = "text/plain" + Utf8,
        ["java"] = "text/plain" + Utf8,
        ["kt"] = "text/plain" + Utf8,
        ["cs"] = "text/plain" + Utf8,
        ["fs"] = "text/plain" + Utf8,
        ["ts"] = "text/plain" + Utf8,
        ["rb"] = "text/plain" + Utf8,
        ["pl"] = "text/plain" + Utf8,
        ["lua"] = "text/plain" + Utf8,
        ["sql"] = "text/plain" + Utf8,
        ["patch"] = "text/plain" + Utf8,
        ["diff"] = "text/plain" + Utf8,
        ["yaml"] = "text/plain" + Utf8,
        ["yml"] = "text/plain" + Utf8,
        ["toml"] = "text/plain" + Utf8,
        ["ini"] = "text/plain" + Utf8,
        ["conf"] = "text/plain" + Utf8,
        ["cfg"] = "text/plain" + Utf8,
        ["properties"] = "text/plain" + Utf8,

        // Images
        ["svg"] = "image/svg+xml" + Utf8,
        ["png"] = "image/png",
        ["jpg"] = "image/jpeg",
        ["jpeg"] = "image/jpeg",
        ["gif"] = "image/gif",
        ["webp"] = "image/webp",
        ["avif"] = "image/avif",
        ["ico"] = "image/vnd.microsoft.icon",
        ["bmp"] = "image/bmp",
        ["tif"] = "image/tiff",
        ["tiff"] = "image/tiff",

        // Documents
        ["pdf"] = "application/pdf",
        ["rtf"] = "application/rtf",
        ["epub"] = "application/epub+zip",
        ["doc"] = "application/msword",
        ["docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ["xls"] = "application/vnd.ms-excel",
        ["xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ["ppt"] = "application/vnd.ms-powerpoint",
        ["pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ["odt"] = "application/vnd.oasis.opendocument.text",
        ["ods"] = "application/vnd.oasis.opendocument.spreadsheet",

        // Archives and packages. Compressed files are served as themselves, never with a
        // Content-Encoding, so that a download of "x.tar.gz" stays compressed on disk.
        ["zip"] = "application/zip",
        ["gz"] = "application/gzip",
        ["tgz"] = "application/gzip",
        ["tar"] = "application/x-tar",
        ["xz"] = "application/x-xz",
        ["zst"] = "application/zstd",
        ["bz2"] = "application/x-bzip2",
        ["lz4"] = "application/x-lz4",
        ["7z"] = "application/x-7z-compressed",
        ["rar"] = "application/vnd.rar",
        ["jar"] = "application/java-archive",
        ["iso"] = "application/x-iso9660-image",
        ["img"] = Default,
        ["bin"] = Default,
        ["deb"] = "application/vnd.debian.binary-package",
        ["rpm"] = "application/x-rpm",
        ["apk"] = "application/vnd.android.package-archive",
        ["dmg"] = "application/x-apple-diskimage",

        // Video
        ["mp4"] = "video/mp4",
        ["m4v"] = "video/mp4",
        ["webm"] = "video/webm",
        ["mkv"] = "video/x-matroska",
        ["mov"] = "video/quicktime",
        ["avi"] = "video/x-msvideo",
        ["ogv"] = "video/ogg",

        // Audio
        ["mp3"] = "audio/mpeg",
        ["ogg"] = "audio/ogg",
        ["oga"] = "audio/ogg",
        ["opus"] = "audio/ogg",
        ["wav"] = "audio/wav",
        ["flac"] = "audio/flac",
        ["m4a"] = "audio/mp4",
        ["aac"] = "audio/aac",

        // Fonts
        ["woff"] = "font/woff",
        ["woff2"] = "font/woff2",
        ["ttf"] = "font/ttf",
        ["otf"] = "font/otf",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_bySpan =
        s_byExtension.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string GetContentType(ReadOnlySpan<char> fileName)
    {
        // Only the last extension counts: "archive.tar.gz" is a gzip stream. A leading dot marks a
        // hidden file (".bashrc"), not an extension.
        ReadOnlySpan<char> name = fileName[(fileName.LastIndexOf('/') + 1)..];
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1)
        {
            return Default;
        }

        return s_bySpan.TryGetValue(name[(dot + 1)..], out string? contentType) ? contentType : Default;
    }
}
