using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sluice.Server.Tests.Browser;

// A real browser for page tests, driven over the Chrome DevTools Protocol on one WebSocket
// (flattened sessions): headless Chromium started with --remote-debugging-port=0, its ws:// address
// read from stderr ("DevTools listening on ws://…"). No Playwright: its node driver is not
// available offline, and the few commands these tests need are plain JSON.
// Bounded in time: every command and wait has a deadline; Dispose kills the browser's process tree by PID.
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task? _reader;
    private int _nextId;
    private string? _session;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public int ProcessId => _process.Id;

    public static bool IsInstalled => File.Exists(Executable);

    public static async Task<HeadlessChromium> StartAsync()
    {
        string profile = Directory.CreateTempSubdirectory("sluice-chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // --no-sandbox: the tests may run as root, where Chromium refuses its sandbox; the browser
        // only ever loads pages of the test's own server on 127.0.0.1.
        foreach (string arg in new[] { "--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + profile, "--no-sandbox", "--no-first-run", "--disable-gpu", "--disable-extensions", "about:blank" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var chromium = new HeadlessChromium(process, profile);
        try
        {
            var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.ErrorDataReceived += (_, e) =>
            {
                Match m = e.Data is null ? Match.Empty : DevToolsLine().Match(e.Data);
                if (m.Success)
                {
                    address.TrySetResult(m.Groups[1].Value);
                }
            };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            string ws = await address.Task.WaitAsync(s_timeout);
            await chromium._socket.ConnectAsync(new Uri(ws), new CancellationTokenSource(s_timeout).Token);
            chromium._reader = Task.Run(chromium.ReadLoopAsync);

            JsonObject target = await chromium.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
            JsonObject attached = await chromium.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, browserLevel: true);
            chromium._session = attached["sessionId"]!.GetValue<string>();
            await chromium.SendAsync("Page.enable");
            await chromium.SendAsync("Runtime.enable");
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    public Task SetViewportAsync(int width, int height) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = true });

    // Navigates and waits until the new document has loaded.
    public async Task NavigateAsync(string url)
    {
        await EvaluateAsync("window.__sluiceOld = true");
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("!window.__sluiceOld && document.readyState === 'complete'");
    }

    // The expression's value (returnByValue), thrown on a script exception.
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        JsonObject result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is JsonNode error)
        {
            throw new InvalidOperationException($"script failed: {expression}\n{error.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    public async Task<T> EvaluateAsync<T>(string expression) =>
        (await EvaluateAsync(expression) ?? throw new InvalidOperationException($"no value: {expression}")).GetValue<T>();

    // Polls a boolean expression until it is true (a reload, an upload finishing), at most 30 s.
    public async Task WaitForAsync(string condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await EvaluateAsync($"!!({condition})") is JsonNode value && value.GetValue<bool>())
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // The context went away mid-navigation; ask again in the new document.
            }

            if (deadline.Elapsed > s_timeout)
            {
                throw new TimeoutException("waited 30 s for: " + condition);
            }

            await Task.Delay(50);
        }
    }

    public async Task SetInputFilesAsync(string selector, params string[] paths)
    {
        JsonObject document = await SendAsync("DOM.getDocument");
        int root = document["root"]!["nodeId"]!.GetValue<int>();
        JsonObject node = await SendAsync("DOM.querySelector", new JsonObject { ["nodeId"] = root, ["selector"] = selector });
        var files = new JsonArray();
        foreach (string path in paths)
        {
            files.Add(path);
        }

        await SendAsync("DOM.setFileInputFiles", new JsonObject { ["nodeId"] = node["nodeId"]!.GetValue<int>(), ["files"] = files });
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        JsonObject shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(shot["data"]!.GetValue<string>());
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel)
        {
            message["sessionId"] = _session;
        }

        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        }
        finally
        {
            _sendLock.Release();
        }

        JsonObject answer = await reply.Task.WaitAsync(s_timeout);
        if (answer["error"] is JsonNode error)
        {
            throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        }

        return answer["result"] as JsonObject ?? new JsonObject();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 20];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                WebSocketReceiveResult received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                JsonObject? parsed = JsonNode.Parse(message.ToArray()) as JsonObject;
                message.SetLength(0);
                if (parsed?["id"] is JsonNode id && _pending.TryRemove(id.GetValue<int>(), out TaskCompletionSource<JsonObject>? reply))
                {
                    reply.TrySetResult(parsed);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException)
        {
        }

        foreach (TaskCompletionSource<JsonObject> reply in _pending.Values)
        {
            reply.TrySetException(new IOException("DevTools connection closed"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // already gone
        }

        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
