using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Sluice.Cli.Bench;

// --chart: six small panels of grouped bars (one group per strategy, one bar per cache state; the
// bar is the median over the rounds, the whisker its min–max),
// drawn with ScottPlot onto one SkiaSharp canvas under a header that says what ran where. The same
// drawing goes to a PNG surface or to Skia's SVG canvas, chosen by the file's extension.
internal static class ChartWriter
{
    private const int Width = 1500;
    private const int Height = 900;
    private const int HeaderHeight = 56;
    private const int Rows = 2;
    private const int Columns = 3;

    private static readonly Color[] s_cacheColors = [Color.FromHex("#E4572E"), Color.FromHex("#2E86AB")];

    private const double GiB = 1L << 30;

    public static void Write(string path, IReadOnlyList<BenchSummary> rows, long size, string header, string subheader)
    {
        Plot[] panels = Build(rows, Panels(rows, size));
        bool svg = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);
        if (svg)
        {
            using var stream = File.Create(path);
            using (SKCanvas canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream))
            {
                Draw(canvas, panels, header, subheader);
            }
        }
        else
        {
            using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height));
            Draw(surface.Canvas, panels, header, subheader);
            using SKImage image = surface.Snapshot();
            using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
            using var stream = File.Create(path);
            png.SaveTo(stream);
        }
    }

    // Panels in a grid below the header. Not ScottPlot's Multiplot: its Render clears the whole
    // canvas to transparent, which Skia's SVG canvas writes as a black rectangle.
    private static void Draw(SKCanvas canvas, Plot[] panels, string header, string subheader)
    {
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, 18);
        using var smallFont = new SKFont(typeface, 12);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(header, 16, 24, titleFont, paint);
        paint.Color = new SKColor(80, 80, 80);
        canvas.DrawText(subheader, 16, 46, smallFont, paint);

        float cellWidth = (float)Width / Columns;
        float cellHeight = (float)(Height - HeaderHeight) / Rows;
        for (int i = 0; i < panels.Length; i++)
        {
            float left = i % Columns * cellWidth;
            float top = HeaderHeight + i / Columns * cellHeight;
            panels[i].RenderManager.ClearCanvasBeforeEachRender = false;
            panels[i].Render(canvas, new PixelRect(left, left + cellWidth, top + cellHeight, top));
        }
    }

    // With --strace the call panel counts every system call (strace); without, the server's own
    // data-path counters, and says so.
    private static (string Title, Func<BenchSummary, Spread?> Value)[] Panels(IReadOnlyList<BenchSummary> rows, long size)
    {
        double gib = size / GiB;
        bool straced = rows.Any(r => r.StraceCalls is not null);
        return
        [
            straced
                ? ("All system calls per GiB (strace -f -c)", r => r.StraceCalls is Spread s ? new Spread(s.Median / gib, s.Min / gib, s.Max / gib, s.Count) : null)
                : ("Data-path calls per GiB (server counters)", r => r.DataPathCallsPerGiB),
            ("Server CPU ms per GiB (CPU clock)", r => r.CpuMsPerGiB),
            ("Whole-machine busy CPU ms per GiB (no steal)", r => r.MachineCpuMsPerGiB),
            ("Throughput, MB/s (loopback)", r => r.MbPerSec),
            ("Test file's pages added to the cache, MiB", r => r.FileCacheMiB),
            ("Server context switches per GiB", r => r.ContextSwitchesPerGiB),
        ];
    }

    private static Plot[] Build(IReadOnlyList<BenchSummary> rows, (string Title, Func<BenchSummary, Spread?> Value)[] definitions)
    {
        List<string> strategies = rows.Select(r => r.Strategy).Distinct().ToList();
        List<string> caches = rows.Select(r => r.Cache).Distinct().ToList();
        var panels = new Plot[definitions.Length];

        for (int p = 0; p < definitions.Length; p++)
        {
            (string title, Func<BenchSummary, Spread?> value) = definitions[p];
            Plot plot = panels[p] = new Plot();
            var bars = new List<Bar>();
            var whiskers = new List<(double X, Spread Spread)>();
            foreach (BenchSummary r in rows)
            {
                if (value(r) is not Spread v || v.IsEmpty)
                {
                    continue;
                }

                int group = strategies.IndexOf(r.Strategy);
                int member = caches.IndexOf(r.Cache);
                double position = group * (caches.Count + 1) + member;
                bars.Add(new Bar
                {
                    Position = position,
                    Value = v.Median,
                    FillColor = s_cacheColors[member % s_cacheColors.Length],
                    Label = Compact(v.Median),
                });
                if (v.Max > v.Min)
                {
                    whiskers.Add((position, v));
                }
            }

            var barPlot = plot.Add.Bars(bars);
            foreach ((double x, Spread spread) in whiskers)
            {
                var line = plot.Add.Line(x, spread.Min, x, spread.Max);
                line.LineWidth = 2;
                line.LineColor = Colors.Black;
                line.MarkerSize = 0;
            }

            barPlot.ValueLabelStyle.FontSize = 11;
            plot.Title(title, size: 14);
            plot.Axes.Margins(bottom: 0, top: 0.15);
            double[] ticks = strategies.Select((_, g) => g * (caches.Count + 1) + (caches.Count - 1) / 2.0).ToArray();
            string[] labels = strategies.Select(s => StrategyLabel(s, rows)).ToArray();
            plot.Axes.Bottom.SetTicks(ticks, labels);
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.HideGrid();
            if (p == 0)
            {
                for (int c = 0; c < caches.Count; c++)
                {
                    plot.Legend.ManualItems.Add(new LegendItem { LabelText = caches[c], FillColor = s_cacheColors[c % s_cacheColors.Length] });
                }

                plot.ShowLegend(Alignment.UpperRight);
            }
        }

        return panels;
    }

    // Short bar labels, so that neighbouring bars' labels do not collide: 65,920 → 65.9k.
    private static string Compact(double v) => Math.Abs(v) switch
    {
        >= 1e6 => (v / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (v / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 1e3 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k",
        >= 10 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.#", CultureInfo.InvariantCulture),
    };

    // auto's bars carry the strategy it chose.
    private static string StrategyLabel(string strategy, IReadOnlyList<BenchSummary> rows)
    {
        if (strategy != "auto")
        {
            return strategy;
        }

        string chosen = string.Join("/", rows.Where(r => r.Strategy == "auto" && r.ChosenStrategy is not null).Select(r => r.ChosenStrategy!).Distinct(StringComparer.Ordinal));
        return chosen.Length == 0 ? "auto" : $"auto\n({chosen})";
    }
}
